/**
 * Goal: the benchmark's latency histogram reports percentiles within its 1 % bucket width
 * of the exact ones, and histograms from several worker processes merge into the same
 * answer as one histogram fed everything.
 */
import { describe, expect, it } from 'vitest';
import { Histogram } from '../../bench/histogram.js';
import { parseOptions, WORKLOADS } from '../../bench/options.js';

function exact(sorted: number[], q: number): number {
  return sorted[Math.ceil(q * sorted.length) - 1]!;
}

describe('bench Histogram', () => {
  it('percentiles are within 1 % above the exact value, never below', () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => 0.05 + ((i * 7919) % 10_000) / 100);
    const h = new Histogram();
    for (const x of xs) h.record(x);
    const sorted = [...xs].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const got = h.percentile(q);
      expect(got).toBeGreaterThanOrEqual(exact(sorted, q) * 0.999);
      expect(got).toBeLessThanOrEqual(exact(sorted, q) * 1.011);
    }
    expect(h.count).toBe(xs.length);
    expect(h.percentile(1)).toBeCloseTo(sorted.at(-1)!, 6);
  });

  it('merging worker histograms (through JSON) equals one histogram of all samples', () => {
    const all = new Histogram();
    const parts = [new Histogram(), new Histogram(), new Histogram()];
    for (let i = 0; i < 3000; i++) {
      const ms = (i % 97) * 0.3 + 0.01;
      all.record(ms);
      parts[i % 3]!.record(ms);
    }
    const merged = new Histogram();
    for (const p of parts) merged.merge(JSON.parse(JSON.stringify(p.toJson())));
    expect(merged.toJson()).toEqual(all.toJson());
    expect(new Histogram().percentile(0.99)).toBe(0);
  });
});

describe('bench options', () => {
  it('defaults run every workload on both topologies; bad options name themselves', () => {
    const o = parseOptions([]);
    expect(o.workloads).toEqual([...WORKLOADS]);
    expect(o.topologies).toEqual(['standalone', 'ensemble']);
    expect(parseOptions(['--against', 'zookeeper', '--duration=2', '--workloads', 'setData-64,failover'])).toMatchObject({
      againstZookeeper: true,
      durationMs: 2000,
      workloads: ['setData-64', 'failover'],
    });
    expect(() => parseOptions(['--workloads', 'setData-2'])).toThrow(/--workloads: unknown "setData-2"/);
    expect(() => parseOptions(['--procs', '0'])).toThrow(/--procs/);
    expect(() => parseOptions(['--against', 'etcd'])).toThrow(/--against/);
  });
});
