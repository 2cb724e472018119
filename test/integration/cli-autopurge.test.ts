/**
 * Goal: autopurge (autopurge.purgeInterval, autopurge.snapRetainCount) keeps the newest N
 * *valid* snapshots and the log segments they need, removes the rest, logs what it did,
 * and loses nothing: every znode is still there after a restart on the purged data dir.
 * The purge runs once at start-up (as ZooKeeper's), so the test does not wait an hour.
 */
import { readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAllServers, removeTempDirs, startStandalone, waitFor } from '../support/index.js';
import { inspectSnapshot } from '../../server/storage/inspect.js';
import { rawSession } from '../support/ops-raw-client.js';

afterEach(killAllServers);
afterAll(removeTempDirs);

const list = (dir: string, prefix: string): string[] => readdirSync(dir).filter((n) => n.startsWith(prefix) && !n.endsWith('.tmp')).sort();

async function validSnapshots(snapDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of list(snapDir, 'snapshot.')) if ((await inspectSnapshot(join(snapDir, n))).damage === undefined) out.push(n);
  return out;
}

describe('autopurge', () => {
  it('keeps the newest snapRetainCount valid snapshots and the logs they need', async () => {
    const { server, cfg } = await startStandalone({ snapCount: 2, preAllocSize: 64 });
    const snapDir = join(cfg.dataDir, 'snap');
    const logDir = join(cfg.dataDir, 'log');
    const s = await rawSession(server.address);
    const paths: string[] = [];
    for (let i = 0; i < 24; i++) {
      paths.push(`/n${i}`);
      expect(await s.create(`/n${i}`, { data: `v${i}` })).toBe(0);
    }
    await s.close();
    await waitFor(() => list(snapDir, 'snapshot.').length >= 6, { what: 'several snapshots' });
    await server.stop();

    // The newest snapshot is damaged: it must not count as one of the kept ones.
    const names = list(snapDir, 'snapshot.');
    const newest = join(snapDir, names.at(-1)!);
    const bytes = readFileSync(newest);
    bytes[bytes.length - 12] = bytes[bytes.length - 12]! ^ 0xff;
    writeFileSync(newest, bytes);
    const validBefore = await validSnapshots(snapDir);
    const logsBefore = list(logDir, 'log.').length;
    expect(validBefore.length).toBeGreaterThanOrEqual(5);

    appendFileSync(cfg.file, 'autopurge.purgeInterval=1\nautopurge.snapRetainCount=3\n');
    await server.restart();
    await waitFor(() => /INFO +purged old snapshots and logs removed=\d+ kept=3/.test(server.output()), { what: 'purge log line' });
    await server.stop();

    const validAfter = await validSnapshots(snapDir);
    // The three newest valid ones survive (plus, possibly, the start-up snapshot written meanwhile).
    for (const keep of validBefore.slice(-3)) expect(validAfter).toContain(keep);
    for (const gone of validBefore.slice(0, -3)) expect(validAfter).not.toContain(gone);
    expect(list(logDir, 'log.').length).toBeLessThan(logsBefore);

    await server.restart();
    const check = await rawSession(server.address);
    for (const p of paths) expect(await check.getData(p, false), p).toBe(0);
    await check.close();
  });
});
