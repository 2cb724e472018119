/**
 * A bare Session-stream client for the operations tests: connect, create, getData with a
 * watch, close; nothing else. It lets the admin and metrics tests put load on a server
 * without the SDK (and checks the numbers the server reports, not the SDK's behaviour).
 */
import Long from 'long';
import * as grpc from '@grpc/grpc-js';
import { warden } from '../../proto/gen/warden.js';

const pb = warden.v1;
const identity = (b: Buffer): Buffer => b;

export interface RawSession {
  sessionId: bigint;
  /** resolves to the response's err code (0 = OK) */
  create(path: string, opts?: { ephemeral?: boolean; data?: string; acl?: Array<{ perms: number; scheme: string; id: string }> }): Promise<number>;
  getData(path: string, watch: boolean): Promise<number>;
  close(): Promise<void>;
}

export async function rawSession(address: string, opts: { credentials?: grpc.ChannelCredentials; timeoutMs?: number } = {}): Promise<RawSession> {
  const client = new grpc.Client(address, opts.credentials ?? grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest('/warden.v1.Warden/Session', identity, identity);
  const waiting = new Map<number, (err: number) => void>();
  let onConnected: ((id: bigint) => void) | undefined;
  let onFailed: ((e: Error) => void) | undefined;
  call.on('data', (bytes: Buffer) => {
    const f = pb.ServerFrame.decode(bytes);
    if (f.connected) onConnected?.(BigInt(f.connected.sessionId?.toString() ?? '0'));
    if (f.closed && f.closed.err !== 0) onFailed?.(new Error(`closed: ${f.closed.err} ${f.closed.message}`));
    if (f.response) {
      const xid = Number(f.response.xid);
      waiting.get(xid)?.(f.response.err ?? 0);
      waiting.delete(xid);
    }
  });
  call.on('error', (e: Error) => onFailed?.(e));
  const send = (frame: warden.v1.IClientFrame): void => {
    call.write(Buffer.from(pb.ClientFrame.encode(frame).finish()));
  };
  const sessionId = await new Promise<bigint>((resolve, reject) => {
    onConnected = resolve;
    onFailed = reject;
    send({ connect: { sessionId: Long.ZERO, timeoutMs: opts.timeoutMs ?? 4000 } });
  });
  let xid = 0;
  const request = (op: Omit<warden.v1.IRequest, 'xid'>): Promise<number> =>
    new Promise<number>((resolve) => {
      xid++;
      waiting.set(xid, resolve);
      send({ request: { xid: Long.fromNumber(xid), ...op } });
    });
  return {
    sessionId,
    create: (path, o = {}) =>
      request({
        create: {
          path,
          data: Buffer.from(o.data ?? ''),
          acl: (o.acl ?? [{ perms: 31, scheme: 'world', id: 'anyone' }]).map((a) => ({ perms: a.perms, id: { scheme: a.scheme, id: a.id } })),
          mode: o.ephemeral ? pb.CreateMode.CREATE_MODE_EPHEMERAL : pb.CreateMode.CREATE_MODE_PERSISTENT,
        },
      }),
    getData: (path, watch) => request({ getData: { path, watch } }),
    close: async () => {
      xid++;
      const done = new Promise<void>((resolve) => call.on('end', () => resolve()));
      send({ close: { xid: Long.fromNumber(xid) } });
      await Promise.race([done, new Promise<void>((r) => call.on('close', () => r()))]);
      call.end();
      client.close();
    },
  };
}
