/**
 * The Admin gRPC service: what a server is (mode, zxid, epoch, peers) for `warden status`
 * and operators. Read-only; the numbers come from a snapshot function the runtime passes.
 */
import * as grpc from '@grpc/grpc-js';
import { warden } from '../../proto/gen/warden.js';
import { toLong, numberToLong } from '../../proto/long.js';
import { epochOf, type Zxid } from '../base/zxid.js';

const pb = warden.v1;

export interface ServerStatus {
  /** 'read-only': no quorum, serving reads in read-only mode (as ZooKeeper's `srvr` says) */
  mode: 'standalone' | 'leader' | 'follower' | 'observer' | 'looking' | 'read-only';
  serverId: number;
  lastZxid: Zxid;
  /** the server's currentEpoch (Zab); when absent, the epoch of lastZxid */
  epoch?: number;
  clientPort: number;
  znodeCount: number;
  sessionCount: number;
  watchCount: number;
  outstandingRequests: number;
  peers: Array<{ id: number; address: string; role: 'participant' | 'observer' }>;
  version: string;
}

export const ADMIN_SERVICE_NAME = 'warden.v1.Admin';

export const adminServiceDefinition: grpc.ServiceDefinition = {
  Status: {
    path: `/${ADMIN_SERVICE_NAME}/Status`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (m: warden.v1.StatusRequest.$Properties) => Buffer.from(pb.StatusRequest.encode(m).finish()),
    requestDeserialize: (b: Buffer) => pb.StatusRequest.decode(b),
    responseSerialize: (m: warden.v1.StatusResponse.$Properties) => Buffer.from(pb.StatusResponse.encode(m).finish()),
    responseDeserialize: (b: Buffer) => pb.StatusResponse.decode(b),
  },
};

export function createAdminHandlers(status: () => ServerStatus): grpc.UntypedServiceImplementation {
  const Status: grpc.handleUnaryCall<warden.v1.StatusRequest, warden.v1.StatusResponse.$Properties> = (_call, callback) => {
    const s = status();
    callback(null, {
      mode: s.mode,
      serverId: s.serverId,
      lastZxid: toLong(s.lastZxid),
      epoch: s.epoch ?? epochOf(s.lastZxid),
      clientPort: s.clientPort,
      znodeCount: numberToLong(s.znodeCount),
      sessionCount: numberToLong(s.sessionCount),
      watchCount: numberToLong(s.watchCount),
      outstandingRequests: numberToLong(s.outstandingRequests),
      peers: s.peers,
      version: s.version,
    });
  };
  return { Status };
}
