/**
 * The in-memory tail of a server's txn log, as Zab sees it: the entries after `base`, in
 * strictly increasing zxid order. The leader diffs learners from it; entries older than
 * `base` are only in the snapshot, so a learner behind `base` needs a SNAP.
 *
 * Invariant: entries strictly increase; `base` is below the first entry. Entries above the
 * commit point are never trimmed (they may still have to be sent or committed). `bytes` is
 * the sum of the entries' data lengths.
 *
 * How far back it reaches is ZooKeeper's rule for a DIFF (LearnerHandler.syncFollower): the
 * newest `keep` committed entries whatever their size (commitLogCount), and beyond them as
 * many older ones as fit in `keepBytes` (the last snapshot's size times snapshotSizeFactor:
 * past that, a SNAP is the cheaper way to bring a learner up to date).
 */
import { assert } from '../base/assert.js';
import type { Zxid } from '../base/zxid.js';
import type { Entry } from './types.js';

export class ZabLog {
  private entries: Entry[];
  private base_: Zxid;
  private bytes_ = 0;

  constructor(base: Zxid, entries: readonly Entry[]) {
    this.base_ = base;
    this.entries = [];
    for (const e of entries) this.append(e);
  }

  /** Everything up to base is only in a snapshot. */
  get base(): Zxid {
    return this.base_;
  }

  get lastZxid(): Zxid {
    return this.entries.at(-1)?.zxid ?? this.base_;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Sum of the entries' data lengths. */
  get bytes(): number {
    return this.bytes_;
  }

  append(e: Entry): void {
    assert(e.zxid > this.lastZxid, `log append 0x${e.zxid.toString(16)} must follow 0x${this.lastZxid.toString(16)}`);
    this.entries.push(e);
    this.bytes_ += e.data.length;
  }

  private sumBytes(from: number, to: number): number {
    let n = 0;
    for (let i = from; i < to; i++) n += this.entries[i]!.data.length;
    return n;
  }

  /**
   * Whether the entries with from < zxid <= to are few or small enough to send as a DIFF:
   * at most `keep` of them, or at most `keepBytes` bytes (the rule trim() keeps the log by).
   */
  fitsDiff(from: Zxid, to: Zxid, keep: number, keepBytes: number): boolean {
    const a = this.indexAfter(from);
    const b = this.indexAfter(to);
    return b - a <= keep || this.sumBytes(a, b) <= keepBytes;
  }

  /** Index of the first entry with zxid > z. */
  private indexAfter(z: Zxid): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.zxid <= z) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(z: Zxid): boolean {
    if (z === this.base_) return true;
    const i = this.indexAfter(z) - 1;
    return i >= 0 && this.entries[i]!.zxid === z;
  }

  get(z: Zxid): Entry | undefined {
    const i = this.indexAfter(z) - 1;
    const e = i >= 0 ? this.entries[i] : undefined;
    return e && e.zxid === z ? e : undefined;
  }

  /** Entries with from < zxid <= to. */
  between(from: Zxid, to: Zxid): Entry[] {
    return this.entries.slice(this.indexAfter(from), this.indexAfter(to));
  }

  /** The largest zxid in the log (or base) that is strictly below z, if the log reaches that far back. */
  largestBelow(z: Zxid): Zxid | undefined {
    const i = this.indexAfter(z - 1n) - 1;
    if (i >= 0) return this.entries[i]!.zxid;
    return this.base_ < z ? this.base_ : undefined;
  }

  /** Drops entries above z (TRUNC). */
  truncateAfter(z: Zxid): void {
    assert(z >= this.base_, `truncate to 0x${z.toString(16)} below the log base 0x${this.base_.toString(16)}`);
    const at = this.indexAfter(z);
    this.bytes_ -= this.sumBytes(at, this.entries.length);
    this.entries.length = at;
  }

  /** Restarts the log at a snapshot: nothing before or at it is kept. */
  resetTo(base: Zxid): void {
    this.entries = [];
    this.base_ = base;
    this.bytes_ = 0;
  }

  /**
   * Forgets the oldest committed entries (at or below `committed`) while more than `keep`
   * committed entries remain and they hold more than `keepBytes` bytes.
   */
  trim(committed: Zxid, keep: number, keepBytes = 0): void {
    const upto = this.indexAfter(committed);
    if (upto <= keep) return;
    let committedBytes = this.bytes_ - this.sumBytes(upto, this.entries.length);
    let drop = 0;
    while (upto - drop > keep && committedBytes > keepBytes) committedBytes -= this.entries[drop++]!.data.length;
    if (drop === 0) return;
    this.bytes_ -= this.sumBytes(0, drop);
    this.base_ = this.entries[drop - 1]!.zxid;
    this.entries = this.entries.slice(drop);
  }
}
