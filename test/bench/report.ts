/**
 * The benchmark's output: a plain-text table (one line per system, topology and workload,
 * with Warden/ZooKeeper ratios when both ran) and the JSON document with every number.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import type { BenchOptions } from './options.js';
import { MiB, type Row } from './result.js';

export interface Ratio {
  workload: string;
  topology: string;
  /** Warden / ZooKeeper of the headline number (ops/s, or the ms/MiB value) */
  ratio: number;
  /** for throughput rows: Warden p99 / ZooKeeper p99 */
  p99Ratio?: number;
  /** whether a larger headline number is better */
  higherIsBetter: boolean;
}

export function ratios(rows: readonly Row[]): Ratio[] {
  const out: Ratio[] = [];
  for (const w of rows) {
    if (w.system !== 'warden' || w.status !== 'ok') continue;
    const z = rows.find((r) => r.system === 'zookeeper' && r.status === 'ok' && r.workload === w.workload && r.topology === w.topology);
    if (!z) continue;
    if (w.opsPerSec !== undefined && z.opsPerSec) {
      out.push({ workload: w.workload, topology: w.topology, ratio: w.opsPerSec / z.opsPerSec, ...(z.p99Ms ? { p99Ratio: w.p99Ms! / z.p99Ms } : {}), higherIsBetter: true });
    } else if (w.value !== undefined && z.value) {
      out.push({ workload: w.workload, topology: w.topology, ratio: w.value / z.value, higherIsBetter: false });
    }
  }
  return out;
}

export function machine(): Record<string, unknown> {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / MiB / 1024),
    loadAverage1m: loadavg()[0],
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

const f = (n: number | undefined, digits: number): string => (n === undefined || !Number.isFinite(n) ? '' : n.toFixed(digits));

export function table(rows: readonly Row[], opts: BenchOptions): string {
  const rs = ratios(rows);
  const header = ['workload', 'topology', 'system', 'ops/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'result', 'server RSS MiB', opts.againstZookeeper ? 'Warden/ZK' : ''];
  const lines: string[][] = [header];
  for (const r of rows) {
    let result = '';
    if (r.status !== 'ok') result = `${r.status}: ${r.reason ?? ''}`;
    else if (r.value !== undefined) result = `${f(r.value, r.unit === 'MiB' ? 1 : 0)} ${r.unit}`;
    if (r.status === 'ok' && r.errors) result += `${result ? ' ' : ''}(${r.errors} errors)`;
    const ratio = rs.find((x) => r.system === 'warden' && x.workload === r.workload && x.topology === r.topology);
    const ratioText = ratio ? `${ratio.ratio.toFixed(2)}x${ratio.p99Ratio !== undefined ? ` (p99 ${ratio.p99Ratio.toFixed(2)}x)` : ''}` : '';
    lines.push([r.workload, r.topology, r.system, f(r.opsPerSec, 0), f(r.p50Ms, 2), f(r.p99Ms, 2), f(r.p999Ms, 2), result, f(r.serverRssMiB, 0), ratioText]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines.map((l) => l.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
