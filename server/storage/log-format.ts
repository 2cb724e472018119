/**
 * The txn log's on-disk format, and a pure scanner for it.
 *
 * A segment file is named `log.<first zxid, 16 hex digits>` and holds:
 *
 *   header   16 bytes  "WLOG" | u32 version (1) | u64 zxid of the first record
 *   record   16 bytes  u32 payload length (> 0) | u32 CRC32 of (zxid bytes + payload) | u64 zxid
 *            n bytes   payload (an encoded TxnEntry)
 *   ...
 *   zeros    the preallocated rest of the file: a length of 0 marks the end of the data
 *
 * All integers are big-endian. Zxids strictly increase within and across segments.
 * A scan stops at the first record that is not whole and valid and says where and why;
 * whether that is a torn tail (truncate) or corruption (refuse to start) is decided by the
 * caller, which knows whether valid records follow it.
 */
import { crc32 } from 'node:zlib';

export const LOG_MAGIC = 0x574c4f47; // "WLOG"
export const LOG_VERSION = 1;
export const LOG_HEADER_BYTES = 16;
export const RECORD_HEADER_BYTES = 16;
/** A record larger than this is refused on write and treated as garbage on read. */
export const RECORD_PAYLOAD_MAX = 64 * 1024 * 1024;

export interface ScannedRecord {
  zxid: bigint;
  payload: Uint8Array;
  /** byte offset of the record's header in the file */
  offset: number;
}

export interface ScanResult {
  records: ScannedRecord[];
  /** where valid data ends (the next record would start here) */
  validBytes: number;
  /** set when the scan stopped at something other than a clean end */
  error?: { offset: number; reason: string };
}

export function segmentName(firstZxid: bigint): string {
  return `log.${firstZxid.toString(16).padStart(16, '0')}`;
}

