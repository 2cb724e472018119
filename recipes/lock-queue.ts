/**
 * The queue under every lock, semaphore and latch (Curator's LockInternals): each
 * contender creates a protected ephemeral-sequential node under the lock's path and waits
 * until a rule (`decide`) says it holds; meanwhile it watches only the one node the rule
 * names (no herd effect).
 *
 * Invariants:
 * - Every look at the queue is a listing that follows a proof of freshness through the
 *   leader, so a contender decides on state at least as new as the leader's at the time
 *   the proof was sent; a node listed then exists, so its session was live then
 *   (ephemerals die with their session). The proof is a `sync` sent in the same round
 *   trip as the listing (getChildren's `sync` option), except for the first look
 *   right after our own create: that create was ordered by the leader and answered only
 *   once this server had applied it, so the listing sent after it on the same session
 *   already sees every node the leader had then, and every node with a lower sequence
 *   number (sequence numbers follow zxid order). A stale listing can only show lower nodes
 *   that are gone since, never miss one: it errs toward waiting, never toward holding.
 * - A contender holds only when that listing still shows its own node, and the node is
 *   owned by its current session (known from the create's reply, or checked when a node
 *   whose create reply was lost is adopted). The lease starts when the proof was sent.
 * - A contender that gives up (signal, timeout, error) deletes its node.
 */
import { OneShotWatch, type Client, type Stat } from '../sdk/index.js';
import { join } from './paths.js';
import { createProtected, deleteQuietly, type ProtectedNode } from './protected-create.js';
import { childrenWithId, sortSequential, type NodeName, type QueuePosition } from './sequential-nodes.js';
import { now, raceSignal } from './waiting.js';

/** Our node left the queue while we waited (deleted by someone, or the session ended). */
export class QueueNodeGoneError extends Error {
  /** Always `'QueueNodeGoneError'`. */
  override name = 'QueueNodeGoneError';
  /** Always `'NODEGONE'`, for matching without `instanceof`. */
  readonly code = 'NODEGONE';
  constructor(
    /** Path of our queue node that disappeared. */
    readonly path: string,
  ) {
    super(`${path} is gone: it was deleted or its session ended while waiting`);
  }
}

export interface QueueSpec {
  client: Client;
  /** The lock's path: the contenders' parent. */
  path: string;
  /** Every prefix of the nodes that queue together (a read-write lock has two). */
  prefixes: readonly string[];
  /** Where `own` stands among `sorted`. */
  decide(sorted: readonly NodeName[], own: string): QueuePosition;
}

export interface Turn {
  /** Monotonic time the sync that proved the turn was sent (the lease starts there). */
  sentAtMs: number;
  stat: Stat;
}

/** Joins the queue: a protected ephemeral-sequential node named `<prefix><seq>`. */
export function joinQueue(spec: QueueSpec, prefix: string, data: Uint8Array | string | null, signal: AbortSignal | undefined): Promise<ProtectedNode> {
  return createProtected(spec.client, spec.path, prefix, { mode: 'ephemeralSequential', data, signal });
}

/**
 * Waits until `node` holds (resolves) or `signal` aborts / the node is gone (rejects).
 * With `once`, looks one time and resolves undefined if it does not hold.
 */
export async function awaitTurn(spec: QueueSpec, node: ProtectedNode, signal: AbortSignal | undefined, once = false): Promise<Turn | undefined> {
  const { client } = spec;
  // Only for the first look: later ones follow a watch event from this server alone.
  let proofSentAtMs = node.adopted ? undefined : node.createSentAtMs;
  for (;;) {
    const sync = proofSentAtMs === undefined;
    const sentAtMs = proofSentAtMs ?? now();
    proofSentAtMs = undefined;
    // With `sync`, the SDK sends the sync and the listing together, in that order.
    const children = await client.getChildren(spec.path, { signal, sync });
    for (const extra of childrenWithId(children, node.id)) {
      if (extra !== node.name) await deleteQuietly(client, join(spec.path, extra), signal);
    }
    const pos = spec.decide(sortSequential(children, spec.prefixes), node.name);
    if (pos.kind === 'gone') throw new QueueNodeGoneError(node.path);
    if (pos.kind === 'holds') {
      if (node.stat.ephemeralOwner !== client.sessionId) throw new QueueNodeGoneError(node.path);
      return { sentAtMs, stat: node.stat };
    }
    if (once) return undefined;
    const watch = new OneShotWatch();
    const predecessor = await client.exists(join(spec.path, pos.watch), { watch, signal });
    try {
      if (predecessor) await raceSignal(watch, signal);
    } finally {
      void watch[Symbol.asyncIterator]().return?.();
    }
  }
}

/**
 * Deletes our node, trying again after connection losses until it is gone or the session
 * ends (then the server deletes it). Never throws.
 */
export async function leaveQueue(client: Client, path: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await deleteQuietly(client, path);
      return;
    } catch {
      if (client.state === 'expired' || client.state === 'closed' || client.state === 'closing') return;
      try {
        await client.waitForConnected({ timeoutMs: Math.max(1000, client.sessionTimeoutMs) });
      } catch {
        // keep trying until the attempts run out; the session's end removes the node anyway
      }
    }
  }
}
