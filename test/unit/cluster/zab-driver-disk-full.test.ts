/**
 * Goal: the Zab driver on a disk that fills up (a real small tmpfs; skipped with the reason
 * where mounting one is not permitted), as a lone voter. A proposal whose persist meets the
 * full disk is never acknowledged, so never committed or applied; the driver reports the
 * full disk once and stops taking input; resume() says false while the disk is still full;
 * once space is freed it resumes from the durable state in a new epoch (the refused
 * proposal, now durable, is committed as the new leader's history) and takes proposals
 * again; a second episode goes the same way; the log it leaves recovers gaplessly.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { epochOf, makeZxid, type Zxid } from '../../../server/base/zxid.js';
import { silentLogger } from '../../../server/base/log.js';
import { ZabDriver, zabTiming } from '../../../server/cluster/zab-driver.js';
import { DiskFullError, Storage } from '../../../server/storage/storage.js';
import type { Effect } from '../../../server/zab/types.js';
import { faultTools, mountTmpfs, unmount } from '../../support/nemesis/fault-tools.js';
import { fillDisk, freeDisk } from '../../support/nemesis/storage-scenarios.js';
import { removeTempDirs, tempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';

const tools = await faultTools();
const skip = tools.tmpfs.ok ? '' : ` (skipped: ${tools.tmpfs.reason})`;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(removeTempDirs);

function lonelyDriver(storage: Storage, dataDir: string) {
  const applied: Zxid[] = [];
  const roles: Array<Extract<Effect, { kind: 'role' }>> = [];
  const full: DiskFullError[] = [];
  const fatal: Error[] = [];
  const driver = new ZabDriver({
    id: 1,
    members: [{ id: 1, voter: true }],
    timing: zabTiming(200, 10, 5),
    init: { acceptedEpoch: 0, currentEpoch: 0, snapshotZxid: 0n, entries: [] },
    storage,
    dataDir,
    log: silentLogger,
    snapshot: () => ({ zxid: applied.at(-1) ?? 0n, records: [] }),
    send: () => undefined,
    apply: (e) => applied.push(e.zxid),
    install: () => undefined,
    role: (e) => roles.push(e),
    fatal: (e) => fatal.push(e),
    diskFull: (e) => full.push(e),
  });
  return { driver, applied, roles, full, fatal };
}

const payload = (bytes: number): Uint8Array => new Uint8Array(bytes).fill(1);

describe('ZabDriver on a full disk', () => {
  it.skipIf(!tools.tmpfs.ok)(`never acknowledges what the disk refused, and resumes in a new epoch once space is freed${skip}`, async () => {
    const disk = join(tempDir('warden-driver-full-'), 'disk');
    await mountTmpfs(disk, 2 * 1024 * 1024);
    cleanups.push(() => unmount(disk));
    const { storage } = await Storage.open({ dataDir: disk, dataLogDir: disk, preAllocBytes: 64 * 1024, forceSync: true });
    let open = storage;
    cleanups.push(() => open.close());
    const t = lonelyDriver(storage, disk);
    cleanups.push(async () => t.driver.stop());
    t.driver.start();
    await waitFor(() => t.roles.some((r) => r.mode === 'leader'), { what: 'the lone voter leads' });
    for (let i = 0; i < 3; i++) t.driver.propose({ zxid: t.driver.zab.nextZxid(), data: payload(32) });
    await waitFor(() => t.applied.length === 3, { what: 'three entries applied' });
    const durable = t.applied.at(-1)!;

    fillDisk(disk);
    const refused = t.driver.zab.nextZxid();
    t.driver.propose({ zxid: refused, data: payload(200 * 1024) });
    await waitFor(() => t.full.length > 0, { what: 'the full disk reported' });
    expect(t.full).toHaveLength(1);
    expect(t.full[0]!.message).toMatch(/^disk full: no space left for the txn log/);
    expect(t.driver.diskFull).toBe(t.full[0]);
    expect(() => t.driver.propose({ zxid: refused + 1n, data: payload(1) })).toThrow(DiskFullError);
    expect(storage.lastAppendedZxid).toBe(durable);
    expect(await t.driver.resume()).toBe(false);
    expect(t.applied).toEqual([makeZxid(1, 1), makeZxid(1, 2), makeZxid(1, 3)]); // the refused one: not committed
    expect(t.fatal).toEqual([]);

    freeDisk(disk);
    expect(await t.driver.resume()).toBe(true);
    expect(t.driver.diskFull).toBeUndefined();
    await waitFor(() => t.roles.filter((r) => r.mode === 'leader').length === 2, { what: 'leading again after the resume' });
    expect(t.roles.at(-1)?.epoch).toBe(2);
    const next = t.driver.zab.nextZxid();
    expect(epochOf(next)).toBe(2);
    t.driver.propose({ zxid: next, data: payload(32) });
    await waitFor(() => t.applied.includes(next), { what: 'a proposal after the resume applied' });
    // The refused proposal became durable at the resume and is the new leader's history.
    expect(t.applied).toEqual([makeZxid(1, 1), makeZxid(1, 2), makeZxid(1, 3), refused, next]);
    expect(t.fatal).toEqual([]);

    // A second episode goes the same way (epoch 3).
    fillDisk(disk);
    const refused2 = t.driver.zab.nextZxid();
    t.driver.propose({ zxid: refused2, data: payload(200 * 1024) });
    await waitFor(() => t.full.length === 2, { what: 'the second full disk reported' });
    expect(t.applied.at(-1)).toBe(next);
    freeDisk(disk);
    await waitFor(() => t.driver.resume(), { what: 'resumed after the second episode' });
    await waitFor(() => t.applied.includes(refused2), { what: 'the second refused proposal committed as history' });
    expect(t.roles.at(-1)).toMatchObject({ mode: 'leader', epoch: 3 });
    expect(t.fatal).toEqual([]);

    t.driver.stop();
    await open.close();
    const again = await Storage.open({ dataDir: disk, dataLogDir: disk, preAllocBytes: 64 * 1024, forceSync: true });
    open = again.storage;
    // The log was continued, not rebuilt: every record, in order, no snapshot needed.
    expect(again.recovered.snapshot).toBeNull();
    expect(again.recovered.records.map((r) => r.zxid)).toEqual([makeZxid(1, 1), makeZxid(1, 2), makeZxid(1, 3), refused, next, refused2]);
  });
});
