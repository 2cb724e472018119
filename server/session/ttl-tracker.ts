/**
 * When a TTL node may be reaped, on the leader's own monotonic clock.
 *
 * The tree finds a TTL node old by its mtime: a wall-clock time written by whichever member
 * led when the node last changed. A leader whose wall clock is ahead of that member's (clock
 * skew, a stepped clock, a new leader) would find it old at once and reap it early. So the
 * leader also notes, on its monotonic clock, since when it has seen each TTL node unmodified
 * (the same mzxid), and reaps only a node both clocks call old. A new leader starts every
 * node's count at its first look: a node may go late, never early.
 *
 * Pure: times are passed in (a monotonic clock at the edge).
 */
import type { Zxid } from '../base/zxid.js';

export interface TtlNodeView {
  readonly path: string;
  readonly ttlMs: number;
  readonly stat: { readonly mzxid: Zxid };
}

export class TtlTracker {
  private readonly seen = new Map<string, { mzxid: Zxid; sinceMs: number }>();

  /** Forgets every node: a new leader counts each node's TTL from its own first look. */
  reset(): void {
    this.seen.clear();
  }

  /** Notes every TTL node now in the tree (a changed mzxid restarts its count); forgets the others. */
  observe(nodes: Iterable<TtlNodeView>, nowMs: number): void {
    const present = new Set<string>();
    for (const n of nodes) {
      present.add(n.path);
      const s = this.seen.get(n.path);
      if (!s || s.mzxid !== n.stat.mzxid) this.seen.set(n.path, { mzxid: n.stat.mzxid, sinceMs: nowMs });
    }
    for (const path of this.seen.keys()) if (!present.has(path)) this.seen.delete(path);
  }

  /** True when this clock has seen `node` unmodified for longer than its TTL. */
  due(node: TtlNodeView, nowMs: number): boolean {
    const s = this.seen.get(node.path);
    return s !== undefined && s.mzxid === node.stat.mzxid && nowMs - s.sinceMs > node.ttlMs;
  }
}
