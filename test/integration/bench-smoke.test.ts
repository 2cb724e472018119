/**
 * Goal: `warden-bench` works end to end on a tiny run: it starts its own standalone server,
 * runs setData and getData (1 s each, 1 in flight) through worker processes, writes JSON
 * of the documented shape with non-zero ops, and leaves no server or worker process behind.
 * Speed is never asserted here; speed lives in the benchmark's own output.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../support/index.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'warden-bench.js');

interface BenchRow {
  system: string;
  topology: string;
  workload: string;
  status: string;
  opsPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
  serverRssMiB?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(removeTempDirs);

describe('warden-bench smoke run', () => {
  it('measures setData-1 and getData-1 on a standalone server and stops everything it started', async () => {
    const json = join(tempDir('warden-bench-smoke-'), 'out.json');
    const { stdout } = await run(
      process.execPath,
      [BIN, '--workloads', 'setData-1,getData-1', '--topologies', 'standalone', '--warmup', '0.2', '--duration', '1', '--procs', '1', '--json', json],
      { timeout: 120_000 },
    );
    expect(stdout).toMatch(/setData-1\s+standalone\s+warden/);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as { machine: { cpus: number }; rows: BenchRow[]; pids: { servers: number[]; workers: number[] } };
    expect(doc.machine.cpus).toBeGreaterThan(0);
    expect(doc.rows.map((r) => r.workload)).toEqual(['setData-1', 'getData-1']);
    for (const r of doc.rows) {
      expect(r).toMatchObject({ system: 'warden', topology: 'standalone', status: 'ok' });
      expect(r.opsPerSec).toBeGreaterThan(0);
      expect(r.p50Ms).toBeGreaterThan(0);
      expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms!);
      expect(r.p999Ms).toBeGreaterThanOrEqual(r.p99Ms!);
      expect(r.serverRssMiB).toBeGreaterThan(0);
    }
    expect(doc.pids.servers.length).toBe(1);
    expect(doc.pids.workers.length).toBe(2);
    for (const pid of [...doc.pids.servers, ...doc.pids.workers]) expect(alive(pid), `pid ${pid} still runs`).toBe(false);
  });
});
