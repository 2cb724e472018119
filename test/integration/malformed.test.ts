/**
 * Goal: bad input on the wire never crashes the server. A raw gRPC client sends what the
 * SDK never would: garbage bytes, requests before the handshake, a request with no op,
 * an unknown enum, an oversized frame, an unknown method. Each gets an error reply or a
 * closed stream, and the server keeps serving a normal client afterwards.
 */
import * as grpc from '@grpc/grpc-js';
import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warden } from '../../proto/gen/warden.js';
import { Code } from '../../proto/codes.js';
import { decodeServerFrames, encodeConnect, encodePing, type ServerMessage } from '../../sdk/codec.js';
import { closeAllClients, killAllServers, openClient, removeTempDirs, startStandalone, waitFor, type Standalone } from '../support/index.js';

let srv: Standalone;
const channels: grpc.Client[] = [];

beforeAll(async () => {
  srv = await startStandalone();
});
afterAll(async () => {
  for (const c of channels) c.close();
  await closeAllClients();
  await killAllServers();
  removeTempDirs();
});

const identity = (b: Buffer): Buffer => b;

interface RawStream {
  send(bytes: Uint8Array): void;
  frames: ServerMessage[];
  undecodable: number;
  ended: Promise<{ code: number; details: string }>;
}

function raw(method = '/warden.v1.Warden/Session'): RawStream {
  const channel = new grpc.Client(srv.server.address, grpc.credentials.createInsecure());
  channels.push(channel);
  const call = channel.makeBidiStreamRequest(method, identity, identity);
  const out: RawStream = {
    send: (bytes) => call.write(Buffer.from(bytes)),
    frames: [],
    undecodable: 0,
    ended: new Promise((resolve) => {
      call.on('status', (s: grpc.StatusObject) => resolve({ code: s.code, details: s.details }));
    }),
  };
  call.on('data', (b: Buffer) => {
    try {
      out.frames.push(...decodeServerFrames(b));
    } catch {
      out.undecodable++;
    }
  });
  call.on('error', () => {});
  return out;
}

const connectFrame = (): Uint8Array => encodeConnect({ sessionId: 0n, password: new Uint8Array(0), timeoutMs: 4000, lastZxidSeen: 0n, readOnly: false });

async function handshaken(): Promise<RawStream> {
  const s = raw();
  s.send(connectFrame());
  await waitFor(() => s.frames.some((f) => f.kind === 'connected'), { what: 'handshake' });
  return s;
}

async function serverStillServes(): Promise<void> {
  const c = await openClient(srv.server.address);
  await c.create(`/alive-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  await c.close();
}

describe('malformed input', () => {
  it('garbage as the first frame closes that stream only', async () => {
    const s = raw();
    s.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
    await s.ended;
    expect(s.frames).toEqual([expect.objectContaining({ kind: 'closed', err: Code.MARSHALLINGERROR })]);
    await serverStillServes();
  });

  it('a request before the handshake closes the stream', async () => {
    const s = raw();
    s.send(encodePing(1n));
    await s.ended;
    expect(s.frames[0]).toMatchObject({ kind: 'closed', err: Code.MARSHALLINGERROR });
    await serverStillServes();
  });

  it('a request with no op gets UNIMPLEMENTED in its place; the stream stays usable', async () => {
    const s = await handshaken();
    s.send(warden.v1.ClientFrame.encode({ request: { xid: Long.fromNumber(41) } }).finish());
    s.send(warden.v1.ClientFrame.encode({ request: { xid: Long.fromNumber(42), removeWatches: { path: '/', type: 77 as warden.v1.WatcherType } } }).finish());
    s.send(warden.v1.ClientFrame.encode({ request: { xid: Long.fromNumber(43), create: { path: '/bad-mode', mode: 99 as warden.v1.CreateMode } } }).finish());
    s.send(encodePing(7n));
    await waitFor(() => s.frames.some((f) => f.kind === 'pong'), { what: 'pong after the bad requests' });
    const responses = s.frames.filter((f): f is Extract<ServerMessage, { kind: 'response' }> => f.kind === 'response');
    expect(responses.map((r) => [r.xid, r.err])).toEqual([
      [41, Code.UNIMPLEMENTED],
      [42, Code.BADARGUMENTS],
      [43, Code.BADARGUMENTS],
    ]);
    await serverStillServes();
  });

  it('garbage after the handshake closes the stream, not the server', async () => {
    const s = await handshaken();
    s.send(Buffer.from('this is not protobuf at all, just text'));
    await s.ended;
    expect(s.frames.at(-1)).toMatchObject({ kind: 'closed' });
    await serverStillServes();
  });

  it('a second connect on an attached stream is refused in order', async () => {
    const s = await handshaken();
    s.send(connectFrame());
    s.send(encodePing(9n));
    await waitFor(() => s.frames.some((f) => f.kind === 'pong'), { what: 'pong' });
    expect(s.frames.some((f) => f.kind === 'response' && f.err === Code.MARSHALLINGERROR)).toBe(true);
  });

  it('an oversized frame is refused by gRPC, and the server lives', async () => {
    const s = await handshaken();
    s.send(Buffer.alloc(5 * 1024 * 1024, 1));
    const end = await s.ended;
    expect(end.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    await serverStillServes();
  });

  it('an unknown method is UNIMPLEMENTED', async () => {
    const s = raw('/warden.v1.Warden/NoSuchMethod');
    s.send(Buffer.from([1, 2, 3]));
    expect((await s.ended).code).toBe(grpc.status.UNIMPLEMENTED);
    await serverStillServes();
  });

  it('many streams dropped mid-handshake leave the server serving', async () => {
    for (let i = 0; i < 20; i++) {
      const channel = new grpc.Client(srv.server.address, grpc.credentials.createInsecure());
      const call = channel.makeBidiStreamRequest('/warden.v1.Warden/Session', identity, identity);
      call.on('error', () => {});
      call.write(Buffer.from(connectFrame()));
      call.cancel();
      channel.close();
    }
    await serverStillServes();
    expect(srv.server.running).toBe(true);
  });
});
