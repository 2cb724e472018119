/**
 * Goal: session expiry in buckets (ZooKeeper's ExpiryQueue) with times passed in: a session
 * never expires before its timeout, expires once its bucket is due, a touch only extends
 * it, an expired session is reported once and stays "closing" until removed; and session
 * ids carry the server id, are never 0, and stay unique across restarts.
 */
import { describe, expect, it } from 'vitest';
import { SessionIdGenerator } from '../../../server/session/session-ids.js';
import { SessionTracker } from '../../../server/session/session-tracker.js';

describe('SessionTracker', () => {
  it('expires a session no earlier than its timeout, and at the latest one bucket after', () => {
    const t = new SessionTracker(100);
    t.add(1n, 1000, 50); // deadline 1050 -> bucket 1100
    expect(t.expire(1049)).toEqual([]);
    expect(t.expire(1099)).toEqual([]);
    expect(t.nextExpiryMs()).toBe(1100);
    expect(t.expire(1100)).toEqual([1n]);
  });

  it('reports each expired session once; it is then closing until removed', () => {
    const t = new SessionTracker(100);
    t.add(1n, 500, 0);
    t.add(2n, 500, 0);
    t.add(3n, 5000, 0);
    expect(t.expire(600).sort()).toEqual([1n, 2n]);
    expect(t.expire(700)).toEqual([]);
    expect(t.isClosing(1n)).toBe(true);
    expect(t.touch(1n, 700)).toBe(false);
    expect(t.has(1n)).toBe(true);
    t.remove(1n);
    expect(t.has(1n)).toBe(false);
    expect(t.isClosing(1n)).toBe(false);
    expect(t.size()).toBe(2);
  });

  it('a touch moves the deadline later; a session kept alive never expires', () => {
    const t = new SessionTracker(100);
    t.add(1n, 1000, 0);
    for (let now = 500; now <= 10_000; now += 500) {
      expect(t.touch(1n, now)).toBe(true);
      expect(t.expire(now)).toEqual([]);
    }
    expect(t.expire(11_000)).toEqual([1n]);
  });

  it('a touch never shortens a deadline (regression: an earlier time moved the session to an earlier bucket)', () => {
    const t = new SessionTracker(100);
    t.add(1n, 1000, 5000); // bucket 6000
    expect(t.touch(1n, 100)).toBe(true);
    expect(t.expire(5900)).toEqual([]);
    expect(t.expire(6000)).toEqual([1n]);
  });

  it('unknown sessions cannot be touched; re-adding replaces the old entry', () => {
    const t = new SessionTracker(100);
    expect(t.touch(9n, 0)).toBe(false);
    t.add(1n, 100, 0);
    t.add(1n, 10_000, 0);
    expect(t.expire(5000)).toEqual([]);
    expect(t.size()).toBe(1);
  });

  it('expires buckets in deadline order and forgets empty ones', () => {
    const t = new SessionTracker(10);
    t.add(2n, 200, 0);
    t.add(1n, 100, 0);
    expect(t.expire(1000)).toEqual([1n, 2n]);
    expect(t.nextExpiryMs()).toBeUndefined();
  });

  it('refuses a non-positive resolution', () => {
    expect(() => new SessionTracker(0)).toThrow(RangeError);
  });
});

describe('SessionIdGenerator', () => {
  it('puts the server id in the top byte and the start time below it, as ZooKeeper does', () => {
    const g = new SessionIdGenerator(3, 0x12_3456_789a);
    const id = g.next();
    expect(id >> 56n).toBe(3n);
    expect((id >> 16n) & 0xff_ffff_ffffn).toBe(0x12_3456_789an);
    expect(g.next()).toBe(id + 1n);
  });

  it('ids stay unique across a restart at a later time', () => {
    const first = new SessionIdGenerator(1, 1_700_000_000_000);
    const before = Array.from({ length: 1000 }, () => first.next());
    const second = new SessionIdGenerator(1, 1_700_000_000_001);
    const after = Array.from({ length: 1000 }, () => second.next());
    expect(new Set([...before, ...after]).size).toBe(2000);
    expect(after[0]! > before.at(-1)!).toBe(true);
  });

  it('different servers never collide', () => {
    const a = new SessionIdGenerator(1, 1000).next();
    const b = new SessionIdGenerator(2, 1000).next();
    expect(a).not.toBe(b);
  });

  it('never hands out 0, which means "no session"', () => {
    expect(new SessionIdGenerator(0, 0).next()).not.toBe(0n);
    expect(new SessionIdGenerator(0, 2 ** 40).next()).not.toBe(0n);
  });

  it('refuses a server id outside 0..255', () => {
    expect(() => new SessionIdGenerator(256, 0)).toThrow(RangeError);
    expect(() => new SessionIdGenerator(-1, 0)).toThrow(RangeError);
    expect(() => new SessionIdGenerator(1.5, 0)).toThrow(RangeError);
  });
});
