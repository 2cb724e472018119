/**
 * Goal: every peer frame survives encode -> decode unchanged — the Zab messages and the
 * request-forwarding ones (forwarded writes of every op kind, syncs, the leader's answers,
 * session touches) — with 64-bit values beyond a JS number; forwarded writes travel as
 * protobuf (their data is not inflated by a text encoding); and a frame that is not a peer
 * frame, or lacks what a peer frame must carry, is a PeerFrameError naming what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { warden } from '../../../proto/gen/warden.js';
import { toLong } from '../../../proto/long.js';
import { decodePeerFrame, encodePeerFrame, PeerFrameError, type PeerBody } from '../../../server/cluster/peer-codec.js';
import type { WriteOp } from '../../../server/request/ops.js';
import type { Msg } from '../../../server/zab/types.js';
import { Random } from '../../support/random.js';

const pb = warden.v1;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const BIG_SESSION = 0xff00_0000_0000_0001n;
const BIG_ZXID = (0xffff_fffen << 32n) | 7n;
const acl = [
  { perms: 31, id: { scheme: 'world', id: 'anyone' } },
  { perms: 1, id: { scheme: 'digest', id: 'bob:hash=' } },
];

const WRITES: WriteOp[] = [
  { op: 'create', path: '/a', data: enc('x'), acl, mode: 'persistent', ttlMs: 0 },
  { op: 'create', path: '/a/seq-', data: new Uint8Array(), acl, mode: 'ephemeralSequential', ttlMs: 0 },
  { op: 'create', path: '/c', data: enc('c'), acl, mode: 'container', ttlMs: 0 },
  { op: 'create', path: '/t', data: enc('t'), acl, mode: 'persistentSequentialWithTtl', ttlMs: 2 ** 40 - 1 },
  { op: 'delete', path: '/a', version: -1 },
  { op: 'setData', path: '/a', data: enc('y'), version: 3 },
  { op: 'setACL', path: '/a', acl, version: 2 },
  { op: 'check', path: '/a', version: 0 },
  {
    op: 'multi',
    ops: [
      { op: 'check', path: '/a', version: 1 },
      { op: 'create', path: '/a/b', data: enc('b'), acl, mode: 'ephemeral', ttlMs: 0 },
      { op: 'setData', path: '/a', data: enc('z'), version: -1 },
      { op: 'delete', path: '/a/old', version: 4 },
    ],
  },
  { op: 'multi', ops: [] },
  { op: 'createSession', timeoutMs: 30_000, password: enc('0123456789abcdef') },
  { op: 'closeSession' },
  { op: 'reap', path: '/ttl-node' },
];

/** Bytes come back as Buffers (a Uint8Array): compare contents, not classes. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

const roundTrip = (body: PeerBody): unknown => plain(decodePeerFrame(encodePeerFrame(body)));

describe('peer frames round-trip', () => {
  it.each(WRITES.map((op) => [op.op, op] as const))('a forwarded %s', (_name, op) => {
    const body: PeerBody = {
      kind: 'request',
      req: { kind: 'write', sessionId: BIG_SESSION, cxid: 2 ** 31 + 5, op, auth: [{ scheme: 'ip', id: '127.0.0.1' }, { scheme: 'digest', id: 'bob:hash=' }], clientIp: '::1' },
    };
    expect(roundTrip(body)).toEqual(plain(body));
  });

  it('a forwarded sync, and the answers', () => {
    const bodies: PeerBody[] = [
      { kind: 'request', req: { kind: 'sync', sessionId: BIG_SESSION, cxid: 9 } },
      { kind: 'answer', answer: { kind: 'synced', sessionId: BIG_SESSION, cxid: 9, zxid: BIG_ZXID } },
      { kind: 'answer', answer: { kind: 'failed', sessionId: 5n, cxid: 10, err: -101, message: 'no node /x' } },
      { kind: 'answer', answer: { kind: 'failed', sessionId: 5n, cxid: 11, err: -2, message: 'multi refused', multiCodes: [0, -101, -2] } },
      { kind: 'touch', sessions: [1n, BIG_SESSION] },
      { kind: 'touch', sessions: [] },
      { kind: 'hello', id: 3 },
    ];
    for (const b of bodies) expect(roundTrip(b)).toEqual(plain(b));
  });

  it('Zab messages', () => {
    const msgs: Msg[] = [
      { type: 'vote', round: 4, state: 'looking', vote: { leader: 2, zxid: BIG_ZXID, epoch: 9 } },
      { type: 'proposal', conn: 1, seq: 7, entry: { zxid: BIG_ZXID, data: enc('txn') } },
      { type: 'commit', conn: 1, seq: 8, zxid: BIG_ZXID },
      {
        type: 'sync',
        conn: 2,
        seq: 1,
        epoch: 5,
        mode: 'snap',
        truncZxid: 0n,
        snapshot: { zxid: BIG_ZXID, records: [enc('r1'), enc('r2')] },
        entries: [{ zxid: BIG_ZXID + 1n, data: enc('e') }],
        newLeaderZxid: 5n << 32n,
      },
    ];
    for (const msg of msgs) expect(roundTrip({ kind: 'zab', msg })).toEqual(plain({ kind: 'zab', msg }));
  });

  it('a forwarded write is binary: its data is carried as is, not as text', () => {
    const data = new Uint8Array(4096).map((_, i) => i % 251);
    const bytes = encodePeerFrame({ kind: 'request', req: { kind: 'write', sessionId: 1n, cxid: 1, op: { op: 'setData', path: '/big', data, version: -1 }, auth: [], clientIp: '127.0.0.1' } });
    // base64 alone would be 5464 bytes; the frame is the data plus a few dozen bytes of fields
    expect(bytes.length).toBeLessThan(data.length + 64);
    expect(Buffer.from(bytes).includes(Buffer.from(data))).toBe(true);
  });
});

describe('malformed peer frames', () => {
  const frame = (f: warden.v1.PeerFrame.$Properties): Uint8Array => pb.PeerFrame.encode(f).finish();
  const fails = (bytes: Uint8Array, why: RegExp): void => {
    let err: unknown;
    try {
      decodePeerFrame(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PeerFrameError);
    expect((err as Error).message).toMatch(why);
  };

  it('bytes that are not a PeerFrame', () => {
    fails(new Uint8Array([0x22, 0xff, 0xff, 0xff, 0x0f, 1, 2]), /malformed peer frame/);
    const good = encodePeerFrame({ kind: 'request', req: { kind: 'write', sessionId: 1n, cxid: 1, op: WRITES[0]!, auth: [], clientIp: '' } });
    fails(good.subarray(0, good.length - 3), /malformed peer frame/);
  });

  it('a frame without a body', () => {
    fails(new Uint8Array(), /no body/);
  });

  it('a forwarded write without an op', () => {
    fails(frame({ write: { sessionId: toLong(1n), cxid: toLong(1n, false) } }), /forwarded write without an op/);
  });

  it('a forwarded create with an unknown mode', () => {
    fails(frame({ write: { sessionId: toLong(1n), create: { path: '/a', mode: 99 as warden.v1.CreateMode } } }), /unknown mode 99/);
  });

  it('a forwarded multi with an empty op', () => {
    fails(frame({ write: { sessionId: toLong(1n), multi: { ops: [{ check: { path: '/a' } }, {}] } } }), /multi: op 1 is none of/);
  });

  it('a Zab message of an unknown type, or missing what its type needs', () => {
    fails(frame({ zab: { type: 'gossip' } }), /unknown zab message type "gossip"/);
    fails(frame({ zab: { type: 'proposal', seq: 1 } }), /entry missing/);
    fails(frame({ zab: { type: 'sync', mode: 'snap' } }), /SNAP without a snapshot/);
  });

  it('damaged frames (bytes flipped, cut short, spliced) decode or fail as PeerFrameError, never otherwise', () => {
    const r = new Random(20261125);
    const valid = [
      ...WRITES.map((op) => encodePeerFrame({ kind: 'request', req: { kind: 'write', sessionId: BIG_SESSION, cxid: 7, op, auth: [{ scheme: 'ip', id: '::1' }], clientIp: '::1' } })),
      encodePeerFrame({ kind: 'answer', answer: { kind: 'failed', sessionId: 5n, cxid: 11, err: -2, message: 'multi refused', multiCodes: [0, -101] } }),
      encodePeerFrame({ kind: 'touch', sessions: [1n, BIG_SESSION] }),
      encodePeerFrame({ kind: 'zab', msg: { type: 'proposal', conn: 1, seq: 7, entry: { zxid: BIG_ZXID, data: enc('txn') } } }),
    ];
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const bytes = Uint8Array.from(r.pick(valid));
      switch (r.int(0, 2)) {
        case 0:
          for (let k = r.int(1, 4); k > 0; k--) bytes[r.int(0, bytes.length - 1)] = r.int(0, 255);
          break;
        case 1:
          bytes.fill(r.int(0, 255), r.int(0, bytes.length - 1));
          break;
        default: {
          const piece = r.pick(valid).subarray(0, r.int(1, bytes.length));
          bytes.set(piece, r.int(0, bytes.length - piece.length));
        }
      }
      try {
        decodePeerFrame(bytes.subarray(0, r.chance(0.3) ? r.int(0, bytes.length) : bytes.length));
      } catch (e) {
        if (!(e instanceof PeerFrameError)) throw new Error(`iteration ${i}: ${String(e)}`, { cause: e });
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});
