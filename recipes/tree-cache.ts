/**
 * A live local mirror of a subtree (Curator's TreeCache) fed by one persistent recursive
 * watch: every creation, data change or deletion under the root updates the mirror and
 * is reported; a `Resync` (events the server could not replay) or a reconnect re-reads
 * the whole subtree. Reads (`get`, `children`) are local and synchronous.
 */
import { NoNodeError, type Client, type Stat, type WatchEvent } from '../sdk/index.js';
import { join, parentOf } from './paths.js';
import { checkPath, knownKeys, optionsObject } from './validate.js';
import { WatchFedMirror } from './watch-fed-mirror.js';

/** One znode as the mirror last read it (a `getData` result). */
export interface CachedNode {
  /** The node's data as last read. */
  data: Buffer;
  /** The node's Stat as last read (`mzxid`/`cversion` tell an update from a repeat). */
  stat: Stat;
}

/**
 * A change to the mirror. `added`/`updated` carry the node as read; `removed` is reported
 * for each path of a deleted subtree, children before their parent; `initialized` once, after the first
 * full load in {@link TreeCache.open}.
 */
export type TreeEvent =
  | {
      /** `added`: a path new to the mirror; `updated`: its data or children version changed. */
      type: 'added' | 'updated';
      /** Full path of the node. */
      path: string;
      /** The node as just read. */
      node: CachedNode;
    }
  | {
      /** The node left the mirror (deleted, or found missing on a re-read). */
      type: 'removed';
      /** Full path of the removed node. */
      path: string;
    }
  | {
      /** The first load of the whole subtree has completed. */
      type: 'initialized';
    };

/**
 * @example
 * const tree = await TreeCache.open(client, '/config');
 * console.log(tree.get('/config/db')?.data.toString());
 * for await (const e of tree.events()) console.log(e.type, 'path' in e ? e.path : '');
 */
export class TreeCache extends WatchFedMirror<TreeEvent> {
  private readonly nodes = new Map<string, CachedNode>();

  private constructor(
    private readonly client: Client,
    /** Path of the mirrored subtree's root (the root itself is cached too). */
    readonly root: string,
  ) {
    super('tree cache', `tree cache ${root}`);
  }

  /** Starts the watch, loads the subtree, and resolves once the mirror is complete. */
  static async open(client: Client, root: string, opts: Record<string, never> = {}): Promise<TreeCache> {
    knownKeys('TreeCache.open()', optionsObject('TreeCache.open()', opts), []);
    checkPath('TreeCache.open()', 'root', root);
    const t = new TreeCache(client, root);
    t.watch = await client.addWatch(root, 'persistentRecursive', { listener: (e) => t.onEvent(e) });
    t.offState = client.on('state', (e) => e.state === 'reconnected' && t.tasks.run(() => t.reloadAll()));
    t.tasks.run(async () => {
      await t.reloadAll();
      t.hub.emit({ type: 'initialized' });
    });
    await t.tasks.settled();
    return t;
  }

  /** The cached node at `path`, if it exists (as far as the mirror knows). */
  get(path: string): CachedNode | undefined {
    return this.nodes.get(path);
  }

  /** The cached children's names of `path`, sorted. */
  children(path: string): string[] {
    const prefix = path === '/' ? '/' : `${path}/`;
    const out: string[] = [];
    for (const p of this.nodes.keys()) if (p !== path && p.startsWith(prefix) && parentOf(p) === path) out.push(p.slice(prefix.length));
    return out.sort();
  }

  /** Every cached path, sorted. */
  paths(): string[] {
    return [...this.nodes.keys()].sort();
  }

  /** Changes from now on as an async iterable (ends on close()). */
  events(opts: { signal?: AbortSignal; bufferSize?: number } = {}): AsyncIterableIterator<TreeEvent> {
    return this.hub.iterate(opts);
  }

  private onEvent(e: WatchEvent): void {
    if (this.closed) return;
    if (e.type === 'Resync') return this.tasks.run(() => this.reloadAll());
    if (e.type === 'NodeDeleted') return this.tasks.run(async () => this.removeTree(e.path));
    if (e.type === 'NodeCreated' || e.type === 'NodeDataChanged') this.tasks.run(async () => void (await this.readOne(e.path)));
  }

  private async readOne(path: string): Promise<boolean> {
    try {
      const { data, stat } = await this.client.getData(path);
      const old = this.nodes.get(path);
      this.nodes.set(path, { data, stat });
      if (!old) this.hub.emit({ type: 'added', path, node: { data, stat } });
      else if (old.stat.mzxid !== stat.mzxid || old.stat.cversion !== stat.cversion) this.hub.emit({ type: 'updated', path, node: { data, stat } });
      return true;
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      this.removeTree(path);
      return false;
    }
  }

  private removeTree(path: string): void {
    const prefix = path === '/' ? '/' : `${path}/`;
    const gone = [...this.nodes.keys()].filter((p) => p === path || p.startsWith(prefix)).sort().reverse();
    for (const p of gone) {
      this.nodes.delete(p);
      this.hub.emit({ type: 'removed', path: p });
    }
  }

  private async reloadAll(): Promise<void> {
    const seen = new Set<string>();
    const walk = async (path: string): Promise<void> => {
      if (!(await this.readOne(path))) return;
      seen.add(path);
      let kids: string[];
      try {
        kids = await this.client.getChildren(path);
      } catch (e) {
        if (e instanceof NoNodeError) return;
        throw e;
      }
      for (const k of kids) await walk(join(path, k));
    };
    await walk(this.root);
    for (const p of [...this.nodes.keys()]) if (!seen.has(p)) this.removeTree(p);
  }
}
