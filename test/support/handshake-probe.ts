/**
 * One Session-stream handshake and nothing else, to see what a server answers to a given
 * connect request (new or resumed session, last zxid seen) without the SDK's retries
 * hiding it. The stream is closed right after the answer: an accepted resume moves the
 * session onto this probe, so probe a live client's session only where a refusal is
 * expected.
 *
 * @example
 * const answer = await probeHandshake(server.address, { sessionId: c.sessionId, password: c.sessionPassword, lastZxidSeen: c.lastZxid });
 * expect(answer).toMatchObject({ kind: 'refused', err: Code.SERVERBEHIND });
 */
import * as grpc from '@grpc/grpc-js';
import { warden } from '../../proto/gen/warden.js';
import { fromLong, toLong } from '../../proto/long.js';

const pb = warden.v1;
const identity = (b: Buffer): Buffer => b;

export interface HandshakeSpec {
  /** 0n asks for a new session. @default 0n */
  sessionId?: bigint;
  password?: Uint8Array;
  /** @default 0n */
  lastZxidSeen?: bigint;
  /** @default 4000 */
  timeoutMs?: number;
}

export type HandshakeAnswer = { kind: 'connected'; sessionId: bigint; zxid: bigint } | { kind: 'refused'; err: number; message: string };

export async function probeHandshake(address: string, spec: HandshakeSpec = {}, deadlineMs = 10_000): Promise<HandshakeAnswer> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  const call = client.makeBidiStreamRequest('/warden.v1.Warden/Session', identity, identity);
  try {
    return await new Promise<HandshakeAnswer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no handshake answer from ${address} within ${deadlineMs} ms`)), deadlineMs);
      const settle = (a: HandshakeAnswer | Error): void => {
        clearTimeout(timer);
        if (a instanceof Error) reject(a);
        else resolve(a);
      };
      call.on('data', (bytes: Buffer) => {
        const f = pb.ServerFrame.decode(bytes);
        if (f.connected) settle({ kind: 'connected', sessionId: fromLong(f.connected.sessionId), zxid: fromLong(f.connected.lastZxid) });
        else if (f.closed) settle({ kind: 'refused', err: f.closed.err ?? 0, message: f.closed.message ?? '' });
      });
      call.on('error', (e: Error) => settle(e));
      call.write(
        Buffer.from(
          pb.ClientFrame.encode({
            connect: {
              sessionId: toLong(spec.sessionId ?? 0n),
              password: spec.password ?? new Uint8Array(),
              timeoutMs: spec.timeoutMs ?? 4000,
              lastZxidSeen: toLong(spec.lastZxidSeen ?? 0n),
            },
          }).finish(),
        ),
      );
    });
  } finally {
    call.cancel();
    client.close();
  }
}
