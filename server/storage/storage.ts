/**
 * Storage: the txn log and the snapshots of one server, and recovery from them. The only
 * file-system code of the server besides config.
 *
 *   <dataLogDir>/log/log.<zxid>            txn log segments (format: log-format.ts)
 *   <dataDir>/snap/snapshot.<zxid>         snapshots (format: snapshot-format.ts)
 *   <dataDir>/LOCK                         the pid of the process using the data dir
 *
 * Appends are group-committed: everything appended while a write+fsync is in flight goes
 * into the next single write and single fsync, and each append's promise resolves once its
 * records are durable (forceSync=no skips the fsync: fast, and unsafe on power loss).
 *
 * Recovery takes the newest snapshot that reads back whole, then every log record after
 * it, checking that each record follows the one before (same epoch: counter + 1; a new
 * epoch: counter 1). A damaged record at the very end of the newest segment, with nothing
 * valid after it, is a torn write from a crash: it is cut off and logged. Damage anywhere
 * else, or a log that does not continue from the snapshot, is an error naming the file and
 * byte offset: never silent loss.
 *
 * After a write or fsync error the storage refuses all further appends (fail-stop): the
 * caller must not acknowledge anything more.
 *
 * A full disk (ENOSPC, EDQUOT) is not such an error: nothing on disk is wrong. The batch
 * that met it is rolled back (the bytes past the last durable record are cut off and
 * regrown as a hole, a segment holding no record yet is removed), its appends and every
 * one queued behind it reject with DiskFullError, `lastAppendedZxid` returns to the last
 * durable record, and appends are refused until `probeSpace()` really allocates log space
 * again. A snapshot that meets a full disk is removed and rejects with DiskFullError.
 */
