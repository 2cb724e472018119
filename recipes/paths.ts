/**
 * Path helpers for the recipes, and `ensurePath`: create a node's missing ancestors (as
 * ZooKeeper's `creatingParentsIfNeeded`), tolerating a concurrent creator.
 */
import { isRetryable, NodeExistsError, NoNodeError, WardenError, type Client, type CreateMode } from '../sdk/index.js';

/** Tries of one create of an ancestor that meets connection losses, and walks from the top after a reaped ancestor. */
const ENSURE_TRIES = 5;

export function join(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Creates `path` and every missing ancestor, with `mode` for `path` itself and persistent
 * (or container, with `containers`) nodes above it. A node that already exists is fine.
 * With containers, the server may reap an ancestor this walk found or made (its last child
 * went meanwhile); a create then meets NONODE and the walk starts again from the top.
 */
export async function ensurePath(client: Client, path: string, opts: { mode?: CreateMode; containers?: boolean; signal?: AbortSignal } = {}): Promise<void> {
  if (path === '/') return;
  if (await client.exists(path, { signal: opts.signal })) return;
  for (let walk = 1; ; walk++) {
    try {
      await createChain(client, path, opts);
      return;
    } catch (e) {
      if (!(e instanceof NoNodeError) || walk >= ENSURE_TRIES) throw e;
    }
  }
}

async function createChain(client: Client, path: string, opts: { mode?: CreateMode; containers?: boolean; signal?: AbortSignal }): Promise<void> {
  const parts = path.split('/').filter(Boolean);
  let at = '';
  for (let i = 0; i < parts.length; i++) {
    at += `/${parts[i]}`;
    const last = i === parts.length - 1;
    const mode: CreateMode = last ? (opts.mode ?? (opts.containers ? 'container' : 'persistent')) : opts.containers ? 'container' : 'persistent';
    for (let attempt = 1; ; attempt++) {
      try {
        await client.create(at, null, { mode, signal: opts.signal });
        break;
      } catch (e) {
        if (e instanceof NodeExistsError) break;
        // Creating a missing ancestor again is harmless (NODEEXISTS then), so a lost reply
        // is simply retried once the client is connected again.
        const again = e instanceof WardenError && (e.outcomeUnknown || isRetryable(e));
        if (!again || attempt >= ENSURE_TRIES) throw e;
        await client.waitForConnected({ signal: opts.signal });
      }
    }
  }
}
