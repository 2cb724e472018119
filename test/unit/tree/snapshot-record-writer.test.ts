/**
 * Goal: SnapshotRecords encodes what the generated protobuf decoder reads back field for
 * field (zxids past 2^53, negative int32s and times, several ACL entries, empty data, sessions
 * with 64-bit ids), keeps records in order across chunk boundaries and records larger than a
 * chunk, and what it writes the snapshot reader reads the same way.
 */
import { describe, expect, it } from 'vitest';
import { warden } from '../../../proto/gen/warden.js';
import { fromLong, longToNumber } from '../../../proto/long.js';
import type { EncodableNode } from '../../../server/tree/snapshot-record-writer.js';
import { SnapshotRecords } from '../../../server/tree/snapshot-record-writer.js';
import { SnapshotRecordReader } from '../../../server/tree/snapshot-record-reader.js';
import type { NodeKind } from '../../../server/tree/types.js';
import { Random } from '../../support/random.js';

const pb = warden.v1;
const KINDS: NodeKind[] = ['persistent', 'ephemeral', 'container', 'ttl'];

function randomNode(rnd: Random, i: number): EncodableNode {
  const zxid = (): bigint => (rnd.chance(0.2) ? 0n : rnd.chance(0.2) ? (BigInt(rnd.int(0, 0xffffffff)) << 32n) | BigInt(rnd.int(0, 0xffffffff)) : BigInt(rnd.int(1, 1e9)));
  const int32 = (): number => (rnd.chance(0.3) ? -rnd.int(1, 0x7fffffff) : rnd.int(0, 0x7fffffff));
  const czxid = zxid();
  return {
    path: i === 0 ? '/' : `/p${rnd.int(0, 99)}/é${i}`,
    data: rnd.chance(0.3) ? new Uint8Array(0) : Uint8Array.from({ length: rnd.int(1, 300) }, () => rnd.int(0, 255)),
    acl: Array.from({ length: rnd.int(0, 3) }, () => ({ perms: int32(), id: { scheme: rnd.chance(0.5) ? 'world' : 'digest', id: rnd.chance(0.2) ? '' : `user${rnd.int(0, 9)}:h` } })),
    stat: {
      czxid,
      mzxid: rnd.chance(0.5) ? czxid : zxid(),
      ctime: rnd.chance(0.8) ? 1_700_000_000_000 + rnd.int(0, 1e9) : -rnd.int(0, 1e12),
      mtime: rnd.int(0, 2 ** 52),
      version: int32(),
      cversion: int32(),
      aversion: int32(),
      ephemeralOwner: rnd.chance(0.5) ? 0n : zxid(),
      dataLength: 0,
      numChildren: 0,
      pzxid: rnd.chance(0.5) ? czxid : zxid(),
    },
    kind: KINDS[rnd.int(0, 3)]!,
    ttlMs: rnd.chance(0.5) ? 0 : rnd.int(1, 2 ** 40),
  };
}

describe('SnapshotRecords', () => {
  it('the generated decoder reads every field back, in order, across chunks', () => {
    const rnd = new Random(11);
    const out = new SnapshotRecords();
    const nodes: EncodableNode[] = [];
    const sessions: Array<{ id: bigint; timeoutMs: number; password: Uint8Array }> = [];
    for (let i = 0; i < 6000; i++) {
      if (i % 50 === 1) {
        const s = { id: (BigInt(rnd.int(1, 255)) << 56n) | BigInt(rnd.int(0, 1e9)), timeoutMs: rnd.int(0, 60000), password: Uint8Array.from([i & 255, 7]) };
        sessions.push(s);
        out.addSession(s.id, s.timeoutMs, s.password);
      } else {
        const n = randomNode(rnd, i);
        nodes.push(n);
        out.addNode(n);
      }
    }
    // one record larger than a chunk
    const big = { ...randomNode(rnd, 99999), data: new Uint8Array(1536 * 1024).fill(5) };
    nodes.push(big);
    out.addNode(big);
    expect(out.length).toBe(nodes.length + sessions.length);
    let ni = 0;
    let si = 0;
    const reader = new SnapshotRecordReader();
    for (const bytes of out) {
      const rec = pb.SnapshotRecord.decode(bytes);
      reader.read(bytes);
      if (rec.session) {
        const s = sessions[si++]!;
        expect({ id: fromLong(rec.session.id), timeoutMs: rec.session.timeoutMs ?? 0, password: [...(rec.session.password ?? [])] }).toEqual({ id: s.id, timeoutMs: s.timeoutMs, password: [...s.password] });
        expect(reader.sessionId).toBe(s.id);
        continue;
      }
      const n = nodes[ni++]!;
      const got = rec.node!;
      const st = got.stat!;
      expect(got.path ?? '').toBe(n.path);
      expect(Buffer.from(got.data ?? []).equals(Buffer.from(n.data))).toBe(true);
      expect((got.acl ?? []).map((a) => ({ perms: a.perms ?? 0, id: { scheme: a.id?.scheme ?? '', id: a.id?.id ?? '' } }))).toEqual(n.acl);
      expect(KINDS[got.kind ?? 0]).toBe(n.kind);
      expect(longToNumber(got.ttlMs)).toBe(n.ttlMs);
      expect([fromLong(st.czxid), fromLong(st.mzxid), fromLong(st.pzxid), fromLong(st.ephemeralOwner)]).toEqual([n.stat.czxid, n.stat.mzxid, n.stat.pzxid, n.stat.ephemeralOwner]);
      expect([longToNumber(st.ctime), longToNumber(st.mtime), st.version ?? 0, st.cversion ?? 0, st.aversion ?? 0]).toEqual([n.stat.ctime, n.stat.mtime, n.stat.version, n.stat.cversion, n.stat.aversion]);
      expect({ path: reader.path, ctime: reader.ctime, czxid: reader.czxid, acl: reader.acl() }).toEqual({ path: n.path, ctime: n.stat.ctime, czxid: n.stat.czxid, acl: n.acl });
    }
    expect([ni, si]).toEqual([nodes.length, sessions.length]);
  });

  it('data given as latin1 text encodes to the same bytes as the data itself', () => {
    const rnd = new Random(5);
    for (let i = 0; i < 200; i++) {
      const n = randomNode(rnd, i);
      const asBytes = new SnapshotRecords();
      asBytes.addNode(n);
      const asText = new SnapshotRecords();
      asText.addNode({ ...n, data: new Uint8Array(0), dataText: Buffer.from(n.data).toString('latin1') });
      expect(Buffer.from([...asText][0]!).equals(Buffer.from([...asBytes][0]!))).toBe(true);
    }
  });
});
