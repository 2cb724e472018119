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

  constructor(
    private readonly limits: Pick<Limits, 'watchesPerSessionMax' | 'watchHistoryMax'>,
    historyStart: Zxid = 0n,
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
   */
  setWatches(sessionId: SessionId, relativeZxid: Zxid, w: WatchLists, tree: TreeLookup): WatchEventOut[] {
    const out: WatchEventOut[] = [];
    const zxidOf = (n: { stat: { mzxid: Zxid } } | undefined): Zxid => n?.stat.mzxid ?? relativeZxid;
    for (const path of w.data) {
      const node = tree.get(path);
      if (!node) out.push({ sessionId, type: 'deleted', path, zxid: relativeZxid });
      else if (node.stat.mzxid > relativeZxid) out.push({ sessionId, type: 'dataChanged', path, zxid: zxidOf(node) });
      else this.add(sessionId, path, 'data');
    }
    for (const path of w.exist) {
      const node = tree.get(path);
      if (node) out.push({ sessionId, type: 'created', path, zxid: node.stat.czxid });
      else this.add(sessionId, path, 'exist');
    }
    for (const path of w.child) {
      const node = tree.get(path);
      if (!node) out.push({ sessionId, type: 'deleted', path, zxid: relativeZxid });
      else if (node.stat.pzxid > relativeZxid) out.push({ sessionId, type: 'childrenChanged', path, zxid: node.stat.pzxid });
      else this.add(sessionId, path, 'child');
    }
    const replayable = relativeZxid >= this.historyFloor;
    const missed = replayable ? this.historyAfter(relativeZxid) : [];
    const persistent: Array<[string, boolean]> = [...w.persistent.map((p): [string, boolean] => [p, false]), ...w.persistentRecursive.map((p): [string, boolean] => [p, true])];
    for (const [path, recursive] of persistent) {
      this.add(sessionId, path, recursive ? 'persistentRecursive' : 'persistent');
      if (!replayable) {
        out.push({ sessionId, type: 'resync', path, zxid: relativeZxid });
        continue;
      }
      for (const t of missed) {
        const match = recursive ? t.type !== 'childrenChanged' && isUnder(t.path, path) : t.path === path;
        if (match) out.push({ sessionId, type: t.type, path: t.path, zxid: t.zxid });
      }
    }
    return out;
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
