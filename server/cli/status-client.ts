/**
 * Asks a server what it is, over the Admin gRPC service on its client port (always there,
 * unlike the optional admin HTTP server). Used by `warden status` and the tests.
 */
import * as grpc from '@grpc/grpc-js';
import type { warden } from '../../proto/gen/warden.js';
import { fromLong } from '../../proto/long.js';
import { adminServiceDefinition } from '../rpc/admin-service.js';

export interface StatusReply {
  mode: string;
  serverId: number;
  lastZxid: bigint;
  epoch: number;
  clientPort: number;
  znodeCount: number;
  sessionCount: number;
  watchCount: number;
  outstandingRequests: number;
  version: string;
  peers: Array<{ id: number; address: string; role: string }>;
}

export interface StatusTarget {
  host: string;
  port: number;
  /** PEM material for a TLS port */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

export function fetchStatus(target: StatusTarget, timeoutMs = 5000): Promise<StatusReply> {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const creds = target.tls ? grpc.credentials.createSsl(target.tls.ca ?? null, target.tls.key ?? null, target.tls.cert ?? null) : grpc.credentials.createInsecure();
  const client = new grpc.Client(`${host}:${target.port}`, creds);
  const def = adminServiceDefinition.Status!;
  return new Promise<StatusReply>((resolve, reject) => {
    client.makeUnaryRequest(
      def.path,
      def.requestSerialize,
      def.responseDeserialize as (b: Buffer) => warden.v1.StatusResponse,
      {},
      { deadline: Date.now() + timeoutMs },
      (err, res) => {
        client.close();
        if (err || !res) {
          reject(err ?? new Error('empty status reply'));
          return;
        }
        resolve({
          mode: res.mode,
          serverId: res.serverId,
          lastZxid: fromLong(res.lastZxid),
          epoch: res.epoch,
          clientPort: res.clientPort,
          znodeCount: Number(fromLong(res.znodeCount)),
          sessionCount: Number(fromLong(res.sessionCount)),
          watchCount: Number(fromLong(res.watchCount)),
          outstandingRequests: Number(fromLong(res.outstandingRequests)),
          version: res.version,
          peers: (res.peers ?? []).map((p) => ({ id: p.id ?? 0, address: p.address ?? '', role: p.role ?? '' })),
        });
      },
    );
  });
}
