/**
 * N server processes sharing one ensemble config (server.N lines, a myid per data dir),
 * started together (a member may only say it listens once it has a quorum) on free
 * loopback ports. Each member is a ServerProcess: kill -9, pause, restart it by handle.
 *
 * @example
 * const ens = await startEnsemble({ voters: 3 });
 * const client = await openClient(ens.connectString);
 * await ens.member(1).kill();
 */
import { freePorts } from './ports.js';
import { ServerProcess, type ServerProcessOptions } from './server-process.js';
import { tempDir } from './temp-dir.js';
import { writeEnsembleCfgs, type CfgValues, type EnsembleMember, type EnsembleMemberCfg } from './zoo-cfg.js';

export interface EnsembleOptions {
  /** Voting members. @default 3 */
  voters?: number;
  /** Observers (ids after the voters). @default 0 */
  observers?: number;
  /** zoo.cfg keys for every member. */
  extra?: CfgValues;
  /** zoo.cfg keys for one member, by id. */
  perMember?: Record<number, CfgValues>;
  /** Options for each process (log level, env, start timeout). */
  process?: Partial<ServerProcessOptions>;
  /** Write the configs but start only these ids (others: `ens.start(id)` later). @default all */
  startOnly?: number[];
}

export interface Ensemble {
  dir: string;
  members: EnsembleMember[];
  cfgs: EnsembleMemberCfg[];
  /** `h:p,h:p,...` of every member's client port, in id order. */
  connectString: string;
  /** The running (or stopped) process of member `id`; throws if it was never started. */
  member(id: number): ServerProcess;
  /** Starts member `id` (first start, or again after it was killed). */
  start(id: number): Promise<ServerProcess>;
  /** Client address of member `id`. */
  address(id: number): string;
}

/** `n` members on 127.0.0.1, ids 1..n, each with free client, quorum and election ports. */
export async function loopbackMembers(n: number): Promise<EnsembleMember[]> {
  const ports = await freePorts(3 * n);
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    host: '127.0.0.1',
    clientPort: ports[3 * i]!,
    quorumPort: ports[3 * i + 1]!,
    electionPort: ports[3 * i + 2]!,
  }));
}

export async function startEnsemble(opts: EnsembleOptions = {}): Promise<Ensemble> {
  const voters = opts.voters ?? 3;
  const observers = opts.observers ?? 0;
  const n = voters + observers;
  const members = (await loopbackMembers(n)).map((m, i) => ({ ...m, observer: i >= voters }));
  const perMember: Record<number, CfgValues> = { ...opts.perMember };
  for (const m of members) if (m.observer) perMember[m.id] = { peerType: 'observer', ...perMember[m.id] };
  const dir = tempDir('warden-ensemble-');
  const cfgs = writeEnsembleCfgs(dir, members, opts.extra ?? {}, perMember);
  const procs = new Map<number, ServerProcess>();

  const start = async (id: number): Promise<ServerProcess> => {
    const existing = procs.get(id);
    if (existing) {
      if (!existing.running) await existing.restart();
      return existing;
    }
    const cfg = cfgs.find((c) => c.id === id);
    if (!cfg) throw new Error(`no ensemble member ${id}`);
    const p = await ServerProcess.start({ name: `member ${id}`, ...opts.process, config: cfg.file });
    procs.set(id, p);
    return p;
  };

  await Promise.all((opts.startOnly ?? members.map((m) => m.id)).map((id) => start(id)));

  return {
    dir,
    members,
    cfgs,
    connectString: members.map((m) => `${m.host}:${m.clientPort}`).join(','),
    member(id) {
      const p = procs.get(id);
      if (!p) throw new Error(`ensemble member ${id} was never started`);
      return p;
    },
    start,
    address(id) {
      const m = members.find((x) => x.id === id);
      if (!m) throw new Error(`no ensemble member ${id}`);
      return `${m.host}:${m.clientPort}`;
    },
  };
}
