/**
 * Goal: the leader's in-memory log reaches back as ZooKeeper's DIFF rule says — the newest
 * `keep` committed entries whatever their size (commitLogCount), older ones only while they
 * fit in `keepBytes` (the last snapshot's size times snapshotSizeFactor) — never drops an
 * entry above the commit point, and tells whether a learner's missing entries fit a DIFF.
 */
import { describe, expect, it } from 'vitest';
import { ZabLog } from '../../../server/zab/zab-log.js';
import type { Entry } from '../../../server/zab/types.js';

const z = (i: number): bigint => (1n << 32n) | BigInt(i);
/** entry i carries `size` bytes */
const e = (i: number, size = 10): Entry => ({ zxid: z(i), data: new Uint8Array(size) });
const log = (n: number, size = 10): ZabLog => new ZabLog(0n, Array.from({ length: n }, (_, i) => e(i + 1, size)));
const zxids = (l: ZabLog): bigint[] => l.between(l.base, l.lastZxid).map((x) => x.zxid);

describe('ZabLog retention', () => {
  it('keeps the newest `keep` committed entries when no bytes are allowed beyond them', () => {
    const l = log(10);
    l.trim(z(10), 4);
    expect(zxids(l)).toEqual([z(7), z(8), z(9), z(10)]);
    expect(l.base).toBe(z(6));
    expect(l.bytes).toBe(40);
  });

  it('keeps older committed entries while they fit in `keepBytes`', () => {
    const l = log(10);
    l.trim(z(10), 2, 65);
    // 6 entries of 10 bytes fit in 65, the 7th would not
    expect(zxids(l)).toEqual([z(5), z(6), z(7), z(8), z(9), z(10)]);
    expect(l.bytes).toBe(60);
  });

  it('keeps `keep` entries even when they alone are over `keepBytes`', () => {
    const l = log(10, 100);
    l.trim(z(10), 3, 50);
    expect(zxids(l)).toEqual([z(8), z(9), z(10)]);
  });

  it('never drops an entry above the commit point', () => {
    const l = log(10);
    l.trim(z(4), 1, 0);
    expect(zxids(l)).toEqual([z(4), z(5), z(6), z(7), z(8), z(9), z(10)]);
    expect(l.bytes).toBe(70);
  });

  it('counts bytes through append, truncate and reset', () => {
    const l = log(3, 7);
    expect(l.bytes).toBe(21);
    l.append(e(4, 5));
    expect(l.bytes).toBe(26);
    l.truncateAfter(z(2));
    expect(l.bytes).toBe(14);
    l.resetTo(z(9));
    expect(l.bytes).toBe(0);
    expect(l.lastZxid).toBe(z(9));
  });
});

describe('ZabLog DIFF window', () => {
  it('a learner missing at most `keep` entries fits, whatever their size', () => {
    expect(log(10, 1000).fitsDiff(z(7), z(10), 3, 0)).toBe(true);
  });

  it('a learner missing more fits only while the entries are small enough', () => {
    const l = log(10);
    expect(l.fitsDiff(z(2), z(10), 3, 80)).toBe(true);
    expect(l.fitsDiff(z(2), z(10), 3, 79)).toBe(false);
    expect(l.fitsDiff(z(10), z(10), 0, 0)).toBe(true);
  });
});
