/**
 * A latency histogram with log-spaced buckets (1 % wide, from 1 µs to ~1 h), so that a load
 * generator records millions of samples in constant memory and histograms from several
 * worker processes merge by adding counts. Percentiles are read at the bucket's upper bound,
 * so a reported p99 is never below the true one by more than 1 %.
 */

const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const MIN_US = 1;
/** Buckets up to ~1 hour in µs: ln(3.6e9)/ln(1.01) ≈ 2200. */
const BUCKETS = 2200;

export interface HistogramJson {
  /** sparse: [bucket index, count] pairs */
  buckets: Array<[number, number]>;
  count: number;
  maxMs: number;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  maxMs = 0;

  record(ms: number): void {
    const us = Math.max(MIN_US, ms * 1000);
    const i = Math.min(BUCKETS - 1, Math.floor(Math.log(us / MIN_US) / LOG_GROWTH));
    this.counts[i]! += 1;
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** The latency (ms) at or below which `q` (0..1) of the samples lie; 0 when empty. */
  percentile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.maxMs, (MIN_US * GROWTH ** (i + 1)) / 1000);
    }
    return this.maxMs;
  }

  merge(other: Histogram | HistogramJson): void {
    const o = other instanceof Histogram ? other.toJson() : other;
    for (const [i, n] of o.buckets) this.counts[i]! += n;
    this.count += o.count;
    this.maxMs = Math.max(this.maxMs, o.maxMs);
  }

  toJson(): HistogramJson {
    const buckets: Array<[number, number]> = [];
    this.counts.forEach((n, i) => {
      if (n > 0) buckets.push([i, n]);
    });
    return { buckets, count: this.count, maxMs: this.maxMs };
  }

  static fromJson(j: HistogramJson): Histogram {
    const h = new Histogram();
    h.merge(j);
    return h;
  }
}