import { closeSync, constants, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { open, readdir, readFile, rename, rm, mkdir, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { assert } from '../base/assert.js';
import { counterOf, epochOf } from '../base/zxid.js';
import type { Logger } from '../base/log.js';
import {
  encodedRecordsBytes,
  encodeRecordAt,
  encodeSegmentHeader,
  findValidRecordAfter,
  LOG_HEADER_BYTES,
  parseSegmentName,
  scanSegment,
  segmentName,
} from './log-format.js';
import { decodeSnapshot, parseSnapshotName, snapshotName, snapshotPieces, type SnapshotRecordList } from './snapshot-format.js';
import { readSegment } from './segment-read.js';

export interface StorageOptions {
  dataDir: string;
  dataLogDir: string;
  /** bytes the log file grows by at a time */
  preAllocBytes: number;
  forceSync: boolean;
  /** a segment is closed and a new one started once it holds this many bytes */
  segmentBytesMax?: number;
  /** told how long each fsync of the log took and how many records it covered (metrics, slow-disk warnings) */
  onFsync?: (durationMs: number, records: number) => void;
}

export interface LogRecord {
  zxid: bigint;
  payload: Uint8Array;
}

export interface Recovered {
  snapshot: { zxid: bigint; records: SnapshotRecordList } | null;
  /** log records after the snapshot, in zxid order */
  records: LogRecord[];
}

export class StorageCorruptError extends Error {
  override name = 'StorageCorruptError';
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${file}: ${reason} at byte ${offset}; refusing to start rather than lose committed data`);
  }
}

export class StorageFailedError extends Error {
  override name = 'StorageFailedError';
}

/** The disk has no space for the txn log or a snapshot: writes wait until probeSpace() finds room. */
export class DiskFullError extends Error {
  override name = 'DiskFullError';
}

/** True for a file-system error that means "no space" (full disk or quota), not damage. */
export function isNoSpace(e: unknown): boolean {
  if (e instanceof DiskFullError) return true;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Bytes really allocated (zeros, after the valid data) to check that a full disk has room again. */
const SPACE_PROBE_BYTES = 256 * 1024;

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

interface Segment {
  name: string;
  firstZxid: bigint;
}

interface PendingAppend {
  /** checked: each follows the one before, payload sizes fit */
  entries: readonly LogRecord[];
  bytes: number;
  records: number;
  lastZxid: bigint;
  resolve: () => void;
  reject: (e: Error) => void;
}

type StorageOpts = StorageOptions & Required<Omit<StorageOptions, 'onFsync'>>;

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** zxid b may directly follow a: next counter in the same epoch, or counter 1 of a later epoch. */
export function follows(a: bigint, b: bigint): boolean {
  if (epochOf(b) === epochOf(a)) return b === a + 1n;
  return epochOf(b) > epochOf(a) && counterOf(b) === 1;
}

export class Storage {
  private fd: FileHandle | undefined;
  private segment: Segment | undefined;
  private writeOffset = 0;
  private allocated = 0;
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | undefined;
  private failed: Error | undefined;
  /** set while the disk is full: appends are refused until probeSpace() finds room */
  private full: DiskFullError | undefined;
  /** zxid of the last record known durable (where a batch that met a full disk rolls back to) */
  private durableZxid: bigint;
  private rollPending = false;
  private lastZxid: bigint;
  private closed = false;
  /** fsyncs issued so far (tests and metrics: group commit means far fewer than appends) */
  fsyncCount = 0;
  appendedRecords = 0;

  private constructor(
    private readonly opts: StorageOpts,
    private readonly log: Logger,
    private readonly logDir: string,
    private readonly snapDir: string,
    private readonly lockFile: string,
    lastZxid: bigint,
  ) {
    this.lastZxid = lastZxid;
    this.durableZxid = lastZxid;
  }

  static async open(options: StorageOptions, log: Logger = SILENT): Promise<{ storage: Storage; recovered: Recovered }> {
    const opts: StorageOpts = { segmentBytesMax: DEFAULT_SEGMENT_BYTES, ...options };
    const logDir = join(opts.dataLogDir, 'log');
    const snapDir = join(opts.dataDir, 'snap');
    await mkdir(logDir, { recursive: true });
    await mkdir(snapDir, { recursive: true });
    const lockFile = join(opts.dataDir, 'LOCK');
    takeLock(lockFile);
    try {
      const snapshot = await loadNewestSnapshot(snapDir, log);
      const { records, last } = await recoverLog(logDir, snapshot?.zxid ?? 0n, log);
      const lastZxid = records.at(-1)?.zxid ?? snapshot?.zxid ?? 0n;
      const storage = new Storage(opts, log, logDir, snapDir, lockFile, lastZxid);
      if (last) await storage.reopenSegment(last.segment, last.validBytes);
      return { storage, recovered: { snapshot, records } };
    } catch (e) {
      releaseLock(lockFile);
      throw e;
    }
  }

  get lastAppendedZxid(): bigint {
    return this.lastZxid;
  }

  /** Resolves once every record is durable. Calls may overlap; they resolve in order. */
  append(records: LogRecord[]): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(new StorageFailedError('storage is closed'));
    if (this.full) return Promise.reject(this.full);
    if (records.length === 0) return Promise.resolve();
    // Check the whole call before changing anything: a refused call must leave no trace, and
    // a record that does not follow the one before would make the log unrecoverable later.
    let prev = this.lastZxid;
    let bytes: number;
    for (const r of records) {
      if (!follows(prev, r.zxid)) return Promise.reject(new RangeError(`zxid 0x${r.zxid.toString(16)} does not follow 0x${prev.toString(16)}`));
      prev = r.zxid;
    }
    try {
      bytes = encodedRecordsBytes(records);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    this.lastZxid = prev;
    this.appendedRecords += records.length;
    return new Promise<void>((resolve, reject) => {
      // Encoded when the batch is written: one buffer and one write for the whole batch.
      this.queue.push({ entries: records, bytes, records: records.length, lastZxid: records.at(-1)!.zxid, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let the appends issued in the same synchronous run (one persist of the Zab driver, which
    // already gathers everything proposed while a batch is written) join the first batch. A
    // microtask is enough for that; a whole event-loop turn here delayed every write's fsync
    // behind all the I/O that turn brought in.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const from = { segment: this.segment?.name, offset: this.writeOffset };
      try {
        await this.writeBatch(batch);
        this.durableZxid = batch.at(-1)!.lastZxid;
        for (const p of batch) p.resolve();
      } catch (e) {
        if (isNoSpace(e) && (await this.rollBack(e as Error, from))) {
          for (const p of [...batch, ...this.queue]) p.reject(this.full!);
          this.queue = [];
          continue;
        }
        this.failed = new StorageFailedError(`log write failed: ${(e as Error).message}`);
        this.log.error('txn log write failed; refusing further writes', { error: (e as Error).message, segment: this.segment?.name });
        for (const p of [...batch, ...this.queue]) p.reject(this.failed);
        this.queue = [];
      }
    }
    this.flushing = undefined;
  }

  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    let size = 0;
    for (const p of batch) size += p.bytes;
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    for (const p of batch) for (const r of p.entries) at = encodeRecordAt(buf, at, r.zxid, r.payload);
    assert(at === size, `batch encoded to ${at} of ${size} bytes`);
    const firstZxid = batch[0]!.entries[0]!.zxid;
    if (!this.fd || this.rollPending || this.writeOffset >= this.opts.segmentBytesMax) {
      await this.startSegment(firstZxid);
    }
    const fd = this.fd!;
    const end = this.writeOffset + buf.length;
    if (end > this.allocated) {
      const grow = Math.max(this.opts.preAllocBytes, buf.length);
      this.allocated = end + grow;
      await fd.truncate(this.allocated);
    }
    // Into the page cache synchronously (a few KB: microseconds), so a group-commit cycle
    // costs one trip to the thread pool (the fdatasync), not two.
    let written = 0;
    while (written < buf.length) written += writeSync(fd.fd, buf, written, buf.length - written, this.writeOffset + written);
    this.writeOffset = end;
    if (this.opts.forceSync) {
      const began = performance.now();
      await fd.datasync();
      this.fsyncCount++;
      this.opts.onFsync?.(performance.now() - began, batch.reduce((n, p) => n + p.records, 0));
    }
  }

  private async startSegment(firstZxid: bigint): Promise<void> {
    if (this.fd) await this.fd.close();
    this.fd = undefined;
    this.segment = undefined;
    const name = segmentName(firstZxid);
    const path = join(this.logDir, name);
    const fd = await open(path, 'wx+');
    try {
      await fd.write(encodeSegmentHeader(firstZxid), 0, LOG_HEADER_BYTES, 0);
      this.allocated = Math.max(this.opts.preAllocBytes, LOG_HEADER_BYTES);
      await fd.truncate(this.allocated);
      await fd.sync();
      await fsyncDir(this.logDir);
    } catch (e) {
      // A segment that is not whole must not stay behind (recovery would have to guess).
      await fd.close().catch(() => undefined);
      await rm(path, { force: true });
      throw e;
    }
    this.fd = fd;
    this.segment = { name, firstZxid };
    this.writeOffset = LOG_HEADER_BYTES;
    this.rollPending = false;
  }

  /**
   * After ENOSPC/EDQUOT: undo the batch that met it, which began at `from`. The bytes past
   * the last durable record are cut off and regrown as a hole (zeros, taking no space); a
   * segment the batch started, which holds no record, is removed so the next append starts
   * it again under the right name. False if the rollback itself failed (then: fail-stop).
   */
  private async rollBack(cause: Error, from: { segment: string | undefined; offset: number }): Promise<boolean> {
    try {
      if (this.fd && this.segment && this.segment.name !== from.segment) {
        // The batch started this segment: nothing durable is in it.
        const path = join(this.logDir, this.segment.name);
        await this.fd.close();
        this.fd = undefined;
        this.segment = undefined;
        await rm(path, { force: true });
        await fsyncDir(this.logDir);
      } else if (this.fd) {
        this.writeOffset = from.offset;
        await this.fd.truncate(this.writeOffset);
        await this.fd.truncate(this.allocated);
        await this.fd.datasync();
      }
    } catch (e) {
      this.log.error('cannot roll back a log write that met a full disk', { error: (e as Error).message, segment: this.segment?.name });
      return false;
    }
    this.lastZxid = this.durableZxid;
    this.markFull(cause);
    return true;
  }

  /**
   * Refuses appends until probeSpace() finds room: after the log met a full disk, or when
   * the caller met one elsewhere in the data dir (an epoch file).
   */
  markFull(cause: Error): void {
    if (this.full) return;
    const reason = cause instanceof DiskFullError ? cause.message : `disk full: no space left for the txn log in ${this.logDir} (${cause.message}); writes are refused until space is freed`;
    this.full = cause instanceof DiskFullError ? cause : new DiskFullError(reason);
    this.log.error('disk full; refusing writes until space is freed', { dir: this.logDir, error: cause.message, durableZxid: `0x${this.durableZxid.toString(16)}` });
  }

  /** Set while appends are refused for lack of space. */
  get diskFull(): DiskFullError | undefined {
    return this.full;
  }

  /**
   * Whether a full disk has room again: really allocates a little log space (zeros after
   * the valid data, where zeros are anyway, or a probe file) and syncs it. Clears the full
   * state on success. Never touches a valid record. Errors other than "no space" throw.
   */
  async probeSpace(): Promise<boolean> {
    if (!this.full) return true;
    await this.drain();
    const zeros = Buffer.alloc(SPACE_PROBE_BYTES);
    const probe = join(this.logDir, '.space-probe');
    try {
      if (this.fd) {
        // A short write is no error: only a write that takes every byte shows there is room.
        for (let at = 0; at < zeros.length; ) at += (await this.fd.write(zeros, at, zeros.length - at, this.writeOffset + at)).bytesWritten;
        await this.fd.datasync();
        if (this.writeOffset + zeros.length > this.allocated) this.allocated = this.writeOffset + zeros.length;
      } else {
        await writeFile(probe, zeros);
      }
    } catch (e) {
      if (this.fd) {
        await this.fd.truncate(this.writeOffset).catch(() => undefined);
        await this.fd.truncate(this.allocated).catch(() => undefined);
      }
      if (isNoSpace(e)) return false;
      throw e;
    } finally {
      await rm(probe, { force: true }).catch(() => undefined);
    }
    this.full = undefined;
    this.log.info('disk has space again', { dir: this.logDir });
    return true;
  }

  private async reopenSegment(segment: Segment, validBytes: number): Promise<void> {
    const path = join(this.logDir, segment.name);
    this.fd = await open(path, 'r+');
    const { size } = await this.fd.stat();
    // Zero whatever follows the valid data (a torn tail), so no later scan mistakes it for records.
    if (size > validBytes) {
      await this.fd.write(Buffer.alloc(Math.min(size - validBytes, 1024 * 1024)), 0, Math.min(size - validBytes, 1024 * 1024), validBytes);
      if (size - validBytes > 1024 * 1024) {
        await this.fd.truncate(validBytes);
        await this.fd.truncate(size);
      }
      await this.fd.sync();
    }
    this.segment = segment;
    this.writeOffset = validBytes;
    this.allocated = Math.max(size, validBytes);
  }

  /** Writes a snapshot via temp file + fsync + rename + directory fsync, a piece at a time. */
  async writeSnapshot(zxid: bigint, records: SnapshotRecordList): Promise<void> {
    const final = join(this.snapDir, snapshotName(zxid));
    const temp = `${final}.tmp`;
    try {
      const fh = await open(temp, 'w');
      try {
        for (const piece of snapshotPieces(zxid, records)) {
          let written = 0;
          while (written < piece.length) written += (await fh.write(piece, written, piece.length - written)).bytesWritten;
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (e) {
      // A half-written snapshot must not keep the space a full disk needs.
      await rm(temp, { force: true }).catch(() => undefined);
      throw isNoSpace(e) ? new DiskFullError(`disk full: cannot write snapshot ${final} (${(e as Error).message})`) : e;
    }
    await rename(temp, final);
    await fsyncDir(this.snapDir);
    // A snapshot ahead of the log (a follower sent a whole snapshot) is where the log continues.
    if (zxid > this.lastZxid) this.lastZxid = zxid;
    if (zxid > this.durableZxid) this.durableZxid = zxid;
    // Start a new log segment, so old segments hold only txns a snapshot covers and can be purged.
    this.rollPending = true;
  }

  /** Drops every log record above `zxid` (a Zab TRUNC). */
  async truncateAfter(zxid: bigint): Promise<void> {
    await this.drain();
    const segments = await listSegments(this.logDir);
    for (let i = segments.length - 1; i >= 0; i--) {
      const seg = segments[i]!;
      const path = join(this.logDir, seg.name);
      if (seg.firstZxid > zxid) {
        if (this.segment?.name === seg.name) {
          await this.fd?.close();
          this.fd = undefined;
          this.segment = undefined;
        }
        await rm(path);
        continue;
      }
      const buf = await readFile(path);
      const scan = scanSegment(buf);
      const keep = scan.records.filter((r) => r.zxid <= zxid);
      const cut = keep.length === scan.records.length ? scan.validBytes : scan.records[keep.length]!.offset;
      if (this.fd && this.segment?.name === seg.name) await this.fd.close();
      this.fd = undefined;
      await this.reopenSegment(seg, cut);
      break;
    }
    this.lastZxid = zxid;
    this.durableZxid = zxid;
  }

  /** Keeps the newest `retainCount` valid snapshots and the log segments they need. */
  async purge(retainCount: number): Promise<{ removedFiles: string[] }> {
    if (!Number.isInteger(retainCount) || retainCount < 1) throw new RangeError(`retainCount must be a whole number >= 1, got ${retainCount}`);
    const removed: string[] = [];
    const names = (await readdir(this.snapDir)).filter((n) => parseSnapshotName(n) !== undefined);
    const zxids = names.map((n) => parseSnapshotName(n)!).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    const valid: bigint[] = [];
    for (const z of zxids) {
      try {
        decodeSnapshot(await readFile(join(this.snapDir, snapshotName(z))));
        valid.push(z);
      } catch {
        // an invalid snapshot is never counted as kept; it is removed with the old ones below
      }
    }
    if (valid.length <= retainCount) return { removedFiles: removed };
    const oldestKept = valid[retainCount - 1]!;
    for (const z of zxids) {
      if (z >= oldestKept) continue;
      await rm(join(this.snapDir, snapshotName(z)));
      removed.push(snapshotName(z));
    }
    const segments = await listSegments(this.logDir);
    for (let i = 0; i + 1 < segments.length; i++) {
      const next = segments[i + 1]!;
      // Every record of segment i is below next.firstZxid; it is needed only if that reaches above oldestKept.
      if (next.firstZxid <= oldestKept + 1n && segments[i]!.name !== this.segment?.name) {
        await rm(join(this.logDir, segments[i]!.name));
        removed.push(segments[i]!.name);
      }
    }
    if (removed.length > 0) this.log.info('purged', { removed: removed.length, oldestKeptSnapshot: `0x${oldestKept.toString(16)}` });
    return { removedFiles: removed };
  }

  private async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.drain();
    this.closed = true;
    await this.fd?.close();
    this.fd = undefined;
    releaseLock(this.lockFile);
  }
}

// ------------------------------------------------------------------ recovery

async function listSegments(logDir: string): Promise<Segment[]> {
  const names = await readdir(logDir);
  return names
    .map((name) => ({ name, firstZxid: parseSegmentName(name) }))
    .filter((s): s is Segment => s.firstZxid !== undefined)
    .sort((a, b) => (a.firstZxid < b.firstZxid ? -1 : a.firstZxid > b.firstZxid ? 1 : 0));
}

async function loadNewestSnapshot(snapDir: string, log: Logger): Promise<{ zxid: bigint; records: SnapshotRecordList } | null> {
  const names = (await readdir(snapDir)).filter((n) => parseSnapshotName(n) !== undefined);
  names.sort().reverse();
  for (const name of names) {
    const path = join(snapDir, name);
    try {
      const snap = decodeSnapshot(await readFile(path));
      if (snap.zxid !== parseSnapshotName(name)) throw new Error(`holds zxid 0x${snap.zxid.toString(16)}, not what its name says`);
      return snap;
    } catch (e) {
      log.warn('skipping an invalid snapshot; trying an older one', { file: path, reason: (e as Error).message });
    }
  }
  return null;
}

async function recoverLog(
  logDir: string,
  snapshotZxid: bigint,
  log: Logger,
): Promise<{ records: LogRecord[]; last?: { segment: Segment; validBytes: number } }> {
  const segments = await listSegments(logDir);
  const records: LogRecord[] = [];
  let prev = snapshotZxid;
  let lastSeen = -1n;
  let last: { segment: Segment; validBytes: number } | undefined;
  // A segment followed by one that starts at or below snapshotZxid + 1 holds only txns the
  // snapshot covers (every record is below its successor's first zxid): it is not read at
  // all, as purge would remove it. Damage in it cannot lose anything the snapshot lacks.
  let first = 0;
  while (first + 1 < segments.length && segments[first + 1]!.firstZxid <= snapshotZxid + 1n) first++;
  for (let i = first; i < segments.length; i++) {
    const seg = segments[i]!;
    const path = join(logDir, seg.name);
    const { buf, scan } = await readSegment(path, lastSeen);
    const isLast = i === segments.length - 1;
    const stop = scan.error?.offset ?? scan.validBytes;
    const validAfter = findValidRecordAfter(buf, Math.max(stop, LOG_HEADER_BYTES - 1), scan.records.at(-1)?.zxid ?? lastSeen);
    if (validAfter !== undefined) {
      // Valid records beyond where reading stopped: the damage (or a run of zeros) is inside the log.
      throw new StorageCorruptError(path, stop, scan.error?.reason ?? `valid records resume at byte ${validAfter} after a gap`);
    }
    if (scan.error && isLast && scan.records.length === 0 && scan.error.offset < LOG_HEADER_BYTES && isBlankAfterHeader(buf)) {
      // A crash while a new segment was being started: its header never became whole and it
      // holds nothing. Remove it; appends start a fresh segment.
      log.warn('removing a log segment whose creation was interrupted', { file: path, reason: scan.error.reason });
      await rm(path);
      continue;
    }
    if (scan.error) {
      if (!isLast || scan.error.offset < LOG_HEADER_BYTES) throw new StorageCorruptError(path, scan.error.offset, scan.error.reason);
      log.warn('truncating a torn write at the end of the txn log', { file: path, offset: scan.error.offset, reason: scan.error.reason });
    }
    // Records point into `buf` (the segment read at start-up); the zab log and the tree keep
    // some of them, so the records after the snapshot get views into a copy of their bytes
    // only, and the segment's buffer can go once it is scanned.
    const needed = scan.records.findIndex((r) => r.zxid > snapshotZxid);
    const from = needed < 0 ? scan.validBytes : scan.records[needed]!.offset;
    const kept = needed < 0 ? buf : Uint8Array.prototype.slice.call(buf, from, scan.validBytes);
    for (const scanned of scan.records) {
      lastSeen = scanned.zxid;
      if (scanned.zxid <= snapshotZxid) continue;
      if (!follows(prev, scanned.zxid)) {
        throw new StorageCorruptError(
          path,
          scanned.offset,
          prev === snapshotZxid
            ? `log does not continue from ${snapshotZxid === 0n ? 'an empty tree' : `snapshot 0x${snapshotZxid.toString(16)}`} (next record is 0x${scanned.zxid.toString(16)}): the snapshot history it needs is missing`
            : `gap in the log: 0x${scanned.zxid.toString(16)} after 0x${prev.toString(16)}`,
        );
      }
      const start = scanned.payload.byteOffset - buf.byteOffset - from;
      records.push({ zxid: scanned.zxid, payload: kept.subarray(start, start + scanned.payload.length) });
      prev = scanned.zxid;
    }
    if (isLast) last = { segment: seg, validBytes: scan.validBytes };
  }
  return { records, last };
}

/** True when nothing but zeros follows the header's place (an interrupted segment start). */
function isBlankAfterHeader(buf: Uint8Array): boolean {
  for (let i = LOG_HEADER_BYTES; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

// ------------------------------------------------------------------ lock and fsync helpers

/** Lock files this process holds: a second Storage on the same data dir in one process is refused too. */
const HELD_LOCKS = new Set<string>();

function takeLock(lockFile: string): void {
  if (HELD_LOCKS.has(lockFile)) throw new DataDirLockedError(`data directory is already open in this process (${lockFile})`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      HELD_LOCKS.add(lockFile);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid = NaN;
      try {
        pid = Number(readFileSync(lockFile, 'utf8').trim());
      } catch {
        // unreadable lock: treat as stale
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new DataDirLockedError(`data directory is in use by process ${pid} (${lockFile})`);
      }
      releaseLock(lockFile);
    }
  }
  throw new DataDirLockedError(`cannot take the lock ${lockFile}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseLock(lockFile: string): void {
  HELD_LOCKS.delete(lockFile);
  try {
    const text = readFileSync(lockFile, 'utf8').trim();
    if (text !== '' && Number(text) !== process.pid && alive(Number(text))) return;
  } catch {
    return;
  }
  rmSync(lockFile, { force: true });
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

