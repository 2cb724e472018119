/**
 * The figures table of a fault batch: totals over the runs and the storage-fault matrix.
 */
import type { RunReport, StorageMatrix } from './fault-run.js';
import type { Verdict } from './storage-scenarios.js';

export interface LockFigures {
  /** critical-section overlaps the fencing resource accepted (must be 0) */
  acceptedOverlaps: number;
  /** overlaps an unfenced twin accepted from the same attempts (shows the test has teeth) */
  unfencedOverlaps: number;
  /** stale writes the fenced resource refused */
  refused: number;
  acquisitions: number;
}

export interface BatchFigures {
  command: string;
  runs: RunReport[];
  storage: Verdict[];
  lock?: LockFigures;
  lockMissing?: string;
}

export function mergeMatrix(runs: readonly RunReport[], verdicts: readonly Verdict[]): StorageMatrix {
  const m: StorageMatrix = {};
  const add = (fault: string, outcome: string, n: number): void => {
    (m[fault] ??= {})[outcome] = (m[fault]![outcome] ?? 0) + n;
  };
  for (const r of runs) for (const [fault, outcomes] of Object.entries(r.storage)) for (const [o, n] of Object.entries(outcomes)) add(fault, o, n);
  for (const v of verdicts) add(v.fault, v.skipped ? `skipped: ${v.skipped}` : v.ok ? v.outcome : `FAILED: ${v.outcome}`, 1);
  return m;
}

export function renderFigures(f: BatchFigures): string {
  const sum = (pick: (r: RunReport) => number): number => f.runs.reduce((a, r) => a + pick(r), 0);
  const count = (res: string): number => f.runs.filter((r) => r.linearizability === res).length;
  const faults: Record<string, number> = {};
  for (const r of f.runs) for (const [k, n] of Object.entries(r.faultsApplied)) faults[k] = (faults[k] ?? 0) + n;
  const rows: Array<[string, string]> = [
    ['runs', String(f.runs.length)],
    ['seeds', f.runs.length > 0 ? `${f.runs[0]!.seed}..${f.runs.at(-1)!.seed}` : '-'],
    ['topologies (runs)', Object.entries(f.runs.reduce<Record<string, number>>((a, r) => ((a[String(r.topology)] = (a[String(r.topology)] ?? 0) + 1), a), {})).map(([t, n]) => `${t === 'standalone' ? t : `${t} voters`} ${n}`).join(', ')],
    ['operations', String(sum((r) => r.operations))],
    ['acknowledged writes', String(sum((r) => r.acknowledgedWrites))],
    ['histories checked: linearizable / illegal / unknown', `${count('linearizable')} / ${count('illegal')} / ${count('unknown')}`],
    ['acknowledged writes lost', String(sum((r) => r.acknowledgedLost))],
    ['zxid-order violations', String(sum((r) => r.zxidViolations))],
    ['watch violations', String(sum((r) => r.watchViolations))],
    ['session violations', String(sum((r) => r.sessionViolations))],
    [
      'lock overlaps accepted by the fencing resource (without fencing)',
      f.lock ? `${f.lock.acceptedOverlaps} (${f.lock.unfencedOverlaps}); ${f.lock.acquisitions} acquisitions, ${f.lock.refused} stale writes refused` : `not run: ${f.lockMissing ?? 'no lock workload'}`,
    ],
    ['faults applied', Object.entries(faults).map(([k, n]) => `${k} ${n}`).join(', ') || '-'],
  ];
  const skipped = [...new Set(f.runs.flatMap((r) => r.skipped))];
  if (skipped.length > 0) rows.push(['faults skipped (machine cannot)', skipped.join('; ')]);
  const w = Math.max(...rows.map(([k]) => k.length));
  const lines = [`$ ${f.command}`, '', ...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`), '', 'storage-fault matrix (fault x outcome: count)'];
  const matrix = mergeMatrix(f.runs, f.storage);
  const fw = Math.max(5, ...Object.keys(matrix).map((k) => k.length));
  for (const [fault, outcomes] of Object.entries(matrix).sort()) {
    lines.push(`  ${fault.padEnd(fw)}  ${Object.entries(outcomes).map(([o, n]) => `${o}: ${n}`).join('; ')}`);
  }
  const bad = f.runs.filter((r) => r.problems.length > 0);
  if (bad.length > 0) {
    lines.push('', 'FAILED RUNS (replay with --seed <seed> --runs 1; histories and data dirs kept):');
    for (const r of bad) lines.push(`  seed ${r.seed}: ${r.dir}`, ...r.problems.slice(0, 6).map((p) => `    - ${p}`));
  }
  return lines.join('\n');
}
