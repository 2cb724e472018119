/**
 * Goal: the hand-written SnapshotRecord decoder reads exactly what the generated protobuf
 * code reads, for any record an encoder may write: every field set or left out, negative
 * int32s (ten-byte varints), 64-bit zxids and times past 2^53 or 2^32, several ACL entries,
 * fields in another order and unknown fields; equal ACL encodings share one list; and
 * malformed bytes are refused rather than read as a node.
 */
import { describe, expect, it } from 'vitest';
import { warden } from '../../../proto/gen/warden.js';
import { fromLong, longToNumber, toLong } from '../../../proto/long.js';
import { SnapshotRecordError, SnapshotRecordReader } from '../../../server/tree/snapshot-record-reader.js';
import { Random } from '../../support/random.js';

const pb = warden.v1;
/** A whole number in [0, n). */
const below = (rnd: Random, n: number): number => rnd.int(0, n - 1);

function randomNode(rnd: Random): warden.v1.SnapshotNode.$Properties {
  const big = (): bigint => (below(rnd, 3) === 0 ? 0n : BigInt(below(rnd, 0x7fffffff)) * BigInt(below(rnd, 0x7fffffff)) + BigInt(below(rnd, 1000)));
  const int32 = (): number => (below(rnd, 4) === 0 ? -below(rnd, 0x7fffffff) : below(rnd, 0x7fffffff));
  const czxid = big();
  return {
    path: `/${'abcé/'.slice(0, below(rnd, 5))}n${below(rnd, 1_000_000)}`,
    data: below(rnd, 3) === 0 ? new Uint8Array(0) : Uint8Array.from({ length: below(rnd, 40) }, () => below(rnd, 256)),
    acl: Array.from({ length: below(rnd, 3) }, () => ({ perms: int32(), id: { scheme: below(rnd, 2) ? 'world' : 'digest', id: `u${below(rnd, 5)}` } })),
    stat: {
      czxid: toLong(czxid),
      mzxid: toLong(below(rnd, 2) ? czxid : big()),
      ctime: toLong(BigInt(below(rnd, 2) ? 1_700_000_000_000 + below(rnd, 1e9) : -below(rnd, 1e6)), false),
      mtime: toLong(BigInt(1_700_000_000_000 + below(rnd, 1e9)), false),
      version: int32(),
      cversion: int32(),
      aversion: int32(),
      ephemeralOwner: toLong(below(rnd, 2) ? 0n : big()),
      pzxid: toLong(below(rnd, 2) ? czxid : big()),
    },
    kind: below(rnd, 4),
    ttlMs: toLong(BigInt(below(rnd, 2) ? 0 : below(rnd, 1e9)), false),
  };
}

function expectSameAsGenerated(bytes: Uint8Array, r: SnapshotRecordReader): void {
  const rec = pb.SnapshotRecord.decode(bytes);
  r.read(bytes);
  if (rec.session) {
    expect(r.isSession).toBe(true);
    expect(r.sessionId).toBe(fromLong(rec.session.id));
    expect(r.timeoutMs).toBe(rec.session.timeoutMs ?? 0);
    expect([...r.password]).toEqual([...(rec.session.password ?? [])]);
    return;
  }
  const n = rec.node!;
  const st = n.stat ?? {};
  expect(r.isSession).toBe(false);
  expect(r.path).toBe(n.path ?? '');
  expect([...r.data]).toEqual([...(n.data ?? [])]);
  expect(r.kind).toBe(['persistent', 'ephemeral', 'container', 'ttl'][n.kind ?? 0]);
  expect(r.ttlMs).toBe(longToNumber(n.ttlMs));
  expect({ c: r.czxid, m: r.mzxid, p: r.pzxid, o: r.ephemeralOwner }).toEqual({ c: fromLong(st.czxid), m: fromLong(st.mzxid), p: fromLong(st.pzxid), o: fromLong(st.ephemeralOwner) });
  expect({ ctime: r.ctime, mtime: r.mtime }).toEqual({ ctime: longToNumber(st.ctime), mtime: longToNumber(st.mtime) });
  expect({ v: r.version, c: r.cversion, a: r.aversion }).toEqual({ v: st.version ?? 0, c: st.cversion ?? 0, a: st.aversion ?? 0 });
  expect(r.acl()).toEqual((n.acl ?? []).map((a) => ({ perms: a.perms ?? 0, id: { scheme: a.id?.scheme ?? '', id: a.id?.id ?? '' } })));
}

