/**
 * Goal: Storage recovery and durability in a real temp dir. Recovery returns the newest
 * valid snapshot plus the log after it; a torn tail is cut off and appends continue after
 * it; damage inside the committed log (a flipped bit, a zeroed header) and a log that does
 * not continue from its snapshot are refused naming file and offset; an invalid newest
 * snapshot falls back to an older one. Also group commit (fsyncCount), segment roll after a
 * snapshot, truncateAfter, purge, the data-dir LOCK, and refused appends leaving no trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeZxid } from '../../../server/base/zxid.js';
import { encodeRecord, RECORD_HEADER_BYTES, scanSegment, segmentName } from '../../../server/storage/log-format.js';
import { snapshotName } from '../../../server/storage/snapshot-format.js';
import { DataDirLockedError, Storage, StorageCorruptError, type LogRecord, type StorageOptions } from '../../../server/storage/storage.js';

const dirs: string[] = [];
const open: Storage[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'warden-storage-'));
  dirs.push(d);
  return d;
}

function options(dir: string, extra: Partial<StorageOptions> = {}): StorageOptions {
  return { dataDir: dir, dataLogDir: dir, preAllocBytes: 4096, forceSync: true, ...extra };
}

async function openStorage(dir: string, extra: Partial<StorageOptions> = {}) {
  const r = await Storage.open(options(dir, extra));
  open.push(r.storage);
  return r;
}

async function closeStorage(s: Storage): Promise<void> {
  open.splice(open.indexOf(s), 1);
  await s.close();
}

const z = (n: number): bigint => makeZxid(1, n);
const rec = (n: number, text = `txn ${n}`): LogRecord => ({ zxid: z(n), payload: new TextEncoder().encode(text) });
const range = (from: number, to: number): LogRecord[] => Array.from({ length: to - from + 1 }, (_, i) => rec(from + i));
const counters = (records: LogRecord[]): number[] => records.map((r) => Number(r.zxid & 0xffff_ffffn));
const logDir = (dir: string): string => join(dir, 'log');
const segments = (dir: string): string[] => readdirSync(logDir(dir)).filter((n) => n.startsWith('log.')).sort();

describe('append and recover', () => {
  it('recovers exactly what was appended, after a close', async () => {
    const dir = tempDir();
    const { storage, recovered } = await openStorage(dir);
    expect(recovered).toEqual({ snapshot: null, records: [] });
    await storage.append(range(1, 3));
    await storage.append([rec(4)]);
    await closeStorage(storage);
    const again = await openStorage(dir);
    expect(counters(again.recovered.records)).toEqual([1, 2, 3, 4]);
    expect(Buffer.from(again.recovered.records[3]!.payload).toString()).toBe('txn 4');
    expect(again.storage.lastAppendedZxid).toBe(z(4));
  });

  it('group commit: many overlapping appends share far fewer fsyncs, and all resolve durable', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    await Promise.all(Array.from({ length: 200 }, (_, i) => storage.append([rec(i + 1)])));
    expect(storage.appendedRecords).toBe(200);
    expect(storage.fsyncCount).toBeGreaterThan(0);
    expect(storage.fsyncCount).toBeLessThan(20);
    await closeStorage(storage);
    expect(counters((await openStorage(dir)).recovered.records)).toHaveLength(200);
  });

  it('forceSync=no writes without fsync', async () => {
    const { storage } = await openStorage(tempDir(), { forceSync: false });
    await storage.append(range(1, 5));
    expect(storage.fsyncCount).toBe(0);
  });

  it('an append that does not follow is refused and leaves no trace (regression: it used to advance lastZxid)', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    await storage.append(range(1, 2));
    await expect(storage.append([rec(3), rec(5)])).rejects.toThrow(/does not follow/);
    await expect(storage.append([rec(2)])).rejects.toThrow(/does not follow/);
    expect(storage.lastAppendedZxid).toBe(z(2));
    await storage.append([rec(3)]);
    await closeStorage(storage);
    expect(counters((await openStorage(dir)).recovered.records)).toEqual([1, 2, 3]);
  });

  it('a new epoch continues at counter 1', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    await storage.append([rec(1), { zxid: makeZxid(2, 1), payload: new Uint8Array([1]) }]);
    await expect(storage.append([{ zxid: makeZxid(3, 2), payload: new Uint8Array([1]) }])).rejects.toThrow(/does not follow/);
  });
});

describe('torn tail and corruption', () => {
  async function logWith(n: number): Promise<{ dir: string; file: string; offsets: number[]; validBytes: number }> {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    await storage.append(range(1, n));
    await closeStorage(storage);
    const file = join(logDir(dir), segments(dir)[0]!);
    const scan = scanSegment(readFileSync(file));
    return { dir, file, offsets: scan.records.map((r) => r.offset), validBytes: scan.validBytes };
  }

  it('a torn last record is cut off, and appends continue after it', async () => {
    const { dir, file, validBytes } = await logWith(5);
    const buf = readFileSync(file);
    const torn = encodeRecord(z(6), new TextEncoder().encode('x'.repeat(100))).subarray(0, 40);
    torn.copy(buf, validBytes);
    writeFileSync(file, buf);
    const { storage, recovered } = await openStorage(dir);
    expect(counters(recovered.records)).toEqual([1, 2, 3, 4, 5]);
    await storage.append(range(6, 7));
    await closeStorage(storage);
    expect(counters((await openStorage(dir)).recovered.records)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('a damaged last record with nothing valid after it counts as torn (it was never acknowledged)', async () => {
    const { dir, file, offsets } = await logWith(3);
    const buf = readFileSync(file);
    buf[offsets[2]! + RECORD_HEADER_BYTES]! ^= 0x01;
    writeFileSync(file, buf);
    expect(counters((await openStorage(dir)).recovered.records)).toEqual([1, 2]);
  });

  it('a flipped bit inside the committed log is refused, naming the file and offset', async () => {
    const { dir, file, offsets } = await logWith(5);
    const buf = readFileSync(file);
    buf[offsets[1]! + RECORD_HEADER_BYTES + 2]! ^= 0x20;
    writeFileSync(file, buf);
    const err = await Storage.open(options(dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageCorruptError);
    expect(err).toMatchObject({ file, offset: offsets[1] });
    expect((err as Error).message).toContain(`${file}: CRC mismatch at byte ${offsets[1]}`);
    // refused start-ups leave the lock free
    expect(readdirSync(dir)).not.toContain('LOCK');
  });

  it('a zeroed record header inside the log is refused, not read as the end (regression: records after it were dropped)', async () => {
    const { dir, file, offsets } = await logWith(5);
    const buf = readFileSync(file);
    buf.fill(0, offsets[2]!, offsets[2]! + RECORD_HEADER_BYTES);
    writeFileSync(file, buf);
    await expect(Storage.open(options(dir))).rejects.toMatchObject({ name: 'StorageCorruptError', file, offset: offsets[2] });
  });

  it('damage in an older segment is refused even at its end', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    await storage.append(range(1, 3));
    await storage.writeSnapshot(z(3), [new Uint8Array([1])]);
    await storage.append(range(4, 5));
    await closeStorage(storage);
    expect(segments(dir)).toHaveLength(2);
    const first = join(logDir(dir), segments(dir)[0]!);
    const scan = scanSegment(readFileSync(first));
    const buf = readFileSync(first);
    buf[scan.records[2]!.offset + RECORD_HEADER_BYTES]! ^= 1;
    writeFileSync(first, buf);
    rmSync(join(dir, 'snap', snapshotName(z(3))));
    await expect(Storage.open(options(dir))).rejects.toMatchObject({ name: 'StorageCorruptError', file: first, offset: scan.records[2]!.offset });
  });

  it('a segment the snapshot wholly covers is not read: damage in it does not stop start-up (purge would remove it)', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    await storage.append(range(1, 3));
    await storage.writeSnapshot(z(3), [new Uint8Array([1])]);
    await storage.append(range(4, 5));
    await closeStorage(storage);
    const first = join(logDir(dir), segments(dir)[0]!);
    const buf = readFileSync(first);
    buf[scanSegment(buf).records[1]!.offset + RECORD_HEADER_BYTES]! ^= 1;
    writeFileSync(first, buf);
    const { recovered } = await openStorage(dir);
    expect(recovered.snapshot?.zxid).toBe(z(3));
    expect(counters(recovered.records)).toEqual([4, 5]);
  });

  it('damage after the snapshot in the segment it starts in is refused, naming file and offset', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    await storage.append(range(1, 3));
    await storage.writeSnapshot(z(2), [new Uint8Array([1])]);
    await closeStorage(storage);
    const only = join(logDir(dir), segments(dir)[0]!);
    const buf = readFileSync(only);
    const offset = scanSegment(buf).records[2]!.offset;
    buf[offset + RECORD_HEADER_BYTES]! ^= 1;
    // A valid record after it, so it is not a torn tail.
    encodeRecord(z(4), new TextEncoder().encode('txn 4')).copy(buf, scanSegment(readFileSync(only)).validBytes);
    writeFileSync(only, buf);
    await expect(Storage.open(options(dir))).rejects.toMatchObject({ name: 'StorageCorruptError', file: only, offset });
  });

  it('a segment whose creation was interrupted (no whole header, nothing else) is removed (regression: start-up was refused forever)', async () => {
    const { dir } = await logWith(3);
    writeFileSync(join(logDir(dir), segmentName(z(4))), Buffer.alloc(7, 0));
    const { storage, recovered } = await openStorage(dir);
    expect(counters(recovered.records)).toEqual([1, 2, 3]);
    await storage.append([rec(4)]);
    await closeStorage(storage);
    expect(counters((await openStorage(dir)).recovered.records)).toEqual([1, 2, 3, 4]);
  });

  it('a log that does not continue from the snapshot (missing history) is refused', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    await storage.writeSnapshot(z(9), [new Uint8Array([1])]);
    await storage.append(range(10, 12));
    await closeStorage(storage);
    rmSync(join(dir, 'snap', snapshotName(z(9))));
    const err = await Storage.open(options(dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageCorruptError);
    expect((err as Error).message).toMatch(/log does not continue from an empty tree .*snapshot history it needs is missing/);
    expect((err as StorageCorruptError).file).toBe(join(logDir(dir), segmentName(z(10))));
  });
});

describe('snapshots', () => {
  it('recovery takes the newest snapshot and only the log after it', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    await storage.append(range(1, 4));
    await storage.writeSnapshot(z(4), [new TextEncoder().encode('tree at 4')]);
    await storage.append(range(5, 6));
    await closeStorage(storage);
    const { recovered } = await openStorage(dir);
    expect(recovered.snapshot?.zxid).toBe(z(4));
    expect(Buffer.from([...recovered.snapshot!.records][0]!).toString()).toBe('tree at 4');
    expect(counters(recovered.records)).toEqual([5, 6]);
  });

  it('an invalid newest snapshot falls back to an older one and replays more log', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    await storage.append(range(1, 2));
    await storage.writeSnapshot(z(2), [new Uint8Array([2])]);
    await storage.append(range(3, 5));
    await storage.writeSnapshot(z(5), [new Uint8Array([5])]);
    await storage.append(range(6, 6));
    await closeStorage(storage);
    const newest = join(dir, 'snap', snapshotName(z(5)));
    writeFileSync(newest, readFileSync(newest).subarray(0, 30)); // cut short: no footer
    const { recovered } = await openStorage(dir);
    expect(recovered.snapshot?.zxid).toBe(z(2));
    expect(counters(recovered.records)).toEqual([3, 4, 5, 6]);
  });

  it('a snapshot whose content names another zxid than its file name is not trusted', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    await storage.append(range(1, 3));
    await storage.writeSnapshot(z(3), [new Uint8Array([3])]);
    await closeStorage(storage);
    const snap = join(dir, 'snap');
    writeFileSync(join(snap, snapshotName(z(2))), readFileSync(join(snap, snapshotName(z(3)))));
    rmSync(join(snap, snapshotName(z(3))));
    const { recovered } = await openStorage(dir);
    expect(recovered.snapshot).toBeNull();
    expect(counters(recovered.records)).toEqual([1, 2, 3]);
  });

  it('the log rolls to a new segment after a snapshot, named by its first zxid', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    await storage.append(range(1, 3));
    expect(segments(dir)).toEqual([segmentName(z(1))]);
    await storage.writeSnapshot(z(3), [new Uint8Array([3])]);
    await storage.append(range(4, 5));
    expect(segments(dir)).toEqual([segmentName(z(1)), segmentName(z(4))]);
    expect(readdirSync(join(dir, 'snap'))).toEqual([snapshotName(z(3))]);
  });

  it('a snapshot ahead of the log (sent whole by a leader) is where appends continue', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    await storage.append(range(1, 2));
    await storage.writeSnapshot(z(10), [new Uint8Array([10])]);
    await storage.append([rec(11)]);
    await closeStorage(storage);
    const { recovered } = await openStorage(dir);
    expect(recovered.snapshot?.zxid).toBe(z(10));
    expect(counters(recovered.records)).toEqual([11]);
  });
});

describe('truncateAfter', () => {
  it('drops records above the zxid, across segments, and appends replace them', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    await storage.append(range(1, 4));
    await storage.writeSnapshot(z(2), [new Uint8Array([2])]);
    await storage.append(range(5, 8));
    await storage.truncateAfter(z(3));
    expect(segments(dir)).toEqual([segmentName(z(1))]);
    expect(storage.lastAppendedZxid).toBe(z(3));
    await storage.append([rec(4, 'new 4'), rec(5, 'new 5')]);
    await closeStorage(storage);
    const { recovered } = await openStorage(dir);
    expect(recovered.snapshot?.zxid).toBe(z(2));
    expect(counters(recovered.records)).toEqual([3, 4, 5]);
    expect(recovered.records.map((r) => Buffer.from(r.payload).toString())).toEqual(['txn 3', 'new 4', 'new 5']);
  });
});

describe('purge', () => {
  it('keeps the newest N valid snapshots and the log segments they need; recovery is unchanged', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    for (let i = 0; i < 5; i++) {
      await storage.append(range(i * 3 + 1, i * 3 + 3));
      await storage.writeSnapshot(z(i * 3 + 3), [new Uint8Array([i])]);
    }
    await storage.append(range(16, 17));
    // snapshots at 3, 6, 9, 12, 15; segments starting at 1, 4, 7, 10, 13, 16
    const before = await (async () => {
      await closeStorage(storage);
      return (await openStorage(dir)).recovered;
    })();
    const s2 = open.at(-1)!;
    const { removedFiles } = await s2.purge(2);
    expect(removedFiles.sort()).toEqual([snapshotName(z(3)), snapshotName(z(6)), snapshotName(z(9)), segmentName(z(1)), segmentName(z(4)), segmentName(z(7)), segmentName(z(10))].sort());
    expect(readdirSync(join(dir, 'snap')).sort()).toEqual([snapshotName(z(12)), snapshotName(z(15))]);
    await closeStorage(s2);
    const after = (await openStorage(dir)).recovered;
    expect(after.snapshot?.zxid).toBe(before.snapshot?.zxid);
    expect(counters(after.records)).toEqual(counters(before.records));
    // the older kept snapshot still has the log it needs: drop the newest and recover from 12
    await closeStorage(open.at(-1)!);
    rmSync(join(dir, 'snap', snapshotName(z(15))));
    const fallback = (await openStorage(dir)).recovered;
    expect(fallback.snapshot?.zxid).toBe(z(12));
    expect(counters(fallback.records)).toEqual([13, 14, 15, 16, 17]);
  });

  it('an invalid snapshot is never counted as kept', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    for (let i = 1; i <= 3; i++) {
      await storage.append([rec(i)]);
      await storage.writeSnapshot(z(i), [new Uint8Array([i])]);
    }
    writeFileSync(join(dir, 'snap', snapshotName(z(3))), 'garbage');
    await storage.purge(2);
    expect(readdirSync(join(dir, 'snap')).sort()).toEqual([snapshotName(z(1)), snapshotName(z(2)), snapshotName(z(3))]);
    await expect(storage.purge(0)).rejects.toThrow(RangeError);
  });
});

describe('the data-dir LOCK', () => {
  it('a second open of the same data dir is refused while the first holds it, also in one process', async () => {
    const dir = tempDir();
    const { storage } = await openStorage(dir);
    expect(readFileSync(join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid));
    await expect(Storage.open(options(dir))).rejects.toBeInstanceOf(DataDirLockedError);
    await closeStorage(storage);
    expect(readdirSync(dir)).not.toContain('LOCK');
    await openStorage(dir);
  });

  it('a lock left by a process that is gone is taken over', async () => {
    const dir = tempDir();
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, 'LOCK'), `${gone}\n`);
    const { storage } = await openStorage(dir);
    expect(readFileSync(join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid));
    await storage.append([rec(1)]);
  });

  it('a lock held by another live process is refused, naming it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'LOCK'), `${process.ppid}\n`);
    await expect(Storage.open(options(dir))).rejects.toThrow(`in use by process ${process.ppid}`);
    expect(readFileSync(join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.ppid));
  });
});
