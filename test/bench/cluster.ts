/**
 * What the workloads need from the servers under test, whichever system they are: a set of
 * members on loopback, a connect string, who leads, each member's memory, crash and restart
 * one, stop all. `startCluster` picks Warden or ZooKeeper; both get the same zoo.cfg values
 * (tickTime, initLimit, syncLimit, forceSync=yes) so that the comparison is like for like.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePorts } from '../support/ports.js';
import { renderCfg, type CfgValues } from '../support/zoo-cfg.js';
import { Proc } from './proc.js';

export type SystemKind = 'warden' | 'zookeeper';
export type Topology = 'standalone' | 'ensemble';
export type Mode = 'standalone' | 'leader' | 'follower' | 'observer' | 'looking' | 'down';

export interface Member {
  readonly id: number;
  readonly host: string;
  readonly clientPort: number;
  readonly dir: string;
  readonly proc: Proc;
}

export interface ClusterSpec {
  system: SystemKind;
  topology: Topology;
  /** parent of the members' temp dirs */
  root: string;
  tickMs: number;
  /** ms to wait for a member (or a leader) to serve */
  startTimeoutMs: number;
  /** the JVM's heap limit for ZooKeeper (zkEnv.sh's default is 1000 MiB) */
  zkHeapMb: number;
}

/** System-specific part: how to launch a member and how to ask it what it is. */
export interface Launcher {
  proc(member: { id: number; dir: string; cfgFile: string }): Proc;
  /** extra zoo.cfg keys this system needs */
  extraCfg: CfgValues;
  mode(member: Member): Promise<Mode>;
  close(): void;
}

const SERVING: ReadonlySet<Mode> = new Set(['standalone', 'leader', 'follower', 'observer']);

export class Cluster {
  constructor(
    readonly spec: ClusterSpec,
    readonly members: readonly Member[],
    private readonly launcher: Launcher,
  ) {}

  get system(): SystemKind {
    return this.spec.system;
  }

  connectString(members: readonly Member[] = this.members): string {
    return members.map((m) => `${m.host}:${m.clientPort}`).join(',');
  }

  mode(m: Member): Promise<Mode> {
    return m.proc.running ? this.launcher.mode(m).catch((): Mode => 'down') : Promise.resolve('down');
  }

  /**
   * Resolves once every running member serves and (ensemble) exactly one leads; rejects with
   * what each member said when `timeoutMs` passes.
   */
  async waitServing(timeoutMs = this.spec.startTimeoutMs): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let modes: Mode[] = [];
    for (;;) {
      const running = this.members.filter((m) => m.proc.running);
      if (running.length === 0) throw new Error(`${this.spec.system}: no member is running\n${this.members.map((m) => m.proc.output().slice(-2000)).join('\n')}`);
      modes = await Promise.all(running.map((m) => this.mode(m)));
      const leaders = modes.filter((m) => m === 'leader' || m === 'standalone').length;
      if (modes.every((m) => SERVING.has(m)) && leaders === 1) return;
      if (performance.now() > deadline) {
        const died = this.members.filter((m) => !m.proc.running).map((m) => `${m.id}: ${m.proc.output().slice(-2000)}`);
        throw new Error(`${this.spec.system} ${this.spec.topology}: not serving after ${timeoutMs} ms (modes: ${modes.join(', ')})${died.length ? `\n${died.join('\n')}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async leader(): Promise<Member> {
    for (const m of this.members) {
      const mode = await this.mode(m);
      if (mode === 'leader' || mode === 'standalone') return m;
    }
    throw new Error(`${this.spec.system}: no leader`);
  }

  /** Starts a (killed or stopped) member again and waits until the whole cluster serves. */
  async restart(m: Member): Promise<void> {
    if (!m.proc.running) m.proc.start();
    await this.waitServing();
  }

  /** Resident memory of each running member, bytes. */
  rssBytes(): number[] {
    return this.members.map((m) => m.proc.rssBytes()).filter((n): n is number => n !== undefined);
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.proc.stop()));
    this.launcher.close();
  }
}

/**
 * Writes a config per member (standalone: one member, no server.N lines) and starts them.
 * Does not wait; call `waitServing()`.
 */
let launched = 0;

export async function launchCluster(spec: ClusterSpec, launcher: Launcher): Promise<Cluster> {
  const n = spec.topology === 'standalone' ? 1 : 3;
  const ports = await freePorts(n * 3);
  const host = '127.0.0.1';
  const lines: CfgValues = {};
  if (spec.topology === 'ensemble') {
    for (let i = 0; i < n; i++) lines[`server.${i + 1}`] = `${host}:${ports[n + i]}:${ports[2 * n + i]}`;
  }
  // A fresh directory per cluster: start-up and memory must not find another run's data.
  const run = ++launched;
  const members: Member[] = [];
  for (let i = 0; i < n; i++) {
    const id = i + 1;
    const dir = join(spec.root, `${spec.system}-${spec.topology}-${run}-s${id}`);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    if (spec.topology === 'ensemble') writeFileSync(join(dataDir, 'myid'), `${id}\n`);
    const cfgFile = join(dir, 'zoo.cfg');
    writeFileSync(
      cfgFile,
      renderCfg({
        tickTime: spec.tickMs,
        initLimit: 10,
        syncLimit: 5,
        dataDir,
        clientPort: ports[i]!,
        clientPortAddress: host,
        forceSync: 'yes',
        maxClientCnxns: 0,
        ...lines,
        ...launcher.extraCfg,
      }),
    );
    const proc = launcher.proc({ id, dir, cfgFile });
    members.push({ id, host, clientPort: ports[i]!, dir, proc });
  }
  for (const m of members) m.proc.start();
  return new Cluster(spec, members, launcher);
}
