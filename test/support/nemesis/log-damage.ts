/**
 * Damage to a stopped server's txn log, as a crash or a bad disk leaves it:
 *  - a torn tail: a record header and part of its payload after the last valid record (the
 *    crash came mid-write, before the fsync, so the record was never acknowledged);
 *  - a bit flip inside a record in the committed part of the log (a disk that lies).
 * Each returns the file and byte offset it touched, so a test can check the server names them.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRecord, parseSegmentName, scanSegment, LOG_HEADER_BYTES } from '../../../server/storage/log-format.js';
import type { Random } from '../random.js';

export interface Damage {
  file: string;
  offset: number;
  /** zxid of the record damaged (bit flip) */
  zxid?: bigint;
}

function segments(logDir: string): string[] {
  return readdirSync(logDir)
    .filter((n) => parseSegmentName(n) !== undefined)
    .sort()
    .map((n) => join(logDir, n));
}

/** Appends a partial record after the valid data of the newest segment. */
export function tornTail(logDir: string, rnd: Random): Damage | undefined {
  const file = segments(logDir).at(-1);
  if (!file) return undefined;
  const buf = readFileSync(file);
  const scan = scanSegment(buf);
  const lastZxid = scan.records.at(-1)?.zxid ?? buf.readBigUInt64BE(8) - 1n;
  const rec = encodeRecord(lastZxid + 1n, Buffer.from(`torn-${rnd.int(0, 1e9)}-`.repeat(8)));
  // The record header is whole and the payload cut short: a write torn mid-record. (A write
  // torn inside the length field can leave zeros that read as a clean end: nothing to cut.)
  const keep = rnd.int(17, rec.length - 1);
  const offset = Math.max(scan.validBytes, LOG_HEADER_BYTES);
  const out = Buffer.alloc(Math.max(buf.length, offset + rec.length));
  buf.copy(out);
  rec.copy(out, offset, 0, keep);
  writeFileSync(file, out);
  return { file, offset };
}

/**
 * Flips one bit in the payload of a record that has at least one valid record after it (the
 * committed part: recovery must refuse it, not take it for a torn tail).
 */
export function bitFlipCommitted(logDir: string, rnd: Random): Damage | undefined {
  for (const file of segments(logDir).reverse()) {
    const buf = readFileSync(file);
    const { records } = scanSegment(buf);
    if (records.length < 2) continue;
    const rec = records[rnd.int(0, records.length - 2)]!;
    const at = rec.offset + 16 + rnd.int(0, rec.payload.length - 1);
    buf[at]! ^= 1 << rnd.int(0, 7);
    writeFileSync(file, buf);
    return { file, offset: rec.offset, zxid: rec.zxid };
  }
  return undefined;
}
