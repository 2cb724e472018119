/**
 * Goal: Storage on a disk that fills up (a real small tmpfs; skipped with the reason where
 * mounting one is not permitted). The append that meets ENOSPC rejects with DiskFullError
 * and is rolled back: lastAppendedZxid returns to the last durable record, later appends are
 * refused at once, probeSpace() says false while the disk is full and true once space is
 * freed, appends then continue from the durable record, and a restart recovers exactly the
 * durable records (no gap, no trace of the refused batch). A segment the refused batch
 * started is removed; a snapshot that meets the full disk leaves no temp file behind.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeZxid } from '../../../server/base/zxid.js';
import { DiskFullError, Storage, type LogRecord } from '../../../server/storage/storage.js';
import { faultTools, mountTmpfs, unmount } from '../../support/nemesis/fault-tools.js';
import { fillDisk as fill, freeDisk as free } from '../../support/nemesis/storage-scenarios.js';
import { removeTempDirs, tempDir } from '../../support/temp-dir.js';

const tools = await faultTools();
const skip = tools.tmpfs.ok ? '' : ` (skipped: ${tools.tmpfs.reason})`;

const mounts: string[] = [];
const open: Storage[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
  for (const m of mounts.splice(0)) await unmount(m).catch(() => undefined);
});
afterAll(removeTempDirs);

/** A fresh tmpfs of `bytes`, unmounted after the test. */
async function smallDisk(bytes: number): Promise<string> {
  const disk = join(tempDir('warden-diskfull-'), 'disk');
  await mountTmpfs(disk, bytes);
  mounts.push(disk);
  return disk;
}

async function openOn(dir: string): Promise<Awaited<ReturnType<typeof Storage.open>>> {
  const r = await Storage.open({ dataDir: dir, dataLogDir: dir, preAllocBytes: 64 * 1024, forceSync: true });
  open.push(r.storage);
  return r;
}

async function reopen(s: Storage, dir: string): Promise<Awaited<ReturnType<typeof Storage.open>>> {
  open.splice(open.indexOf(s), 1);
  await s.close();
  return openOn(dir);
}

const z = (n: number): bigint => makeZxid(1, n);
const BIG = 100 * 1024;
const rec = (n: number, bytes = 32): LogRecord => ({ zxid: z(n), payload: new Uint8Array(bytes).fill(n & 0xff) });
const counters = (records: LogRecord[]): number[] => records.map((r) => Number(r.zxid & 0xffff_ffffn));

describe('Storage on a full disk', () => {
  it.skipIf(!tools.tmpfs.ok)(`rolls back the batch that met ENOSPC, refuses appends until space is freed, then continues gaplessly${skip}`, async () => {
    const disk = await smallDisk(2 * 1024 * 1024);
    const { storage } = await openOn(disk);
    await storage.append([rec(1), rec(2), rec(3)]);
    fill(disk);
    const refused = await storage.append([rec(4, BIG), rec(5, BIG)]).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(refused).toBeInstanceOf(DiskFullError);
    expect(refused?.message).toMatch(/^disk full: no space left for the txn log in .*log/);
    expect(storage.lastAppendedZxid).toBe(z(3));
    expect(storage.diskFull).toBeInstanceOf(DiskFullError);
    // Refused at once, without touching the disk.
    await expect(storage.append([rec(4)])).rejects.toBeInstanceOf(DiskFullError);
    expect(await storage.probeSpace()).toBe(false);
    free(disk);
    expect(await storage.probeSpace()).toBe(true);
    expect(storage.diskFull).toBeUndefined();
    await storage.append([rec(4), rec(5)]);
    const { recovered } = await reopen(storage, disk);
    expect(counters(recovered.records)).toEqual([1, 2, 3, 4, 5]);
    expect(recovered.records[3]!.payload.length).toBe(32);
  });

  it.skipIf(!tools.tmpfs.ok)(`removes a segment the refused batch started, and removes a half-written snapshot${skip}`, async () => {
    const disk = await smallDisk(2 * 1024 * 1024);
    const { storage } = await openOn(disk);
    await storage.append([rec(1), rec(2)]);
    // A snapshot makes the next batch start a new segment.
    await storage.writeSnapshot(z(2), [new Uint8Array(16)]);
    const before = readdirSync(join(disk, 'log')).filter((n) => n.startsWith('log.'));
    fill(disk);
    await expect(storage.append([rec(3, BIG)])).rejects.toBeInstanceOf(DiskFullError);
    expect(readdirSync(join(disk, 'log')).filter((n) => n.startsWith('log.'))).toEqual(before);
    await expect(storage.writeSnapshot(z(2), [new Uint8Array(BIG)])).rejects.toBeInstanceOf(DiskFullError);
    expect(readdirSync(join(disk, 'snap')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    free(disk);
    expect(await storage.probeSpace()).toBe(true);
    await storage.append([rec(3), rec(4)]);
    const { recovered } = await reopen(storage, disk);
    expect(recovered.snapshot?.zxid).toBe(z(2));
    expect(counters(recovered.records)).toEqual([3, 4]);
  });
});
