/**
 * A running count, sum, minimum and maximum: ZooKeeper's AvgMinMaxCounter, which its
 * `mntr` output dumps as avg_<name>, min_<name>, max_<name>, cnt_<name> and sum_<name>.
 * Prometheus gets request latencies as quantiles (latency-summary.ts); this keeps the
 * ZooKeeper-shaped totals for the admin commands. Pure.
 */
export class AvgMinMax {
  count = 0;
  sum = 0;
  min = 0;
  max = 0;

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.min = this.count === 0 ? value : Math.min(this.min, value);
    this.max = this.count === 0 ? value : Math.max(this.max, value);
    this.count++;
    this.sum += value;
  }

  get avg(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.min = 0;
    this.max = 0;
  }

  /** ZooKeeper's key names for this counter. Values rounded to 4 decimals for reading. */
  dump(name: string, put: (key: string, value: number) => void): void {
    const r = (v: number): number => Math.round(v * 10_000) / 10_000;
    put(`avg_${name}`, r(this.avg));
    put(`min_${name}`, r(this.min));
    put(`max_${name}`, r(this.max));
    put(`cnt_${name}`, this.count);
    put(`sum_${name}`, r(this.sum));
  }
}
