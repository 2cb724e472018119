/**
 * The client's own watch table: which local watchers wait on which path, and which of them
 * an event from the server reaches. The server sends a session at most one event per
 * (path, type) per change; this table fans it out, as ZooKeeper's client does:
 *
 *   NodeCreated, NodeDataChanged  data + exist watchers of the path (consumed), persistent
 *                                  on the path, persistent-recursive on the path or above
 *   NodeDeleted                    data + exist + child watchers (consumed), persistent,
 *                                  persistent-recursive on the path or above
 *   NodeChildrenChanged            child watchers (consumed), persistent on the path
 *   Resync                         persistent and persistent-recursive watchers of the path
 *
 * It also lists what to re-register after a reconnect (SetWatches). Pure: no I/O, no time.
 */
import type { WatchLists } from './codec.js';
import type { AddWatchMode, EventType, WatchEvent, Watcher, WatcherType } from './types.js';

export type OneShotKind = 'data' | 'exist' | 'child';
type Kind = OneShotKind | AddWatchMode;

function parentOf(path: string): string | undefined {
  if (path === '/') return undefined;
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export class WatchRegistry {
  private readonly tables: Record<Kind, Map<string, Set<Watcher>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map(),
  };

  add(kind: Kind, path: string, watcher: Watcher): void {
    const table = this.tables[kind];
    let set = table.get(path);
    if (!set) table.set(path, (set = new Set()));
    set.add(watcher);
  }

  /** Removes one watcher; returns true when no watcher of that kind is left on the path. */
  remove(kind: Kind, path: string, watcher: Watcher): boolean {
    const table = this.tables[kind];
    const set = table.get(path);
    if (!set) return true;
    set.delete(watcher);
    if (set.size > 0) return false;
    table.delete(path);
    return true;
  }

  /**
   * Removes one watcher that may already be gone (fired, or the session ended): 'absent'
   * when it was not registered, 'last' when no watcher the server tracks with it is left
   * on the path (a data and an exist watch are one server watch), 'shared' otherwise.
   */
  drop(kind: OneShotKind, path: string, watcher: Watcher): 'absent' | 'last' | 'shared' {
    const set = this.tables[kind].get(path);
    if (!set?.has(watcher)) return 'absent';
    this.remove(kind, path, watcher);
    const left = kind === 'child' ? this.has('child', path) : this.has('data', path) || this.has('exist', path);
    return left ? 'shared' : 'last';
  }

  has(kind: Kind, path: string): boolean {
    return (this.tables[kind].get(path)?.size ?? 0) > 0;
  }

  /** The watchers an event from the server reaches; one-shot ones are consumed. */
  materialize(event: Pick<WatchEvent, 'type' | 'path'>): Watcher[] {
    const out = new Set<Watcher>();
    const take = (kind: OneShotKind): void => {
      const set = this.tables[kind].get(event.path);
      if (!set) return;
      for (const w of set) out.add(w);
      this.tables[kind].delete(event.path);
    };
    const persistentHere = (): void => {
      for (const w of this.tables.persistent.get(event.path) ?? []) out.add(w);
    };
    const recursiveAbove = (): void => {
      if (this.tables.persistentRecursive.size === 0) return;
      for (let p: string | undefined = event.path; p !== undefined; p = parentOf(p)) {
        for (const w of this.tables.persistentRecursive.get(p) ?? []) out.add(w);
      }
    };
    switch (event.type) {
      case 'NodeCreated':
      case 'NodeDataChanged':
        take('data');
        take('exist');
        persistentHere();
        recursiveAbove();
        break;
      case 'NodeDeleted':
        take('data');
        take('exist');
        take('child');
        persistentHere();
        recursiveAbove();
        break;
      case 'NodeChildrenChanged':
        take('child');
        persistentHere();
        break;
      case 'Resync':
        persistentHere();
        for (const w of this.tables.persistentRecursive.get(event.path) ?? []) out.add(w);
        break;
      default:
        break;
    }
    return [...out];
  }

  /** What the server must know again after a reconnect. */
  lists(): WatchLists {
    const keys = (k: Kind): string[] => [...this.tables[k].keys()];
    return { data: keys('data'), exist: keys('exist'), child: keys('child'), persistent: keys('persistent'), persistentRecursive: keys('persistentRecursive') };
  }

  isEmpty(): boolean {
    return Object.values(this.tables).every((t) => t.size === 0);
  }

  /**
   * removeWatches on the client side: drops the watchers of `type` on `path` and returns
   * each with the event type it is told about its removal (ZooKeeper's *WatchRemoved).
   */
  removeAll(path: string, type: WatcherType): Array<[Watcher, EventType]> {
    const kinds: Array<[Kind, EventType]> =
      type === 'children'
        ? [['child', 'ChildWatchRemoved']]
        : type === 'data'
          ? [['data', 'DataWatchRemoved'], ['exist', 'DataWatchRemoved']]
          : type === 'persistent'
            ? [['persistent', 'PersistentWatchRemoved']]
            : type === 'persistentRecursive'
              ? [['persistentRecursive', 'PersistentWatchRemoved']]
              : [
                  ['data', 'DataWatchRemoved'],
                  ['exist', 'DataWatchRemoved'],
                  ['child', 'ChildWatchRemoved'],
                  ['persistent', 'PersistentWatchRemoved'],
                  ['persistentRecursive', 'PersistentWatchRemoved'],
                ];
    const out: Array<[Watcher, EventType]> = [];
    for (const [kind, ev] of kinds) {
      const set = this.tables[kind].get(path);
      if (!set) continue;
      for (const w of set) out.push([w, ev]);
      this.tables[kind].delete(path);
    }
    return out;
  }

  /** The session ended: every watcher, once each; the table is emptied. */
  clear(): Watcher[] {
    const out = new Set<Watcher>();
    for (const table of Object.values(this.tables)) {
      for (const set of table.values()) for (const w of set) out.add(w);
      table.clear();
    }
    return [...out];
  }
}
