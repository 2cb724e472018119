/**
 * The snapshot file format, and pure encode/decode for it.
 *
 * A snapshot is named `snapshot.<zxid, 16 hex digits>`: a consistent image of the tree and
 * the session table at exactly that zxid. Layout (big-endian):
 *
 *   header   24 bytes  "WSNP" | u32 version (1) | u64 zxid | u32 record count | u32 CRC32 of the previous 20 bytes
 *   record   8 bytes   u32 length | u32 CRC32 of the payload, then the payload (a SnapshotRecord)
 *   ...
 *   footer   8 bytes   "WEND" | u32 record count again
 *
 * A file without its footer, or with any bad CRC, is invalid as a whole: recovery then falls
 * back to the next older snapshot.
 */
import { crc32 } from 'node:zlib';

export const SNAP_MAGIC = 0x57534e50; // "WSNP"
export const SNAP_END = 0x57454e44; // "WEND"
export const SNAP_VERSION = 1;
const HEADER = 24;

export function snapshotName(zxid: bigint): string {
  return `snapshot.${zxid.toString(16).padStart(16, '0')}`;
}

export function parseSnapshotName(name: string): bigint | undefined {
  const m = /^snapshot\.([0-9a-f]{16})$/.exec(name);
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

/** Records to write: an iterable that also knows its count up front (the header holds it). */
export type SnapshotRecordList = Iterable<Uint8Array> & { readonly length: number };

const PIECE_BYTES = 1024 * 1024;

/**
 * The snapshot file in pieces of about 1 MiB, so a large snapshot is written without a
 * buffer the size of the file. Each piece is valid until the next one is asked for (one
 * buffer is reused): write it before going on.
 */
export function* snapshotPieces(zxid: bigint, records: SnapshotRecordList): Generator<Uint8Array> {
  let b = Buffer.allocUnsafe(PIECE_BYTES);
  b.writeUInt32BE(SNAP_MAGIC, 0);
  b.writeUInt32BE(SNAP_VERSION, 4);
  b.writeBigUInt64BE(zxid, 8);
  b.writeUInt32BE(records.length, 16);
  b.writeUInt32BE(crc32(b.subarray(0, 20)), 20);
  let off = HEADER;
  let count = 0;
  for (const r of records) {
    if (off + 8 + r.length > b.length) {
      yield b.subarray(0, off);
      if (8 + r.length > b.length) b = Buffer.allocUnsafe(8 + r.length);
      off = 0;
    }
    b.writeUInt32BE(r.length, off);
    b.writeUInt32BE(crc32(r), off + 4);
    b.set(r, off + 8);
    off += 8 + r.length;
    count++;
  }
  if (count !== records.length) throw new RangeError(`snapshot has ${count} records, not the ${records.length} its header would say`);
  if (off + 8 > b.length) {
    yield b.subarray(0, off);
    off = 0;
  }
  b.writeUInt32BE(SNAP_END, off);
  b.writeUInt32BE(count, off + 4);
  yield b.subarray(0, off + 8);
}

export function encodeSnapshot(zxid: bigint, records: SnapshotRecordList): Buffer {
  const pieces: Buffer[] = [];
  for (const piece of snapshotPieces(zxid, records)) pieces.push(Buffer.from(piece));
  return Buffer.concat(pieces);
}

export class SnapshotFormatError extends Error {
  override name = 'SnapshotFormatError';
  constructor(
    readonly offset: number,
    reason: string,
  ) {
    super(`${reason} at byte ${offset}`);
  }
}

export interface SnapshotScan {
  /** from the header, when the header is valid */
  zxid?: bigint;
  /** records the header announces */
  count?: number;
  /** every record read whole and valid, with the byte offset of its header */
  records: Array<{ offset: number; payload: Uint8Array }>;
  /** the first problem, if any; records after it are not read */
  error?: { offset: number; reason: string };
}

/**
 * Reads a snapshot as far as it is valid (inspection tools print what precedes damage).
 * With `keepRecords` false every record is still checked, but none is kept (recovery walks
 * them again through SnapshotFileRecords instead of holding a view per record).
 */
export function scanSnapshot(buf: Uint8Array, keepRecords = true): SnapshotScan {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: SnapshotScan['records'] = [];
  const fail = (offset: number, reason: string, head?: { zxid: bigint; count: number }): SnapshotScan => ({ ...head, records, error: { offset, reason } });
  if (b.length < HEADER + 8) return fail(0, 'file shorter than header and footer');
  if (b.readUInt32BE(0) !== SNAP_MAGIC) return fail(0, 'not a Warden snapshot (bad magic)');
  if (b.readUInt32BE(4) !== SNAP_VERSION) return fail(4, `unsupported snapshot version ${b.readUInt32BE(4)}`);
  if (crc32(b.subarray(0, 20)) !== b.readUInt32BE(20)) return fail(20, 'header CRC mismatch');
  const head = { zxid: b.readBigUInt64BE(8), count: b.readUInt32BE(16) };
  let off = HEADER;
  for (let i = 0; i < head.count; i++) {
    if (off + 8 > b.length) return fail(off, `record ${i} header runs past the end`, head);
    const len = b.readUInt32BE(off);
    const crc = b.readUInt32BE(off + 4);
    if (off + 8 + len > b.length) return fail(off, `record ${i} runs past the end`, head);
    const payload = b.subarray(off + 8, off + 8 + len);
    if (crc32(payload) !== crc) return fail(off, `record ${i} CRC mismatch`, head);
    if (keepRecords) records.push({ offset: off, payload });
    off += 8 + len;
  }
  if (off + 8 > b.length || b.readUInt32BE(off) !== SNAP_END || b.readUInt32BE(off + 4) !== head.count) {
    return fail(off, 'missing or bad footer (incomplete snapshot)', head);
  }
  return { ...head, records };
}

/** A snapshot's records, read from its bytes on each walk. */
class SnapshotFileRecords implements Iterable<Uint8Array> {
  constructor(
    private readonly buf: Buffer,
    readonly length: number,
  ) {}

  *[Symbol.iterator](): Iterator<Uint8Array> {
    let off = HEADER;
    for (let i = 0; i < this.length; i++) {
      const len = this.buf.readUInt32BE(off);
      yield this.buf.subarray(off + 8, off + 8 + len);
      off += 8 + len;
    }
  }
}

/** Checks a whole snapshot (every CRC, the footer) and gives its records, or throws SnapshotFormatError. */
export function decodeSnapshot(buf: Uint8Array): { zxid: bigint; records: SnapshotRecordList } {
  const scan = scanSnapshot(buf, false);
  if (scan.error) throw new SnapshotFormatError(scan.error.offset, scan.error.reason);
  return { zxid: scan.zxid!, records: new SnapshotFileRecords(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), scan.count!) };
}
