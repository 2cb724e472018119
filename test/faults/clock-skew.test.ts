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
 * Skipped, saying why, where libfaketime is not installed.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../sdk/index.js';
import { killAllServers, removeTempDirs, tempDir, waitFor } from '../support/index.js';
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
    } finally {
      await cluster.close();
    }
  }, 180_000);

  it.skipIf(!tools.faketime.ok)(`histories check out while one member's clock is skewed and leaders are killed${skip}`, async () => {
    const report = await runOnce({ seed: 21, topology: 3, durationMs: 8000, faults: ['skew', 'kill-leader', 'pause', 'isolate'], first: 'skew' });
    expect(report.problems, `seed 21; histories in ${report.dir}`).toEqual([]);
    expect(report.linearizability).not.toBe('illegal');
    expect(report.faultsApplied.skew ?? 0).toBeGreaterThan(0);
  }, 180_000);
});
