/**
 * Watch tables: who wants to hear about which path, and the events a committed change
 * fires. One-shot kinds (data, exist, child) are consumed when they fire; persistent and
 * persistent-recursive watches stay until removed or the connection goes.
 *
 * Which triggers fire which kinds (ZooKeeper 3.8):
 *   created        data, exist, persistent on the path; recursive on the path and ancestors
 *   deleted        data, exist, child, persistent on the path; recursive on path and ancestors
 *   dataChanged    data, exist, persistent on the path; recursive on path and ancestors
 *   childrenChanged child, persistent on the path (never recursive)
 * A session gets at most one event per (path, type) per trigger, however many of its
 * watches match; the client fans it out to its own watchers.
 *
 * Beyond ZooKeeper: a bounded history of recent triggers lets a reconnecting client's
 * persistent watches replay what they missed; where the history no longer reaches back,
 * the watch gets one explicit `resync` event instead of a silent gap. Pure.
 */
import { LimitExceededError, type Limits } from '../base/limits.js';
import type { Zxid } from '../base/zxid.js';
import { isUnder, parentOf } from '../tree/path.js';
import type { SessionId, TriggerType, WatchTrigger } from '../tree/types.js';

export type WatchKind = 'data' | 'exist' | 'child' | 'persistent' | 'persistentRecursive';
export type RemoveKind = 'children' | 'data' | 'any' | 'persistent' | 'persistentRecursive';

export interface WatchEventOut {
  sessionId: SessionId;
  type: TriggerType | 'resync';
  path: string;
  zxid: Zxid;
}

export interface WatchLists {
  data: string[];
  exist: string[];
  child: string[];
  persistent: string[];
  persistentRecursive: string[];
}

export interface TreeLookup {
  get(path: string): { stat: { mzxid: Zxid; pzxid: Zxid; czxid: Zxid } } | undefined;
}

const FIRES: Record<TriggerType, readonly WatchKind[]> = {
  created: ['data', 'exist', 'persistent'],
  deleted: ['data', 'exist', 'child', 'persistent'],
  dataChanged: ['data', 'exist', 'persistent'],
  childrenChanged: ['child', 'persistent'],
};
const ONE_SHOT: ReadonlySet<WatchKind> = new Set(['data', 'exist', 'child']);

export class WatchManager {
  /** path -> session -> kinds */
  private readonly byPath = new Map<string, Map<SessionId, Set<WatchKind>>>();
  /** session -> number of watches it holds */
  private readonly perSession = new Map<SessionId, number>();
  private recursiveCount = 0;
  private total = 0;

  private readonly history: WatchTrigger[] = [];
  private historyHead = 0;
  /** events at or below this zxid may be missing from the history */
  private historyFloor: Zxid;

  /**
   * `historyStart`: the zxid the tree is at when this manager starts. Changes up to it are
   * not in the history (a restarted server has none), so a persistent watch reconnecting
   * from below it gets a resync rather than a replay that silently misses them.
   */
  constructor(
    private readonly limits: Pick<Limits, 'watchesPerSessionMax' | 'watchHistoryMax'>,
    historyStart: Zxid,
  ) {
    this.historyFloor = historyStart;
  }

  add(sessionId: SessionId, path: string, kind: WatchKind): void {
    let sessions = this.byPath.get(path);
    const kinds = sessions?.get(sessionId);
    if (kinds?.has(kind)) return;
    const count = this.perSession.get(sessionId) ?? 0;
    if (count >= this.limits.watchesPerSessionMax) {
      throw new LimitExceededError('watchesPerSessionMax', this.limits.watchesPerSessionMax, `session 0x${sessionId.toString(16)} holds ${count} watches`);
    }
    if (!sessions) this.byPath.set(path, (sessions = new Map()));
    let set = sessions.get(sessionId);
    if (!set) sessions.set(sessionId, (set = new Set()));
    set.add(kind);
    this.perSession.set(sessionId, count + 1);
    this.total++;
    if (kind === 'persistentRecursive') this.recursiveCount++;
  }

