/**
 * A request-latency distribution cheap enough for every answered request: one Math.log and
 * one array increment per observation. prom-client's Summary kept a t-digest per age bucket
 * (five of them) and cost 12-16 % of server CPU under load; this keeps counts in fixed
 * log-spaced buckets (each about 5 % wide) and works the quantiles out only when scraped.
 *
 * Exported as a Prometheus summary with ZooKeeper's quantiles (0.5, 0.9, 0.99), `_sum` and
 * `_count`, so dashboards built on ZooKeeper's readlatency/updatelatency keep working. A
 * quantile is the upper edge of the bucket it falls in (at most about 5 % high), clamped to
 * the largest value seen. Quantiles cover the current and the previous window (10 minutes
 * each by default), like a Summary's rotating age buckets; `_sum` and `_count` are totals
 * since start, as Prometheus expects.
 *
 * Never throws; never allocates on observe.
 */
import { Gauge, type Registry } from 'prom-client';

const BASE_MS = 0.001;
const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);
/** 0.001 ms * 1.05^520 is about 1e8 ms: every latency a server can report fits. */
const BUCKETS = 520;

/** Counts of one window. */
class Window {
  readonly counts = new Float64Array(BUCKETS);
  total = 0;
  max = 0;

  clear(): void {
    this.counts.fill(0);
    this.total = 0;
    this.max = 0;
  }
}

function bucketOf(ms: number): number {
  if (!(ms > BASE_MS)) return 0;
  const i = Math.ceil(Math.log(ms / BASE_MS) / LOG_GROWTH);
  return i >= BUCKETS ? BUCKETS - 1 : i;
}

/** Upper edge of bucket i. */
function edgeOf(i: number): number {
  return BASE_MS * GROWTH ** i;
}

export class LatencyBuckets {
  private current = new Window();
  private previous = new Window();
  private windowStartMs: number;
  count = 0;
  sum = 0;

  constructor(
    private readonly nowMs: () => number,
    private readonly windowMs = 600_000,
  ) {
    this.windowStartMs = nowMs();
  }

  observe(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const w = this.current;
    w.counts[bucketOf(ms)]!++;
    w.total++;
    if (ms > w.max) w.max = ms;
    this.count++;
    this.sum += ms;
  }

  /** The q-quantile (0..1) of the last one to two windows; 0 when nothing was observed. */
  quantile(q: number): number {
    this.rotate();
    const total = this.current.total + this.previous.total;
    if (total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * total));
    const max = Math.max(this.current.max, this.previous.max);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.current.counts[i]! + this.previous.counts[i]!;
      if (seen >= rank) return Math.min(edgeOf(i), max);
    }
    return max;
  }

  private rotate(): void {
    const now = this.nowMs();
    const elapsed = now - this.windowStartMs;
    if (elapsed < this.windowMs) return;
    if (elapsed >= 2 * this.windowMs) this.current.clear();
    const old = this.previous;
    old.clear();
    this.previous = this.current;
    this.current = old;
    this.windowStartMs = now;
  }
}

/**
 * Registers `name{quantile="q"}`, `name_sum` and `name_count`, read from `source` at scrape
 * time: the sample names of a Prometheus summary, as ZooKeeper exports them (the TYPE line
 * says gauge, as prom-client has no summary fed from outside).
 */
export function exportLatency(registry: Registry, name: string, help: string, source: LatencyBuckets, quantiles: readonly number[]): void {
  new Gauge({
    name,
    help: `${help} (quantiles over the last 10 to 20 minutes)`,
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      for (const q of quantiles) this.set({ quantile: q }, source.quantile(q));
    },
  });
  new Gauge({
    name: `${name}_sum`,
    help: `${help}: sum since start`,
    registers: [registry],
    collect() {
      this.set(source.sum);
    },
  });
  new Gauge({
    name: `${name}_count`,
    help: `${help}: count since start`,
    registers: [registry],
    collect() {
      this.set(source.count);
    },
  });
}
