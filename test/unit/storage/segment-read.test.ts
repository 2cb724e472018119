/**
 * Goal: reading a segment a chunk at a time (stopping at the preallocated zeros) scans
 * exactly as reading it whole does: the same records, the same end and the same error, for
 * clean segments, payloads holding a megabyte of zeros, torn tails, damage, and bytes far
 * past the end of the data; and a clean segment is not held in memory past its data.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRecord, encodeSegmentHeader, RECORD_HEADER_BYTES, scanSegment } from '../../../server/storage/log-format.js';
import { readSegment } from '../../../server/storage/segment-read.js';

const MiB = 1024 * 1024;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fileWith(buf: Buffer): string {
  const d = mkdtempSync(join(tmpdir(), 'warden-segread-'));
  dirs.push(d);
  const path = join(d, 'log.0000000000000001');
  writeFileSync(path, buf);
  return path;
}

/** A segment of records with the given payloads, then `zeros` bytes of preallocated zeros. */
function segment(payloads: Uint8Array[], zeros: number): Buffer {
  return Buffer.concat([encodeSegmentHeader(1n), ...payloads.map((p, i) => encodeRecord(BigInt(i + 1), p)), Buffer.alloc(zeros)]);
}

async function expectSameScanAsWhole(buf: Buffer): Promise<Buffer> {
  const read = await readSegment(fileWith(buf), -1n);
  const whole = scanSegment(buf);
  const strip = (s: typeof whole) => ({ ...s, records: s.records.map((r) => ({ zxid: r.zxid, offset: r.offset, payload: Buffer.from(r.payload).toString('hex') })) });
  expect(strip(read.scan)).toEqual(strip(whole));
  return read.buf;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('readSegment', () => {
  it('a clean segment scans as whole, and only the chunks up to the first chunk of zeros are kept', async () => {
    const buf = segment([text('a'), text('bb'), text('ccc')], 8 * MiB);
    const kept = await expectSameScanAsWhole(buf);
    expect(kept.length).toBeLessThanOrEqual(2 * MiB);
  });

  it('a file that ends inside its data, or right at its end, scans as whole', async () => {
    await expectSameScanAsWhole(segment([text('a'), text('b')], 0));
    await expectSameScanAsWhole(segment([text('a'), text('b')], 5));
  });

  it('a payload holding more than a chunk of zeros is read whole (the zeros are data, not the end)', async () => {
    const big = new Uint8Array(3 * MiB);
    big[big.length - 1] = 7;
    const buf = segment([text('a'), big, text('after')], 2 * MiB);
    await expectSameScanAsWhole(buf);
    expect(scanSegment(buf).records).toHaveLength(3);
  });

  it('a payload ending in a megabyte of zeros at the end of the file is still one whole record', async () => {
    await expectSameScanAsWhole(segment([text('a'), new Uint8Array(2 * MiB + 100)], 0));
  });

  it('a torn tail and a damaged record give the same error as a whole read', async () => {
    const clean = segment([text('a'), text('b'), text('c')], MiB);
    const torn = Buffer.from(clean);
    encodeRecord(4n, text('x'.repeat(100))).subarray(0, 40).copy(torn, clean.length - MiB);
    await expectSameScanAsWhole(torn);
    const flipped = Buffer.from(clean);
    flipped[16 + RECORD_HEADER_BYTES]! ^= 1;
    await expectSameScanAsWhole(flipped);
  });

  it('a record far past the end of the data is in the buffer the caller checks for damage', async () => {
    const buf = segment([text('a')], 6 * MiB);
    const stray = encodeRecord(9n, text('stray'));
    stray.copy(buf, 4 * MiB + 3);
    const kept = await expectSameScanAsWhole(buf);
    expect(kept.length).toBe(buf.length);
  });
});
