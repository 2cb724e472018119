/**
 * zoo.cfg files for test servers: standalone, and ensemble-shaped (server.N lines plus a
 * myid file per data dir). Values are written as ZooKeeper spells them; `extra` adds or
 * overrides any key (e.g. `{ maxClientCnxns: 2, superDigest: 'super:...' }`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type CfgValues = Record<string, string | number | boolean>;

/** Short timings so that session tests finish quickly: tickTime 200 ms -> timeouts 400..4000 ms. */
export const FAST_TIMING: CfgValues = { tickTime: 200, initLimit: 10, syncLimit: 5 };

export function renderCfg(values: CfgValues): string {
  return (
    Object.entries(values)
      .map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v)}`)
      .join('\n') + '\n'
  );
}

export interface StandaloneCfg {
  /** where zoo.cfg is written */
  file: string;
  dataDir: string;
  clientPort: number;
}

/**
 * Writes `<dir>/zoo.cfg` for a standalone server with its data in `<dir>/data`.
 * `clientPort` 0 lets the server pick (the handle learns the port from its stdout).
 */
export function writeStandaloneCfg(dir: string, clientPort: number, extra: CfgValues = {}): StandaloneCfg {
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const file = join(dir, 'zoo.cfg');
  writeFileSync(file, renderCfg({ ...FAST_TIMING, dataDir, clientPort, clientPortAddress: '127.0.0.1', ...extra }));
  return { file, dataDir, clientPort };
}

export interface EnsembleMember {
  id: number;
  host: string;
  clientPort: number;
  quorumPort: number;
  electionPort: number;
  observer?: boolean;
}

export interface EnsembleMemberCfg extends StandaloneCfg {
  id: number;
}

/** The `server.N=host:quorum:election[:observer]` line value for one member. */
export function serverLine(m: EnsembleMember): string {
  return `${m.host}:${m.quorumPort}:${m.electionPort}${m.observer ? ':observer' : ''}`;
}

/**
 * Writes one directory per member under `root` (`<root>/s<N>/zoo.cfg`, `<root>/s<N>/data/myid`),
 * every config listing every member. `extra` applies to all; `perMember` to one id.
 */
export function writeEnsembleCfgs(root: string, members: readonly EnsembleMember[], extra: CfgValues = {}, perMember: Record<number, CfgValues> = {}): EnsembleMemberCfg[] {
  const lines: CfgValues = {};
  for (const m of members) lines[`server.${m.id}`] = serverLine(m);
  return members.map((m) => {
    const dir = join(root, `s${m.id}`);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'myid'), `${m.id}\n`);
    const file = join(dir, 'zoo.cfg');
    writeFileSync(
      file,
      renderCfg({ ...FAST_TIMING, dataDir, clientPort: m.clientPort, clientPortAddress: m.host, ...lines, ...extra, ...(perMember[m.id] ?? {}) }),
    );
    return { id: m.id, file, dataDir, clientPort: m.clientPort };
  });
}