  remove(sessionId: SessionId, path: string, kind: RemoveKind): boolean {
    const kinds: WatchKind[] =
      kind === 'children' ? ['child'] : kind === 'data' ? ['data', 'exist'] : kind === 'any' ? ['data', 'exist', 'child', 'persistent', 'persistentRecursive'] : [kind];
    let removed = false;
    for (const k of kinds) removed = this.drop(sessionId, path, k) || removed;
    return removed;
  }

  private drop(sessionId: SessionId, path: string, kind: WatchKind): boolean {
    const sessions = this.byPath.get(path);
    const set = sessions?.get(sessionId);
    if (!sessions || !set || !set.delete(kind)) return false;
    if (set.size === 0) sessions.delete(sessionId);
    if (sessions.size === 0) this.byPath.delete(path);
    const left = (this.perSession.get(sessionId) ?? 1) - 1;
    if (left <= 0) this.perSession.delete(sessionId);
    else this.perSession.set(sessionId, left);
    this.total--;
    if (kind === 'persistentRecursive') this.recursiveCount--;
    return true;
  }

  removeSession(sessionId: SessionId): void {
    if (!this.perSession.has(sessionId)) return;
    for (const [path, sessions] of this.byPath) {
      const set = sessions.get(sessionId);
      if (!set) continue;
      for (const k of [...set]) this.drop(sessionId, path, k);
    }
    this.perSession.delete(sessionId);
  }

  trigger(triggers: readonly WatchTrigger[]): WatchEventOut[] {
    const out: WatchEventOut[] = [];
    for (const t of triggers) {
      this.remember(t);
      const notified = new Set<SessionId>();
      const sessions = this.byPath.get(t.path);
      if (sessions) {
        for (const [sessionId, kinds] of [...sessions]) {
          let hit = false;
          for (const k of FIRES[t.type]) {
            if (!kinds.has(k)) continue;
            hit = true;
            if (ONE_SHOT.has(k)) this.drop(sessionId, t.path, k);
          }
          if (hit) notified.add(sessionId);
        }
      }
      if (this.recursiveCount > 0 && t.type !== 'childrenChanged') {
        for (let p: string | undefined = t.path; p !== undefined; p = p === '/' ? undefined : parentOf(p)) {
          const at = this.byPath.get(p);
          if (!at) continue;
          for (const [sessionId, kinds] of at) if (kinds.has('persistentRecursive')) notified.add(sessionId);
        }
      }
      for (const sessionId of notified) out.push({ sessionId, type: t.type, path: t.path, zxid: t.zxid });
    }
    return out;
  }

  private remember(t: WatchTrigger): void {
    const max = this.limits.watchHistoryMax;
    if (max <= 0) {
      this.historyFloor = t.zxid;
      return;
    }
    if (this.history.length < max) {
      this.history.push(t);
      return;
    }
    const evicted = this.history[this.historyHead]!;
    if (evicted.zxid > this.historyFloor) this.historyFloor = evicted.zxid;
    this.history[this.historyHead] = t;
    this.historyHead = (this.historyHead + 1) % max;
  }

  /** History entries after `zxid`, oldest first. */
  private historyAfter(zxid: Zxid): WatchTrigger[] {
    const ordered = this.history.length < this.limits.watchHistoryMax ? this.history : [...this.history.slice(this.historyHead), ...this.history.slice(0, this.historyHead)];
    return ordered.filter((t) => t.zxid > zxid);
  }