export function parseSegmentName(name: string): bigint | undefined {
  const m = /^log\.([0-9a-f]{16})$/.exec(name);
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

export function encodeSegmentHeader(firstZxid: bigint): Buffer {
  const b = Buffer.alloc(LOG_HEADER_BYTES);
  b.writeUInt32BE(LOG_MAGIC, 0);
  b.writeUInt32BE(LOG_VERSION, 4);
  b.writeBigUInt64BE(firstZxid, 8);
  return b;
}

function recordCrc(zxidBytes: Buffer, payload: Uint8Array): number {
  return crc32(payload, crc32(zxidBytes));
}

function checkPayload(payload: Uint8Array): void {
  if (payload.length === 0 || payload.length > RECORD_PAYLOAD_MAX) {
    throw new RangeError(`log record payload must be 1..${RECORD_PAYLOAD_MAX} bytes, got ${payload.length}`);
  }
}

export function encodeRecord(zxid: bigint, payload: Uint8Array): Buffer {
  checkPayload(payload);
  const b = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  encodeRecordAt(b, 0, zxid, payload);
  return b;
}

/** Bytes that `records` take in the log. Throws RangeError on a payload the log cannot hold. */
export function encodedRecordsBytes(records: readonly { payload: Uint8Array }[]): number {
  let n = 0;
  for (const r of records) {
    checkPayload(r.payload);
    n += RECORD_HEADER_BYTES + r.payload.length;
  }
  return n;
}

/** Writes one record at `offset` of `b` (which must have room); returns the offset after it. */
export function encodeRecordAt(b: Buffer, offset: number, zxid: bigint, payload: Uint8Array): number {
  b.writeUInt32BE(payload.length, offset);
  b.writeBigUInt64BE(zxid, offset + 8);
  b.writeUInt32BE(recordCrc(b.subarray(offset + 8, offset + 16), payload), offset + 4);
  b.set(payload, offset + RECORD_HEADER_BYTES);
  return offset + RECORD_HEADER_BYTES + payload.length;
}

/** Tries to read one record at `offset`; undefined when it is not a whole, valid record. */
export function readRecordAt(buf: Uint8Array, offset: number): ScannedRecord | { error: string } | 'end' {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (offset + RECORD_HEADER_BYTES > view.length) {
    return isZero(view, offset, view.length) ? 'end' : { error: 'partial record header' };
  }
  const length = view.readUInt32BE(offset);
  if (length === 0) {
    return isZero(view, offset, Math.min(view.length, offset + RECORD_HEADER_BYTES)) ? 'end' : { error: 'zero length with a non-zero header' };
  }
  if (length > RECORD_PAYLOAD_MAX) return { error: `record length ${length} is over ${RECORD_PAYLOAD_MAX}` };
  if (offset + RECORD_HEADER_BYTES + length > view.length) return { error: `record of ${length} bytes runs past the end of the file` };
  const crc = view.readUInt32BE(offset + 4);
  const zxid = view.readBigUInt64BE(offset + 8);
  const payload = view.subarray(offset + RECORD_HEADER_BYTES, offset + RECORD_HEADER_BYTES + length);
  if (recordCrc(view.subarray(offset + 8, offset + 16), payload) !== crc) return { error: 'CRC mismatch' };
  return { zxid, payload, offset };
}

function isZero(b: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

/** Reads a segment's records until the data ends or something is wrong. */
export function scanSegment(buf: Uint8Array, afterZxid = -1n): ScanResult {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.length < LOG_HEADER_BYTES) return { records: [], validBytes: 0, error: { offset: 0, reason: 'file shorter than its header' } };
  if (view.readUInt32BE(0) !== LOG_MAGIC) return { records: [], validBytes: 0, error: { offset: 0, reason: 'not a Warden log segment (bad magic)' } };
  if (view.readUInt32BE(4) !== LOG_VERSION) return { records: [], validBytes: 0, error: { offset: 4, reason: `unsupported log version ${view.readUInt32BE(4)}` } };
  const records: ScannedRecord[] = [];
  let offset = LOG_HEADER_BYTES;
  let last = afterZxid;
  for (;;) {
    const r = readRecordAt(view, offset);
    if (r === 'end') return { records, validBytes: offset };
    if ('error' in r) return { records, validBytes: offset, error: { offset, reason: r.error } };
    if (r.zxid <= last) return { records, validBytes: offset, error: { offset, reason: `zxid 0x${r.zxid.toString(16)} does not follow 0x${last.toString(16)}` } };
    records.push(r);
    last = r.zxid;
    offset += RECORD_HEADER_BYTES + r.payload.length;
  }
}

/**
 * After a scan error at `from`: is there any valid record with a zxid above `afterZxid`
 * further on? If so the damage is inside the committed log, not a torn tail.
 */
export function findValidRecordAfter(buf: Uint8Array, from: number, afterZxid: bigint): number | undefined {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let off = from + 1; off + RECORD_HEADER_BYTES <= buf.length; off++) {
    // A record's length field has a non-zero byte, so no record starts more than 3 bytes before
    // the next non-zero byte. Jumping there keeps recovery from walking a preallocated tail of
    // zeros (64 MiB by default) one byte at a time.
    const nonZero = nextNonZero(view, off);
    if (nonZero === undefined) return undefined;
    if (nonZero - 3 > off) off = nonZero - 3;
    // Skip offsets whose length field cannot be a record's (0, as in preallocated zeros, or
    // over the maximum) before the costlier full check.
    const length = ((buf[off]! << 24) >>> 0) + (buf[off + 1]! << 16) + (buf[off + 2]! << 8) + buf[off + 3]!;
    if (length === 0 || length > RECORD_PAYLOAD_MAX) continue;
    const r = readRecordAt(buf, off);
    if (r !== 'end' && !('error' in r) && r.zxid > afterZxid) return off;
  }
  return undefined;
}

const ZERO_CHUNK = Buffer.alloc(64 * 1024);

/** The index of the first non-zero byte at or after `from`, compared a chunk at a time (memcmp). */
function nextNonZero(b: Buffer, from: number): number | undefined {
  let at = from;
  while (at < b.length) {
    const n = Math.min(ZERO_CHUNK.length, b.length - at);
    if (b.compare(ZERO_CHUNK, 0, n, at, at + n) !== 0) {
      for (let i = at; i < at + n; i++) if (b[i] !== 0) return i;
    }
    at += n;
  }
  return undefined;
}
