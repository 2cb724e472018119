/** One line of the benchmark's table and JSON. */
import type { SystemKind, Topology } from './cluster.js';

export type Status = 'ok' | 'skipped' | 'failed';

export interface Row {
  system: SystemKind;
  topology: Topology;
  workload: string;
  status: Status;
  /** why skipped or failed */
  reason?: string;
  /** throughput workloads */
  opsPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
  ops?: number;
  errors?: number;
  firstError?: string;
  /** single-value workloads (failover, expiry, start-up, memory): the median of the trials */
  value?: number;
  unit?: 'ms' | 'MiB';
  samples?: number[];
  /** largest resident memory of any server during the workload */
  serverRssMiB?: number;
  /** what the number means, when not obvious */
  note?: string;
}

export const MiB = 1024 * 1024;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
