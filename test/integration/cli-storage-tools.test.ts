/**
 * Goal: `warden log dump|verify` and `warden snapshot dump|verify` print what a real
 * server wrote and find damage with its byte offset: a flipped byte inside the log is
 * corruption (valid records follow), a cut-off last record is a torn tail, a flipped byte in
 * a snapshot makes it invalid. Files come from a real server, never written by the test.
 */
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAllServers, removeTempDirs, startStandalone, waitFor } from '../support/index.js';
import { runCli } from '../support/ops-cli.js';
import { rawSession } from '../support/ops-raw-client.js';

afterEach(killAllServers);
afterAll(removeTempDirs);

function newest(dir: string, prefix: string): string {
  const names = readdirSync(dir).filter((n) => n.startsWith(prefix) && !n.endsWith('.tmp')).sort();
  if (names.length === 0) throw new Error(`no ${prefix}* in ${dir}`);
  return join(dir, names.at(-1)!);
}

describe('warden log / snapshot tools', () => {
  it('dump and verify a real log and snapshot, and locate damage', async () => {
    const { server, cfg } = await startStandalone({ preAllocSize: 64 });
    const s = await rawSession(server.address);
    for (const p of ['/alpha', '/beta', '/gamma']) expect(await s.create(p, { data: 'hello' })).toBe(0);
    await s.close();
    // A restart replays the log and writes a start-up snapshot that holds the nodes.
    await server.restart('SIGTERM');
    await waitFor(() => newest(join(cfg.dataDir, 'snap'), 'snapshot.') !== join(cfg.dataDir, 'snap', 'snapshot.0000000000000000'), { what: 'start-up snapshot' });
    await server.stop();

    const logFile = newest(join(cfg.dataDir, 'log'), 'log.');
    const dump = await runCli(['log', 'dump', logFile]);
    expect(dump.code, dump.stderr).toBe(0);
    expect(dump.stdout).toMatch(/createSession timeout=\d+ms/);
    expect(dump.stdout).toMatch(/create \/alpha persistent 5B/);
    expect(dump.stdout).toMatch(/closeSession/);
    const offsets = [...dump.stdout.matchAll(/^ +(\d+) 0x[0-9a-f]+ /gm)].map((m) => Number(m[1]));
    expect(offsets.length).toBeGreaterThanOrEqual(5);

    const ok = await runCli(['log', 'verify', logFile]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/OK, \d+ records/);

    const json = await runCli(['log', 'dump', '--json', logFile]);
    const first = JSON.parse(json.stdout.split('\n')[0]!) as { zxid: string; offset: number };
    expect(first.offset).toBe(offsets[0]);

    const snapFile = newest(join(cfg.dataDir, 'snap'), 'snapshot.');
    const snap = await runCli(['snapshot', 'dump', snapFile]);
    expect(snap.code, snap.stderr).toBe(0);
    expect(snap.stdout).toMatch(/^ +\d+ \/beta persistent 5B version=0/m);
    expect((await runCli(['snapshot', 'verify', snapFile])).stdout).toMatch(/OK, \d+ sessions, \d+ znodes/);

    // Flip a byte inside the second record's payload: corruption, valid records follow.
    const original = readFileSync(logFile);
    const damaged = Buffer.from(original);
    const target = offsets[1]! + 20;
    damaged[target] = damaged[target]! ^ 0xff;
    writeFileSync(logFile, damaged);
    const bad = await runCli(['log', 'verify', logFile]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`CRC mismatch at byte ${offsets[1]}`);
    expect(bad.stderr).toContain('corruption inside the log');

    // Cut the last record in half: a torn tail.
    writeFileSync(logFile, original);
    const last = offsets.at(-1)!;
    truncateSync(logFile, last + 10);
    const torn = await runCli(['log', 'verify', logFile]);
    expect(torn.code).toBe(1);
    expect(torn.stderr).toContain(`at byte ${last}`);
    expect(torn.stderr).toContain('torn write');

    const snapBytes = readFileSync(snapFile);
    snapBytes[snapBytes.length - 12] = snapBytes[snapBytes.length - 12]! ^ 0xff;
    writeFileSync(snapFile, snapBytes);
    const badSnap = await runCli(['snapshot', 'verify', snapFile]);
    expect(badSnap.code).toBe(1);
    expect(badSnap.stderr).toMatch(/CRC mismatch at byte \d+: this snapshot is invalid/);

    const missing = await runCli(['log', 'dump', join(cfg.dataDir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ENOENT');
  });
});
