/**
 * Goal: the txn log and snapshot file formats encode and decode as documented, and every
 * kind of damage (partial header, oversized length, record past the end, CRC mismatch,
 * non-increasing zxid, bad magic/version, missing footer) is reported with its byte
 * offset instead of being read as data.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeRecord,
  encodeSegmentHeader,
  findValidRecordAfter,
  LOG_HEADER_BYTES,
  parseSegmentName,
  readRecordAt,
  RECORD_HEADER_BYTES,
  RECORD_PAYLOAD_MAX,
  scanSegment,
  segmentName,
} from '../../../server/storage/log-format.js';
import { decodeSnapshot, encodeSnapshot, parseSnapshotName, SnapshotFormatError, snapshotName } from '../../../server/storage/snapshot-format.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function segment(zxids: bigint[], prealloc = 64): Buffer {
  return Buffer.concat([encodeSegmentHeader(zxids[0] ?? 1n), ...zxids.map((z) => encodeRecord(z, bytes(`txn ${z}`))), Buffer.alloc(prealloc)]);
}

describe('log segment format', () => {
  it('names sort by first zxid and parse back', () => {
    expect(segmentName(0x1_0000_0001n)).toBe('log.0000000100000001');
    expect(parseSegmentName('log.0000000100000001')).toBe(0x1_0000_0001n);
    expect(parseSegmentName('log.1')).toBeUndefined();
    expect(parseSegmentName('log.0000000100000001.tmp')).toBeUndefined();
  });

  it('a scan returns every record, with offsets, and stops cleanly at the preallocated zeros', () => {
    const buf = segment([1n, 2n, 3n]);
    const scan = scanSegment(buf);
    expect(scan.error).toBeUndefined();
    expect(scan.records.map((r) => r.zxid)).toEqual([1n, 2n, 3n]);
    expect(scan.records[0]!.offset).toBe(LOG_HEADER_BYTES);
    expect(Buffer.from(scan.records[2]!.payload).toString()).toBe('txn 3');
    expect(scan.validBytes).toBe(buf.length - 64);
  });

  it('an empty segment (header only) is a clean end; a short or foreign file is an error at 0', () => {
    expect(scanSegment(segment([], 100))).toEqual({ records: [], validBytes: LOG_HEADER_BYTES });
    expect(scanSegment(Buffer.alloc(5)).error).toEqual({ offset: 0, reason: 'file shorter than its header' });
    expect(scanSegment(Buffer.alloc(32, 0x41)).error?.reason).toMatch(/bad magic/);
    const v2 = segment([1n]);
    v2.writeUInt32BE(2, 4);
    expect(scanSegment(v2).error).toMatchObject({ offset: 4, reason: 'unsupported log version 2' });
  });

  it('reports a partial header, an oversized length, a record past the end and a CRC mismatch at the record offset', () => {
    const whole = segment([1n, 2n], 0);
    const second = scanSegment(whole).records[1]!.offset;
    expect(scanSegment(whole.subarray(0, second + 7)).error).toEqual({ offset: second, reason: 'partial record header' });
    expect(scanSegment(whole.subarray(0, whole.length - 1)).error?.reason).toMatch(/runs past the end/);
    const big = Buffer.from(whole);
    big.writeUInt32BE(RECORD_PAYLOAD_MAX + 1, second);
    expect(scanSegment(big).error?.reason).toMatch(/is over/);
    const flipped = Buffer.from(whole);
    flipped[second + RECORD_HEADER_BYTES + 1]! ^= 0x01;
    expect(scanSegment(flipped)).toMatchObject({ validBytes: second, error: { offset: second, reason: 'CRC mismatch' } });
    const zxidFlip = Buffer.from(whole);
    zxidFlip[second + 15]! ^= 0x04; // the zxid is covered by the CRC too
    expect(scanSegment(zxidFlip).error?.reason).toBe('CRC mismatch');
  });

  it('a zero length with a non-zero header is damage, not the end', () => {
    const buf = segment([1n, 2n]);
    const second = scanSegment(buf).records[1]!.offset;
    buf.writeUInt32BE(0, second);
    expect(readRecordAt(buf, second)).toEqual({ error: 'zero length with a non-zero header' });
  });

  it('zxids must strictly increase, within a segment and after the previous one', () => {
    expect(scanSegment(segment([1n, 3n, 2n])).error?.reason).toMatch(/does not follow/);
    expect(scanSegment(segment([5n, 6n]), 5n).error?.reason).toBe('zxid 0x5 does not follow 0x5');
  });

  it('encodeRecord refuses empty and oversized payloads', () => {
    expect(() => encodeRecord(1n, new Uint8Array(0))).toThrow(RangeError);
  });

  it('findValidRecordAfter finds a whole record beyond damage, and only above the given zxid', () => {
    const buf = segment([1n, 2n, 3n]);
    const recs = scanSegment(buf).records;
    buf[recs[1]!.offset + RECORD_HEADER_BYTES]! ^= 0xff;
    expect(findValidRecordAfter(buf, recs[1]!.offset, 1n)).toBe(recs[2]!.offset);
    expect(findValidRecordAfter(buf, recs[1]!.offset, 3n)).toBeUndefined();
    expect(findValidRecordAfter(segment([1n], 4096), LOG_HEADER_BYTES, 1n)).toBeUndefined();
  });
});

describe('snapshot format', () => {
  const records = [bytes('one'), bytes(''), bytes('three'.repeat(100))];

  it('names parse back; encode/decode round trips zxid and records', () => {
    expect(snapshotName(0xabn)).toBe('snapshot.00000000000000ab');
    expect(parseSnapshotName('snapshot.00000000000000ab')).toBe(0xabn);
    expect(parseSnapshotName('snapshot.00000000000000ab.tmp')).toBeUndefined();
    const back = decodeSnapshot(encodeSnapshot(0x1_0000_0005n, records));
    expect(back.zxid).toBe(0x1_0000_0005n);
    expect([...back.records].map((r) => Buffer.from(r).toString())).toEqual(records.map((r) => Buffer.from(r).toString()));
    expect([...decodeSnapshot(encodeSnapshot(7n, [])).records]).toEqual([]);
  });

  it('records larger than a write piece, and many records across pieces, round trip', () => {
    const records = [bytes('a'), new Uint8Array(1536 * 1024).fill(3), ...Array.from({ length: 5000 }, (_, i) => bytes(`record ${i}`.repeat(40)))];
    const snap = decodeSnapshot(encodeSnapshot(7n, records));
    expect(snap.zxid).toBe(7n);
    expect([...snap.records].map((r) => Buffer.from(r).toString('hex'))).toEqual(records.map((r) => Buffer.from(r).toString('hex')));
  });

  it('any cut short file is invalid (no footer), wherever it is cut', () => {
    const buf = encodeSnapshot(9n, records);
    for (let cut = 0; cut < buf.length; cut += 7) expect(() => decodeSnapshot(buf.subarray(0, cut)), `cut at ${cut}`).toThrow(SnapshotFormatError);
  });

  it('a flipped bit anywhere is refused, naming the offset of the damaged part', () => {
    const buf = encodeSnapshot(9n, records);
    for (let i = 0; i < buf.length; i++) {
      const bad = Buffer.from(buf);
      bad[i]! ^= 0x10;
      expect(() => decodeSnapshot(bad), `flip at ${i}`).toThrow(SnapshotFormatError);
    }
    const bad = Buffer.from(buf);
    bad[24 + 8 + 1]! ^= 1; // inside record 0's payload
    expect(() => decodeSnapshot(bad)).toThrow('record 0 CRC mismatch at byte 24');
  });

  it('bad magic and unknown versions are named', () => {
    const buf = encodeSnapshot(1n, records);
    buf.writeUInt32BE(0, 0);
    expect(() => decodeSnapshot(buf)).toThrow(/bad magic/);
  });
});
