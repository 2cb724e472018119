/**
 * Goal: members whose wall clocks disagree keep every guarantee. Warden times sessions,
 * elections and heartbeats on each process's monotonic clock; the wall clock only stamps
 * txns (ctime/mtime, from the leader) and decides when a TTL node is old enough to go.
 *  - One member's clock skewed alone (libfaketime, per member; 1 min..2 h, sometimes at
 *    half or twice the rate) while leaders are killed and members paused: histories,
 *    sessions and the fencing checks still hold.
 *  - Regression: a TTL node written under one leader must not be reaped early by a next
 *    leader whose wall clock is hours ahead (it compared its own clock with an mtime
 *    another member's clock wrote, and reaped at once).
 *  - Regression: a client call's timeout holds when the client's wall clock steps back (the
 *    SDK's retry deadline was on the wall clock: a 2 s read still waited after 60 s).
 * Skipped, saying why, where libfaketime is not installed.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../sdk/index.js';
import { deferred, killAllServers, removeTempDirs, startStandalone, tempDir, waitFor } from '../support/index.js';
import { startCluster, type Cluster } from '../support/nemesis/cluster.js';
import { runOnce } from '../support/nemesis/fault-run.js';
import { clockSet, faketimeEnv, faultTools } from '../support/nemesis/fault-tools.js';

const tools = await faultTools();
const skip = tools.faketime.ok ? '' : ` (skipped: ${tools.faketime.reason})`;

const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close({ timeoutMs: 500 }).catch(() => undefined);
  await killAllServers();
});
afterAll(removeTempDirs);

async function leaderOf(cluster: Cluster, among: number[]): Promise<number> {
  return waitFor(async () => {
    const l = await cluster.leader();
    return l !== undefined && among.includes(l) ? l : undefined;
  }, { what: `a leader among ${among.join(',')}`, timeoutMs: 60_000 });
}

describe('per-member clock skew', () => {
  it.skipIf(!tools.faketime.ok)(`a TTL node outlives a leader change to members whose wall clocks are 2 h ahead${skip}`, async () => {
    const dir = tempDir('warden-skew-ttl-');
    const clockFile = (id: number): string => join(dir, `faketime-${id}.rc`);
    const cluster = await startCluster(3, dir, (id) => faketimeEnv(tools, clockFile(id)), 'skew-ttl', { 'znode.container.checkIntervalMs': 100 });
    try {
      const first = await leaderOf(cluster, cluster.ids);
      const others = cluster.ids.filter((id) => id !== first);
      const c = await connect({ servers: cluster.directAddress, sessionTimeoutMs: 10_000, requestTimeoutMs: 10_000 });
      clients.push(c);
      const states: string[] = [];
      c.on('state', (ev) => states.push(ev.state));
      await c.create('/ttl-long', 'x', { mode: 'persistentWithTtl', ttlMs: 600_000 });
      // The next leader, whichever it is, reads a clock 2 h ahead of the one that wrote the mtime.
      for (const id of others) clockSet(clockFile(id), 2 * 3600);
      await cluster.proc(first).kill('SIGKILL');
      await leaderOf(cluster, others);
      // Teeth: a short-lived TTL node written under the new leader is reaped.
      await c.create('/ttl-short', 'x', { mode: 'persistentWithTtl', ttlMs: 1000 });
      await waitFor(async () => (await c.exists('/ttl-short')) === null, { what: '/ttl-short reaped', timeoutMs: 30_000 });
      // /ttl-long was modified minutes (by real time) ago, not hours: it stays.
      expect(await c.exists('/ttl-long')).not.toBeNull();
      await cluster.proc(first).restart();
      await c.sync('/');
      expect(await c.exists('/ttl-long')).not.toBeNull();
      // sessions are timed on the monotonic clock: the leader's clock 2 h ahead expires none
      expect(states).not.toContain('expired');
    } finally {
      await cluster.close();
    }
  }, 180_000);

  it.skipIf(!tools.faketime.ok)(`histories check out while one member's clock is skewed and leaders are killed, faults overlapping${skip}`, async () => {
    const report = await runOnce({ seed: 21, topology: 3, durationMs: 8000, faults: ['skew', 'kill-leader', 'pause', 'isolate'], first: 'skew', overlap: 1 });
    expect(report.problems, `seed 21; histories in ${report.dir}`).toEqual([]);
    expect(report.linearizability).not.toBe('illegal');
    expect(report.faultsApplied.skew ?? 0).toBeGreaterThan(0);
    expect(report.faultsApplied.overlapping ?? 0).toBeGreaterThan(0);
  }, 180_000);

  it.skipIf(!tools.faketime.ok)(`a call's timeout holds when the client's wall clock steps back an hour mid-call${skip}`, async () => {
    const { server, dir } = await startStandalone();
    const controlFile = join(dir, 'client-faketime.rc');
    const child = spawn(process.execPath, [new URL('../support/nemesis/skew-client.mjs', import.meta.url).pathname, server.address, controlFile], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, ...faketimeEnv(tools, controlFile) },
    });
    const result = deferred<{ outcome: string; elapsedMs: number }>();
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'ready') {
        // the server answers nothing from now on: the read can only end by its timeout
        server.pause();
        child.stdin!.write('go\n');
      } else if (line.startsWith('{')) result.resolve(JSON.parse(line) as { outcome: string; elapsedMs: number });
    });
    child.once('exit', (code) => result.reject(new Error(`client exited (${code}) before it reported`)));
    const limit = setTimeout(() => result.reject(new Error('the 2 s read had not ended after 30 s')), 30_000);
    try {
      const r = await result.promise;
      expect(r.outcome).toBe('OperationTimeoutError');
      // 2 s on the monotonic clock; generous for a loaded machine, far below the hour the clock went back
      expect(r.elapsedMs).toBeLessThan(12_000);
    } finally {
      clearTimeout(limit);
      child.kill('SIGKILL');
      server.resume();
    }
  }, 60_000);
});
