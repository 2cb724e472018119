/**
 * What a fault run runs against: one standalone server, or an ensemble of 3 or 5 voters,
 * each member behind a client-link proxy, and (ensemble) every directed peer link behind
 * its own proxy: member i reaches member j's quorum and election ports through proxies
 * i->j, written into i's zoo.cfg, so one link can be cut, delayed or dropped alone.
 */
import { join } from 'node:path';
import { fetchStatus } from '../../../server/cli/status-client.js';
import { loopbackMembers } from '../ensemble.js';
import { freePort } from '../ports.js';
import { ServerProcess } from '../server-process.js';
import { writeEnsembleCfgs, writeStandaloneCfg, type CfgValues } from '../zoo-cfg.js';
import { TcpProxy } from './tcp-proxy.js';

export type Topology = 'standalone' | 3 | 5;

export interface PeerLink {
  from: number;
  to: number;
  proxies: TcpProxy[];
}

export interface Cluster {
  topology: Topology;
  ids: number[];
  proc(id: number): ServerProcess;
  dataDir(id: number): string;
  /** the client connect string through the proxies */
  clientAddress: string;
  /** the client connect string straight to the servers (final reads) */
  directAddress: string;
  clientProxies: Map<number, TcpProxy>;
  peerLinks: PeerLink[];
  /** the member that says it leads (ensemble), or the only server */
  leader(): Promise<number | undefined>;
  close(): Promise<void>;
}

const CFG: CfgValues = { preAllocSize: 1024, snapCount: 2000 };

/** Environment of every member, or of member `id` (0: the standalone server), e.g. its own clock. */
export type MemberEnv = Record<string, string> | ((id: number) => Record<string, string>);

/** `extra`: zoo.cfg keys for every member, over the defaults (e.g. longer syncLimit). */
export async function startCluster(topology: Topology, dir: string, memberEnv: MemberEnv, name: string, extra: CfgValues = {}): Promise<Cluster> {
  const cfgValues = { ...CFG, ...extra };
  const envOf = (id: number): Record<string, string> => (typeof memberEnv === 'function' ? memberEnv(id) : memberEnv);
  if (topology === 'standalone') {
    const cfg = writeStandaloneCfg(dir, await freePort(), cfgValues);
    const server = await ServerProcess.start({ name, config: cfg.file, env: envOf(0), logLevel: 'warn' });
    const proxy = await TcpProxy.start({ host: server.host, port: server.port });
    return {
      topology,
      ids: [0],
      proc: () => server,
      dataDir: () => cfg.dataDir,
      clientAddress: proxy.address,
      directAddress: server.address,
      clientProxies: new Map([[0, proxy]]),
      peerLinks: [],
      leader: () => Promise.resolve(0),
      close: () => proxy.close(),
    };
  }
  const n = topology;
  const members = await loopbackMembers(n);
  const peerLinks: PeerLink[] = [];
  const perMember: Record<number, CfgValues> = {};
  for (const from of members) {
    perMember[from.id] = {};
    for (const to of members) {
      if (to.id === from.id) continue;
      const q = await TcpProxy.start({ host: to.host, port: to.quorumPort });
      const e = await TcpProxy.start({ host: to.host, port: to.electionPort });
      peerLinks.push({ from: from.id, to: to.id, proxies: [q, e] });
      perMember[from.id]![`server.${to.id}`] = `127.0.0.1:${q.port}:${e.port}`;
    }
  }
  const cfgs = writeEnsembleCfgs(dir, members, cfgValues, perMember);
  const procs = new Map<number, ServerProcess>();
  await Promise.all(
    cfgs.map(async (c) => {
      procs.set(c.id, await ServerProcess.start({ name: `${name}-m${c.id}`, config: c.file, env: envOf(c.id), logLevel: 'warn', startTimeoutMs: 60_000 }));
    }),
  );
  const clientProxies = new Map<number, TcpProxy>();
  for (const m of members) clientProxies.set(m.id, await TcpProxy.start({ host: m.host, port: m.clientPort }));
  return {
    topology,
    ids: members.map((m) => m.id),
    proc: (id) => procs.get(id)!,
    dataDir: (id) => cfgs.find((c) => c.id === id)!.dataDir,
    clientAddress: [...clientProxies.values()].map((p) => p.address).join(','),
    directAddress: members.map((m) => `${m.host}:${m.clientPort}`).join(','),
    clientProxies,
    peerLinks,
    async leader() {
      for (const m of members) {
        const p = procs.get(m.id)!;
        if (!p.running) continue;
        const st = await fetchStatus({ host: m.host, port: m.clientPort }, 1000).catch(() => undefined);
        if (st?.mode === 'leader') return m.id;
      }
      return undefined;
    },
    async close() {
      await Promise.all([...clientProxies.values(), ...peerLinks.flatMap((l) => l.proxies)].map((p) => p.close()));
    },
  };
}

export function logDir(c: Cluster, id: number): string {
  return join(c.dataDir(id), 'log');
}
