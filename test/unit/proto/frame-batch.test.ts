/**
 * Goal: frames queued in one turn leave as one message that both codecs read back as the
 * same frames in the same order; batches stay within their byte limit; a lone frame and a
 * peer that takes no batches get plain frames, readable by any client or server.
 */
import Long from 'long';
import { describe, expect, it } from 'vitest';
import { encodeFrameBatch, FrameBatcher } from '../../../proto/frame-batch.js';
import { decodeClientFrame, decodeClientFrames, encodeServerFrame, FrameError } from '../../../server/rpc/codec.js';
import { decodeServerFrame, decodeServerFrames, encodeClose, encodePing, encodeRequest, ProtocolError } from '../../../sdk/codec.js';
import { warden } from '../../../proto/gen/warden.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('frame batches', () => {
  it('carry client frames to the server in order, each decoded as if sent alone', () => {
    const frames = [encodeRequest(1, { op: 'getData', path: '/a', watch: true }), encodePing(2n), encodeRequest(3, { op: 'delete', path: '/b', version: -1 }), encodeClose(4)];
    const decoded = decodeClientFrames(encodeFrameBatch(frames));
    expect(decoded).toEqual(frames.map((f) => decodeClientFrame(f)));
    // The generated protobuf code reads the same bytes as a ClientFrame with a batch.
    expect(warden.v1.ClientFrame.decode(encodeFrameBatch(frames)).batch?.frames).toHaveLength(4);
  });

  it('carry server frames to the client in order; an event stays ahead of the response after it', () => {
    const frames = [
      encodeServerFrame({ kind: 'event', type: 'dataChanged', path: '/a', zxid: 5n }),
      encodeServerFrame({ kind: 'response', xid: 7, zxid: 5n, err: 0, message: '', body: { kind: 'empty' } }),
      encodeServerFrame({ kind: 'pong', nonce: 1n, zxid: 5n }),
    ];
    const decoded = decodeServerFrames(encodeFrameBatch(frames));
    expect(decoded.map((m) => m.kind)).toEqual(['event', 'response', 'pong']);
    expect(decoded).toEqual(frames.map((f) => decodeServerFrame(f)));
  });

  it('a bad request inside a batch is answered in its place; the frames around it still count', () => {
    const bad = warden.v1.ClientFrame.encode({ request: { xid: Long.fromNumber(8), create: { path: '/x', mode: 99 as warden.v1.CreateMode } } }).finish(); // 99: no such mode
    const decoded = decodeClientFrames(encodeFrameBatch([encodePing(1n), bad, encodeClose(9)]));
    expect(decoded[0]).toEqual({ kind: 'ping', nonce: 1n });
    expect(decoded[1]).toBeInstanceOf(FrameError);
    expect((decoded[1] as FrameError).xid).toBe(8);
    expect(decoded[2]).toEqual({ kind: 'close', xid: 9 });
  });

  it('refuses nested batches and a batch where one frame is expected', () => {
    const nested = encodeFrameBatch([encodeFrameBatch([encodePing(1n), encodePing(2n)]), encodePing(3n)]);
    const decoded = decodeClientFrames(nested);
    expect(decoded[0]).toBeInstanceOf(FrameError);
    expect(decoded[1]).toEqual({ kind: 'ping', nonce: 3n });
    expect(() => decodeServerFrames(nested)).toThrow(ProtocolError);
    expect(() => decodeClientFrame(encodeFrameBatch([encodePing(1n), encodePing(2n)]))).toThrow(FrameError);
  });

  it('queues the frames of one turn into one message, in order', async () => {
    const written: Uint8Array[] = [];
    const out = new FrameBatcher((m) => written.push(m), 1 << 20, 'turn');
    for (let i = 1; i <= 50; i++) out.push(encodePing(BigInt(i)));
    expect(written).toHaveLength(0);
    expect(out.queued).toBe(50);
    await nextTurn();
    expect(written).toHaveLength(1);
    expect(decodeClientFrames(written[0]!).map((f) => (f as { nonce: bigint }).nonce)).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i + 1)));
    // A lone frame leaves as itself, unwrapped.
    out.push(encodePing(51n));
    await nextTurn();
    expect(written[1]).toEqual(encodePing(51n));
  });

  it("with 'callback', what one callback queued leaves when its microtasks run", async () => {
    const written: Uint8Array[] = [];
    const out = new FrameBatcher((m) => written.push(m), 1 << 20, 'callback');
    out.push(encodePing(1n));
    out.push(encodePing(2n));
    expect(written).toHaveLength(0);
    await Promise.resolve();
    expect(written).toHaveLength(1);
    expect(decodeClientFrames(written[0]!)).toEqual([{ kind: 'ping', nonce: 1n }, { kind: 'ping', nonce: 2n }]);
  });

  it('never writes a batch over its byte limit; a frame over it alone leaves by itself', () => {
    const written: Uint8Array[] = [];
    const limit = 1000;
    const out = new FrameBatcher((m) => written.push(m), limit, 'turn');
    const data = Buffer.alloc(300, 1);
    const small = Array.from({ length: 10 }, (_, i) => encodeRequest(i + 1, { op: 'setData', path: '/n', data, version: -1 }));
    const big = encodeRequest(99, { op: 'setData', path: '/n', data: Buffer.alloc(2000, 2), version: -1 });
    for (const f of [...small.slice(0, 5), big, ...small.slice(5)]) out.push(f);
    out.flush();
    expect(out.queued).toBe(0);
    const xids = written.flatMap((m) => decodeClientFrames(m).map((f) => (f as { xid: number }).xid));
    expect(xids).toEqual([1, 2, 3, 4, 5, 99, 6, 7, 8, 9, 10]);
    for (const m of written) if (m !== big) expect(m.byteLength).toBeLessThanOrEqual(limit);
    expect(written).toContain(big);
    expect(written.length).toBeGreaterThan(3);
  });

  it('without a limit (the peer takes no batches) writes every frame at once, unwrapped', () => {
    const written: Uint8Array[] = [];
    const out = new FrameBatcher((m) => written.push(m), 0, 'turn');
    out.push(encodePing(1n));
    out.push(encodePing(2n));
    expect(written).toEqual([encodePing(1n), encodePing(2n)]);
  });

  it('drop() forgets what is queued; nothing leaves afterwards', async () => {
    const written: Uint8Array[] = [];
    const out = new FrameBatcher((m) => written.push(m), 1 << 20, 'turn');
    out.push(encodePing(1n));
    out.drop();
    await nextTurn();
    expect(written).toHaveLength(0);
  });
});