describe('SnapshotRecordReader', () => {
  it('reads what the generated decoder reads, over many random nodes and sessions', () => {
    const rnd = new Random(7);
    const r = new SnapshotRecordReader();
    for (let i = 0; i < 2000; i++) {
      const bytes =
        i % 10 === 0
          ? pb.SnapshotRecord.encode({ session: { id: toLong(BigInt(below(rnd, 1e9)) << 20n), timeoutMs: below(rnd, 60000), password: Uint8Array.from([i & 255, 1, 2]) } }).finish()
          : pb.SnapshotRecord.encode({ node: randomNode(rnd) }).finish();
      expectSameAsGenerated(bytes, r);
    }
  });

  it('a record with nothing set is a node at its defaults; an empty stat too', () => {
    const r = new SnapshotRecordReader();
    expectSameAsGenerated(pb.SnapshotRecord.encode({ node: {} }).finish(), r);
    expectSameAsGenerated(pb.SnapshotRecord.encode({ node: { path: '/x', stat: {} } }).finish(), r);
  });

  it('equal zxids of one node share one bigint, and equal ACL encodings one list', () => {
    const r = new SnapshotRecordReader();
    const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
    const node = (path: string) => pb.SnapshotRecord.encode({ node: { path, acl, stat: { czxid: toLong(0x5_0000_0007n), mzxid: toLong(0x5_0000_0007n), pzxid: toLong(0x5_0000_0007n) } } }).finish();
    r.read(node('/a'));
    const first = r.acl();
    expect(r.mzxid).toBe(r.czxid);
    expect(r.pzxid).toBe(r.czxid);
    r.read(node('/b'));
    expect(r.acl()).toBe(first);
  });

  it('fields in another order and unknown fields of every wire type are read past', () => {
    const w = pb.SnapshotNode.encode({ path: '/late', stat: { czxid: toLong(9n), version: -3 } }).finish();
    // kind=1, unknown fields 11-14 as varint, fixed64, fixed32 and bytes, then the path and stat last
    const extra = Uint8Array.from([(5 << 3) | 0, 1, (11 << 3) | 0, 0x96, 0x01, (12 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8, (13 << 3) | 5, 1, 2, 3, 4, (14 << 3) | 2, 2, 9, 9]);
    const node = Uint8Array.from([...extra, ...w]);
    const rec = Uint8Array.from([(1 << 3) | 2, node.length, ...node, (3 << 3) | 0, 5]);
    const r = new SnapshotRecordReader();
    expectSameAsGenerated(rec, r);
    expect(r.path).toBe('/late');
    expect(r.kind).toBe('ephemeral');
    expect(r.version).toBe(-3);
  });

  it('malformed records are refused', () => {
    const r = new SnapshotRecordReader();
    const good = pb.SnapshotRecord.encode({ node: { path: '/a', data: Uint8Array.from([1, 2, 3]) } }).finish();
    expect(() => r.read(new Uint8Array(0))).toThrow(SnapshotRecordError);
    expect(() => r.read(Uint8Array.from([0xff, 0xff, 0xff]))).toThrow(SnapshotRecordError);
    expect(() => r.read(good.subarray(0, good.length - 1))).toThrow(SnapshotRecordError);
    expect(() => r.read(Uint8Array.from([(1 << 3) | 2, 2, (5 << 3) | 0, 9]))).toThrow(/unknown kind 9/);
    expect(() => r.read(Uint8Array.from([(1 << 3) | 3]))).toThrow(/wire type 3/);
  });
});
