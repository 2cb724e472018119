/**
 * Launching Warden servers for the benchmark (`node bin/warden.js start --foreground --config`: the process we
 * hold is the server itself, for kill -9 and RSS), and
 * asking each what it is through its Admin gRPC service (standalone, leader, follower...).
 */
import * as grpc from '@grpc/grpc-js';
import { join } from 'node:path';
import { adminServiceDefinition } from '../../server/rpc/admin-service.js';
import type { warden } from '../../proto/gen/warden.js';
import type { Launcher, Member, Mode } from './cluster.js';
import { Proc } from './proc.js';
import { REPO } from './repo.js';

const MODES: ReadonlySet<string> = new Set(['standalone', 'leader', 'follower', 'observer', 'looking']);

const AdminClient = grpc.makeGenericClientConstructor(adminServiceDefinition, 'Admin');

/**
 * The probe polls every 20 ms, like ZooKeeper's (a new TCP connection per `srvr`). grpc-js
 * would otherwise wait out its reconnect backoff (1 s, then 1.6 s, ...) after a refused
 * connection, so a server that starts in 1.1 s was reported serving at about 2.6 s.
 */
const PROBE_CHANNEL_OPTIONS: grpc.ChannelOptions = { 'grpc.initial_reconnect_backoff_ms': 20, 'grpc.max_reconnect_backoff_ms': 20 };

export function wardenLauncher(nodeArgs: readonly string[] = []): Launcher {
  const clients = new Map<string, grpc.Client>();
  const clientFor = (m: Member): grpc.Client => {
    const key = `${m.host}:${m.clientPort}`;
    let c = clients.get(key);
    if (!c) {
      c = new AdminClient(key, grpc.credentials.createInsecure(), PROBE_CHANNEL_OPTIONS);
      clients.set(key, c);
    }
    return c;
  };
  return {
    extraCfg: {},
    proc: ({ id, dir, cfgFile }) =>
      new Proc({
        name: `warden-${id}`,
        command: process.execPath,
        args: [...nodeArgs, join(REPO, 'bin', 'warden.js'), 'start', '--foreground', '--config', cfgFile],
        cwd: REPO,
        env: { WARDEN_LOG_LEVEL: 'warn' },
        logFile: join(dir, 'server.log'),
      }),
    mode: (m) =>
      new Promise<Mode>((resolve) => {
        const client = clientFor(m);
        client.makeUnaryRequest<warden.v1.StatusRequest.$Properties, warden.v1.StatusResponse>(
          '/warden.v1.Admin/Status',
          adminServiceDefinition.Status!.requestSerialize,
          adminServiceDefinition.Status!.responseDeserialize,
          {},
          { deadline: Date.now() + 1000 },
          (err, res) => {
            const mode = res?.mode ?? '';
            resolve(err || !MODES.has(mode) ? 'down' : (mode as Mode));
          },
        );
      }),
    close: () => {
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}
