/**
 * Goal: every txn kind survives encode -> decode unchanged (the log and, later, the leader
 * send these bytes), including 64-bit values beyond a JS number, and malformed bytes give a
 * TxnDecodeError rather than a half-decoded txn.
 */
import { describe, expect, it } from 'vitest';
import { decodeTxnEntry, encodeTxnEntry, TxnDecodeError } from '../../../server/tree/txn-codec.js';
import type { Txn, TxnEntry } from '../../../server/tree/types.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const acl = [
  { perms: 31, id: { scheme: 'world', id: 'anyone' } },
  { perms: 1, id: { scheme: 'ip', id: '10.0.0.0/8' } },
];

const create = (kind: 'persistent' | 'ephemeral' | 'container' | 'ttl'): Txn => ({
  type: 'create',
  path: `/n-${kind}/0000000007`,
  data: enc(`data of ${kind}`),
  acl,
  kind,
  ephemeralOwner: kind === 'ephemeral' ? 0xff00_0000_0000_0001n : 0n,
  parentCVersion: 8,
  ttlMs: kind === 'ttl' ? 2 ** 40 - 1 : 0,
});

const TXNS: Txn[] = [
  create('persistent'),
  create('ephemeral'),
  create('container'),
  create('ttl'),
  { type: 'create', path: '/empty', data: new Uint8Array(0), acl, kind: 'persistent', ephemeralOwner: 0n, parentCVersion: -1, ttlMs: 0 },
  { type: 'delete', path: '/a/b' },
  { type: 'setData', path: '/a', data: enc('x'.repeat(1000)), version: 2147483647 },
  { type: 'setACL', path: '/a', acl, aversion: 3 },
  { type: 'check', path: '/a', version: -1 },
  { type: 'error', err: -101 },
  { type: 'createSession', timeoutMs: 30_000, password: enc('0123456789abcdef') },
  { type: 'closeSession' },
  { type: 'multi', txns: [create('persistent'), { type: 'setData', path: '/a', data: enc('v'), version: 1 }, { type: 'check', path: '/a', version: 1 }, { type: 'delete', path: '/b' }] },
  { type: 'multi', txns: [{ type: 'error', err: 0 }, { type: 'error', err: -103 }] },
  { type: 'multi', txns: [] },
];

/** Decoded bytes may come back as Buffer; compare contents, not classes. */
function normalise(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  return v;
}

describe('txn codec', () => {
  it.each(TXNS.map((t, i) => [`${i} ${t.type}`, t] as const))('round trips %s', (_name, txn) => {
    const entry: TxnEntry = { header: { sessionId: 0xabcd_ef01_2345_6789n, cxid: 2147483647, zxid: (0xffff_fffen << 32n) | 0xffff_ffffn, timeMs: 1_900_000_000_000 }, txn };
    const back = decodeTxnEntry(encodeTxnEntry(entry));
    expect(normalise(back)).toEqual(normalise(entry));
  });

  it('keeps a negative cxid (ZooKeeper uses -1, -2 for server requests)', () => {
    const entry: TxnEntry = { header: { sessionId: 0n, cxid: -2, zxid: 1n, timeMs: 0 }, txn: { type: 'closeSession' } };
    expect(decodeTxnEntry(encodeTxnEntry(entry)).header.cxid).toBe(-2);
  });

  it('refuses bytes that are not a txn entry', () => {
    expect(() => decodeTxnEntry(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow(TxnDecodeError);
    expect(() => decodeTxnEntry(new Uint8Array(0))).toThrow(/lacks a header or a txn/);
    const whole = encodeTxnEntry({ header: { sessionId: 1n, cxid: 1, zxid: 1n, timeMs: 1 }, txn: { type: 'delete', path: '/x' } });
    expect(() => decodeTxnEntry(whole.subarray(0, whole.length - 2))).toThrow(TxnDecodeError);
  });
});
