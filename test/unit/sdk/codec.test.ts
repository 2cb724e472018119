/**
 * Goal: what the SDK encodes is what the server decodes, and back (the two codecs are
 * written separately against one .proto; this checks they agree).
 */
import { describe, expect, it } from 'vitest';
import { decodeClientFrame, encodeServerFrame } from '../../../server/rpc/codec.js';
import { decodeServerFrame, decodeStat, encodeClose, encodeConnect, encodePing, encodeRequest, encodeSetWatches, ProtocolError } from '../../../sdk/codec.js';

const bytes = (s: string): Uint8Array => Buffer.from(s);

describe('sdk codec against the server codec', () => {
  it('encodes requests the server understands', () => {
    expect(decodeClientFrame(encodeRequest(7, { op: 'create', path: '/a', data: bytes('x'), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], mode: 'persistentSequentialWithTtl', ttlMs: 5000 }))).toEqual({
      kind: 'request',
      xid: 7,
      op: { op: 'create', path: '/a', data: bytes('x'), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], mode: 'persistentSequentialWithTtl', ttlMs: 5000 },
    });
    expect(decodeClientFrame(encodeRequest(1, { op: 'delete', path: '/a', version: -1 }))).toMatchObject({ xid: 1, op: { op: 'delete', path: '/a', version: -1 } });
    expect(decodeClientFrame(encodeRequest(2, { op: 'getData', path: '/a', watch: true }))).toMatchObject({ op: { op: 'getData', path: '/a', watch: true } });
    expect(decodeClientFrame(encodeRequest(3, { op: 'removeWatches', path: '/a', type: 'persistentRecursive' }))).toMatchObject({ op: { op: 'removeWatches', kind: 'persistentRecursive' } });
    expect(decodeClientFrame(encodeRequest(4, { op: 'addWatch', path: '/a', mode: 'persistent' }))).toMatchObject({ op: { op: 'addWatch', mode: 'persistent' } });
    expect(decodeClientFrame(encodeRequest(5, { op: 'multi', ops: [{ op: 'check', path: '/a', version: 3 }, { op: 'setData', path: '/b', data: bytes('y'), version: -1 }] }))).toMatchObject({
      op: { op: 'multi', ops: [{ op: 'check', path: '/a', version: 3 }, { op: 'setData', path: '/b', version: -1 }] },
    });
    expect(decodeClientFrame(encodeRequest(6, { op: 'multiRead', ops: [{ op: 'getChildren', path: '/' }] }))).toMatchObject({ op: { op: 'multiRead', ops: [{ op: 'getChildren', path: '/' }] } });
    expect(decodeClientFrame(encodeRequest(8, { op: 'getACL', path: '/a' }))).toMatchObject({ op: { op: 'getACL', path: '/a' } });
    expect(decodeClientFrame(encodeRequest(9, { op: 'whoAmI' }))).toMatchObject({ op: { op: 'whoAmI' } });
  });

  it('encodes the session frames', () => {
    expect(decodeClientFrame(encodeConnect({ sessionId: 0x1234_5678_9abc_def0n, password: bytes('pw'), timeoutMs: 4000, lastZxidSeen: 0x1_0000_0005n, readOnly: false }))).toEqual({
      kind: 'connect',
      sessionId: 0x1234_5678_9abc_def0n,
      password: bytes('pw'),
      timeoutMs: 4000,
      lastZxidSeen: 0x1_0000_0005n,
      readOnly: false,
      frameBatches: true,
    });
    expect(decodeClientFrame(encodePing(9n))).toEqual({ kind: 'ping', nonce: 9n });
    expect(decodeClientFrame(encodeClose(11))).toEqual({ kind: 'close', xid: 11 });
    expect(decodeClientFrame(encodeSetWatches(12, 0x2_0000_0001n, { data: ['/d'], exist: ['/e'], child: ['/c'], persistent: ['/p'], persistentRecursive: ['/r'] }))).toEqual({
      kind: 'setWatches',
      xid: 12,
      op: { op: 'setWatches', relativeZxid: 0x2_0000_0001n, data: ['/d'], exist: ['/e'], child: ['/c'], persistent: ['/p'], persistentRecursive: ['/r'] },
    });
  });

  it('decodes what the server sends', () => {
    const stat = { czxid: 1n, mzxid: 2n, ctime: 3, mtime: 4, version: 5, cversion: 6, aversion: 7, ephemeralOwner: 0xffff_ffff_ffff_fff0n, dataLength: 9, numChildren: 10, pzxid: 11n };
    const resp = decodeServerFrame(encodeServerFrame({ kind: 'response', xid: 3, zxid: 0x1_0000_0002n, err: 0, message: '', body: { kind: 'op', result: { type: 'create', path: '/a0000000001', stat } } }));
    expect(resp.kind).toBe('response');
    if (resp.kind !== 'response') return;
    expect(resp.xid).toBe(3);
    expect(resp.zxid).toBe(0x1_0000_0002n);
    expect(resp.body.create?.path).toBe('/a0000000001');
    expect(decodeStat(resp.body.create?.stat)).toEqual(stat);
    expect(decodeServerFrame(encodeServerFrame({ kind: 'event', type: 'resync', path: '/p', zxid: 5n }))).toEqual({ kind: 'event', type: 'Resync', path: '/p', zxid: 5n });
    expect(decodeServerFrame(encodeServerFrame({ kind: 'event', type: 'childrenChanged', path: '/p', zxid: 6n }))).toMatchObject({ type: 'NodeChildrenChanged' });
    expect(decodeServerFrame(encodeServerFrame({ kind: 'pong', nonce: 4n, zxid: 7n }))).toEqual({ kind: 'pong', nonce: 4n, zxid: 7n });
    expect(decodeServerFrame(encodeServerFrame({ kind: 'closed', err: -112, message: 'gone' }))).toEqual({ kind: 'closed', err: -112, message: 'gone' });
    expect(decodeServerFrame(encodeServerFrame({ kind: 'connected', sessionId: 42n, password: bytes('p'), timeoutMs: 4000, zxid: 9n }))).toMatchObject({ kind: 'connected', sessionId: 42n, timeoutMs: 4000, lastZxid: 9n });
  });

  it('rejects bytes that are no server frame', () => {
    expect(() => decodeServerFrame(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(ProtocolError);
    expect(() => decodeServerFrame(new Uint8Array(0))).toThrow(ProtocolError);
  });
});
