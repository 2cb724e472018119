// Goal: the cheap latency buckets give quantiles within a bucket (5 %) of the exact ones,
// keep totals since start, and forget observations two windows old.
import { describe, expect, it } from 'vitest';
import { LatencyBuckets } from '../../../server/admin/latency-summary.js';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('LatencyBuckets', () => {
  it('quantiles are within 5 % above the exact value and never above the maximum', () => {
    let now = 0;
    const b = new LatencyBuckets(() => now);
    const values: number[] = [];
    let x = 12345;
    for (let i = 0; i < 10_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const v = 0.05 + (x / 2 ** 31) * (i % 10 === 0 ? 500 : 5);
      values.push(v);
      b.observe(v);
    }
    values.sort((a, c) => a - c);
    for (const q of [0.5, 0.9, 0.99, 1]) {
      const exact = exactQuantile(values, q);
      const got = b.quantile(q);
      expect(got).toBeGreaterThanOrEqual(exact);
      expect(got).toBeLessThanOrEqual(exact * 1.05 + 1e-9);
      expect(got).toBeLessThanOrEqual(values.at(-1)!);
    }
    expect(b.count).toBe(10_000);
    expect(b.sum).toBeCloseTo(values.reduce((s, v) => s + v, 0), 6);
  });

  it('is 0 when empty, ignores negative and non-finite values, and counts zero latencies', () => {
    const b = new LatencyBuckets(() => 0);
    expect(b.quantile(0.5)).toBe(0);
    b.observe(-1);
    b.observe(Number.NaN);
    b.observe(Number.POSITIVE_INFINITY);
    expect(b.count).toBe(0);
    b.observe(0);
    expect(b.count).toBe(1);
    expect(b.quantile(0.99)).toBe(0);
  });

  it('quantiles cover the current and previous window only; totals are kept', () => {
    let now = 0;
    const b = new LatencyBuckets(() => now, 1000);
    for (let i = 0; i < 100; i++) b.observe(100);
    now = 1500;
    expect(b.quantile(0.5)).toBeGreaterThanOrEqual(100); // previous window still counts
    for (let i = 0; i < 100; i++) b.observe(1);
    now = 2600;
    expect(b.quantile(0.99)).toBeLessThanOrEqual(1.05); // the 100 ms window is gone
    now = 10_000;
    expect(b.quantile(0.5)).toBe(0);
    expect(b.count).toBe(200);
  });
});
