/**
 * Throwaway configurations for test servers started by `warden/testing`: a temp root with
 * one directory per member holding its zoo.cfg, data dir and (in an ensemble) myid. Here
 * because only server/config writes config files (STYLE rule 1); it decides nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ScratchMember {
  id: number;
  clientPort: number;
  quorumPort: number;
  electionPort: number;
}

export interface ScratchConfigs {
  root: string;
  /** zoo.cfg path per member, in the order given. */
  configs: string[];
  /** Deletes the root and everything under it. */
  remove(): void;
}

/** Writes the configs; one member means standalone (no server.N lines, no myid). */
export function writeScratchConfigs(members: readonly ScratchMember[], tickTimeMs: number): ScratchConfigs {
  const root = mkdtempSync(join(tmpdir(), 'warden-testing-'));
  const ensemble = members.length > 1;
  const lines = ensemble ? members.map((m) => `server.${m.id}=127.0.0.1:${m.quorumPort}:${m.electionPort}`) : [];
  const configs = members.map((m) => {
    const dir = join(root, `s${m.id}`);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    if (ensemble) writeFileSync(join(dataDir, 'myid'), `${m.id}\n`);
    const file = join(dir, 'zoo.cfg');
    const cfg = [`tickTime=${tickTimeMs}`, 'initLimit=10', 'syncLimit=5', `dataDir=${dataDir}`, `clientPort=${m.clientPort}`, 'clientPortAddress=127.0.0.1', ...lines];
    writeFileSync(file, cfg.join('\n') + '\n');
    return file;
  });
  return { root, configs, remove: () => rmSync(root, { recursive: true, force: true }) };
}
