/**
 * Reading a txn log segment at recovery without holding its preallocated zeros in memory.
 *
 * A segment is preallocated (64 MiB by default) and is mostly zeros past its data; reading
 * it whole cost a 64 MiB buffer per segment at every start-up. This reads a chunk at a time
 * until a chunk is all zeros (or the file ends), scans that prefix, and then only checks,
 * through one reused chunk, that the rest of the file is zeros too.
 *
 * The prefix stands for the whole file only when the scan of it ends cleanly and nothing but
 * zeros follows where the data ends: then scanning the whole file gives the same records
 * and the same end, and no valid record can be found after the end (every byte there is
 * zero). In any other case (damage, a torn tail, a non-zero byte anywhere after the end)
 * the whole file is read, so the caller's checks see exactly what they saw before.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { scanSegment, type ScanResult } from './log-format.js';

const CHUNK_BYTES = 1024 * 1024;
const ZEROS = Buffer.alloc(CHUNK_BYTES);

export interface SegmentRead {
  /** the file's bytes, or a prefix of them that scans the same (see above) */
  buf: Buffer;
  scan: ScanResult;
}

/** Reads and scans one segment; `afterZxid` is the last zxid of the segments before it. */
export async function readSegment(path: string, afterZxid: bigint): Promise<SegmentRead> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    let buf = Buffer.allocUnsafe(Math.min(size, 4 * CHUNK_BYTES));
    let length = 0;
    while (length < size) {
      const n = Math.min(CHUNK_BYTES, size - length);
      if (length + n > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.min(size, buf.length * 2));
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      await readExactly(fh, buf, length, n, length);
      length += n;
      if (isZero(buf, length - n, length)) break;
    }
    const prefix = buf.subarray(0, length);
    const scan = scanSegment(prefix, afterZxid);
    if (scan.error === undefined && isZero(prefix, scan.validBytes, length) && (await zerosFrom(fh, length, size))) return { buf: prefix, scan };
    const whole = await readFile(path);
    return { buf: whole, scan: scanSegment(whole, afterZxid) };
  } finally {
    await fh.close();
  }
}

/** Reads `n` bytes at file position `position` into `buf` at `at`. */
async function readExactly(fh: FileHandle, buf: Buffer, at: number, n: number, position: number): Promise<void> {
  let done = 0;
  while (done < n) {
    const { bytesRead } = await fh.read(buf, at + done, n - done, position + done);
    if (bytesRead === 0) throw new Error(`segment ended at byte ${position + done} while reading (it shrank)`);
    done += bytesRead;
  }
}

/** True when bytes [from, to) of `b` are all zero (compared a chunk at a time: memcmp). */
function isZero(b: Buffer, from: number, to: number): boolean {
  for (let at = from; at < to; at += CHUNK_BYTES) {
    const n = Math.min(CHUNK_BYTES, to - at);
    if (b.compare(ZEROS, 0, n, at, at + n) !== 0) return false;
  }
  return true;
}

/** True when the file holds only zeros from `from` to `size`, read through one reused chunk. */
async function zerosFrom(fh: FileHandle, from: number, size: number): Promise<boolean> {
  const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(0, size - from)));
  for (let at = from; at < size; at += chunk.length) {
    const n = Math.min(chunk.length, size - at);
    await readExactly(fh, chunk, 0, n, at);
    if (!isZero(chunk, 0, n)) return false;
  }
  return true;
}