  /**
   * A reconnecting client re-registers its watches. One-shot watches whose node changed
   * after `relativeZxid` fire at once (ZooKeeper's setWatches); persistent ones replay the
   * history after it, or get one `resync` when the history does not reach back that far.
   *
   * Like a live trigger, each missed change reaches the session once however many of its
   * watches match it, and the events come in zxid order. Nothing is registered when the
   * watches would exceed watchesPerSessionMax.
   */
  setWatches(sessionId: SessionId, relativeZxid: Zxid, w: WatchLists, tree: TreeLookup): WatchEventOut[] {
    const fired: WatchEventOut[] = [];
    const register: Array<[string, WatchKind]> = [];
    const fire = (type: WatchEventOut['type'], path: string, zxid: Zxid): void => {
      fired.push({ sessionId, type, path, zxid });
    };
    for (const path of w.data) {
      const node = tree.get(path);
      if (!node) fire('deleted', path, relativeZxid);
      else if (node.stat.mzxid > relativeZxid) fire('dataChanged', path, node.stat.mzxid);
      else register.push([path, 'data']);
    }
    for (const path of w.exist) {
      const node = tree.get(path);
      if (node) fire('created', path, node.stat.czxid);
      else register.push([path, 'exist']);
    }
    for (const path of w.child) {
      const node = tree.get(path);
      if (!node) fire('deleted', path, relativeZxid);
      else if (node.stat.pzxid > relativeZxid) fire('childrenChanged', path, node.stat.pzxid);
      else register.push([path, 'child']);
    }
    for (const path of w.persistent) register.push([path, 'persistent']);
    for (const path of w.persistentRecursive) register.push([path, 'persistentRecursive']);
    this.reserve(sessionId, register);
    for (const [path, kind] of register) this.add(sessionId, path, kind);

    const replayed: WatchEventOut[] = [];
    if (w.persistent.length > 0 || w.persistentRecursive.length > 0) {
      if (relativeZxid < this.historyFloor) {
        for (const path of [...w.persistent, ...w.persistentRecursive]) replayed.push({ sessionId, type: 'resync', path, zxid: relativeZxid });
      } else {
        const exact = new Set(w.persistent);
        const seen = new Set(fired.map((e) => `${e.type}|${e.path}|${e.zxid}`));
        for (const t of this.historyAfter(relativeZxid)) {
          const match = exact.has(t.path) || (t.type !== 'childrenChanged' && w.persistentRecursive.some((root) => isUnder(t.path, root)));
          const key = `${t.type}|${t.path}|${t.zxid}`;
          if (match && !seen.has(key)) {
            seen.add(key);
            replayed.push({ sessionId, type: t.type, path: t.path, zxid: t.zxid });
          }
        }
      }
    }
    // Stable sort: same-zxid events keep the order the change reported them in.
    return [...fired, ...replayed].sort((a, b) => (a.zxid < b.zxid ? -1 : a.zxid > b.zxid ? 1 : 0));
  }

  /** Throws, changing nothing, when registering these would take the session over its limit. */
  private reserve(sessionId: SessionId, wanted: ReadonlyArray<[string, WatchKind]>): void {
    const fresh = new Set<string>();
    for (const [path, kind] of wanted) if (!this.byPath.get(path)?.get(sessionId)?.has(kind)) fresh.add(`${kind}|${path}`);
    const count = this.perSession.get(sessionId) ?? 0;
    if (count + fresh.size > this.limits.watchesPerSessionMax) {
      throw new LimitExceededError('watchesPerSessionMax', this.limits.watchesPerSessionMax, `session 0x${sessionId.toString(16)} holds ${count} watches and asks for ${fresh.size} more`);
    }
  }

  counts(): { watches: number; paths: number; sessions: number } {
    return { watches: this.total, paths: this.byPath.size, sessions: this.perSession.size };
  }

  /** session -> watched paths (admin `wchc`). */
  describeBySession(): Map<SessionId, string[]> {
    const out = new Map<SessionId, string[]>();
    for (const [path, sessions] of this.byPath) {
      for (const id of sessions.keys()) {
        let list = out.get(id);
        if (!list) out.set(id, (list = []));
        list.push(path);
      }
    }
    return out;
  }

  /** path -> sessions watching it (admin `wchp`). */
  describeByPath(): Map<string, SessionId[]> {
    return new Map([...this.byPath].map(([path, sessions]) => [path, [...sessions.keys()]]));
  }
}
