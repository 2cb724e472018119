/**
 * Goal: the leader reaps a TTL node only once its own monotonic clock has seen the node
 * unmodified for the TTL, whatever the wall-clock mtime says; a modification or a new
 * leader restarts the count (late, never early).
 */
import { describe, expect, it } from 'vitest';
import { TtlTracker } from '../../../server/session/ttl-tracker.js';

const node = (path: string, mzxid: bigint, ttlMs: number) => ({ path, ttlMs, stat: { mzxid } });

describe('TtlTracker', () => {
  it('is due only after the TTL has passed since its first look', () => {
    const t = new TtlTracker();
    const n = node('/a', 5n, 1000);
    expect(t.due(n, 0)).toBe(false); // never looked at
    t.observe([n], 10_000);
    expect(t.due(n, 10_500)).toBe(false);
    expect(t.due(n, 11_000)).toBe(false);
    t.observe([n], 11_001);
    expect(t.due(n, 11_001)).toBe(true);
  });

  it('a modification (new mzxid) restarts the count', () => {
    const t = new TtlTracker();
    t.observe([node('/a', 5n, 1000)], 0);
    const changed = node('/a', 9n, 1000);
    expect(t.due(changed, 5000)).toBe(false);
    t.observe([changed], 5000);
    expect(t.due(changed, 5500)).toBe(false);
    expect(t.due(changed, 6001)).toBe(true);
  });

  it('a new leader (reset) and a node that went and came back start from their next look', () => {
    const t = new TtlTracker();
    const n = node('/a', 5n, 1000);
    t.observe([n], 0);
    t.reset();
    t.observe([n], 5000);
    expect(t.due(n, 5999)).toBe(false);
    t.observe([], 6000);
    t.observe([n], 7000);
    expect(t.due(n, 7500)).toBe(false);
    expect(t.due(n, 8001)).toBe(true);
  });
});
