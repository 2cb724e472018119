/**
 * Session expiry, in buckets: each session's deadline is rounded up to the next multiple
 * of `resolutionMs`, so a sweep touches only whole buckets that are due (ZooKeeper's
 * ExpiryQueue). A touch moves a session to a later bucket. Only the server that decides
 * expiry (the leader, or a standalone server) runs one.
 *
 * Pure: times are passed in (a monotonic clock at the edge).
 */
import type { SessionId } from '../tree/types.js';

interface Tracked {
  timeoutMs: number;
  bucket: number;
}

export class SessionTracker {
  private readonly sessions = new Map<SessionId, Tracked>();
  private readonly buckets = new Map<number, Set<SessionId>>();
  private readonly closing = new Set<SessionId>();

  constructor(private readonly resolutionMs: number) {
    if (!(resolutionMs > 0)) throw new RangeError(`resolutionMs must be positive, got ${resolutionMs}`);
  }

  private bucketFor(deadlineMs: number): number {
    return Math.ceil(deadlineMs / this.resolutionMs) * this.resolutionMs;
  }

  add(id: SessionId, timeoutMs: number, nowMs: number): void {
    this.remove(id);
    const bucket = this.bucketFor(nowMs + timeoutMs);
    this.sessions.set(id, { timeoutMs, bucket });
    this.place(id, bucket);
  }

  /** A sign of life. False if the session is unknown or already being closed. */
  touch(id: SessionId, nowMs: number): boolean {
    const s = this.sessions.get(id);
    if (!s || this.closing.has(id)) return false;
    const bucket = this.bucketFor(nowMs + s.timeoutMs);
    // A touch only ever extends a deadline (as ZooKeeper's ExpiryQueue.update).
    if (bucket > s.bucket) {
      this.unplace(id, s.bucket);
      s.bucket = bucket;
      this.place(id, bucket);
    }
    return true;
  }

  remove(id: SessionId): void {
    const s = this.sessions.get(id);
    if (s) this.unplace(id, s.bucket);
    this.sessions.delete(id);
    this.closing.delete(id);
  }

  /** Sessions whose deadline has passed; each is returned once and then counts as closing. */
  expire(nowMs: number): SessionId[] {
    const due: number[] = [];
    for (const bucket of this.buckets.keys()) if (bucket <= nowMs) due.push(bucket);
    due.sort((a, b) => a - b);
    const out: SessionId[] = [];
    for (const bucket of due) {
      for (const id of this.buckets.get(bucket) ?? []) {
        this.closing.add(id);
        out.push(id);
      }
      this.buckets.delete(bucket);
    }
    return out;
  }

  isClosing(id: SessionId): boolean {
    return this.closing.has(id);
  }

  has(id: SessionId): boolean {
    return this.sessions.has(id);
  }

  size(): number {
    return this.sessions.size;
  }

  /** Each tracked session's current deadline (admin `dump`), on the caller's clock. */
  deadlines(): Array<[SessionId, number]> {
    return [...this.sessions].map(([id, s]) => [id, s.bucket]);
  }

  nextExpiryMs(): number | undefined {
    let min: number | undefined;
    for (const b of this.buckets.keys()) if (min === undefined || b < min) min = b;
    return min;
  }

  private place(id: SessionId, bucket: number): void {
    let set = this.buckets.get(bucket);
    if (!set) this.buckets.set(bucket, (set = new Set()));
    set.add(id);
  }

  private unplace(id: SessionId, bucket: number): void {
    const set = this.buckets.get(bucket);
    if (!set) return;
    set.delete(id);
    if (set.size === 0) this.buckets.delete(bucket);
  }
}
