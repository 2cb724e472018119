/**
 * The servers recipe tests run against: a standalone server and a 3-server ensemble, with
 * one shape so each test file runs the same cases on both (`describe.each(TARGETS)`).
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { connect, type Client, type ConnectOptions } from '../../../sdk/index.js';
import { closeAllClients, killAllServers, openClient, removeTempDirs, ServerProcess, startEnsemble, startStandalone, waitFor } from '../../support/index.js';

export interface Target {
  connectString: string;
  /** Every server process, for faults. */
  processes(): ServerProcess[];
  /** The process listening on `address` (`host:port`, as client.server reports it). */
  processAt(address: string): ServerProcess;
  /** Whether killing one server leaves a serving quorum. */
  replicated: boolean;
}

export type TargetName = 'standalone' | 'ensemble of 3';
export const TARGETS: TargetName[] = ['standalone', 'ensemble of 3'];

export async function startTarget(name: TargetName): Promise<Target> {
  if (name === 'standalone') {
    const { server } = await startStandalone();
    return { connectString: server.address, processes: () => [server], processAt: () => server, replicated: false };
  }
  const ens = await startEnsemble({ voters: 3 });
  const procs = ens.members.map((m) => ens.member(m.id));
  // Listening is not serving yet: wait until a write goes through every member.
  for (const m of ens.members) {
    const address = `${m.host}:${m.clientPort}`;
    await waitFor(async () => {
      const c = await connect({ servers: address, sessionTimeoutMs: 4000, connectTimeoutMs: 2000 });
      try {
        await c.create(`/probe-${m.id}`, null, { mode: 'ephemeral' });
        return true;
      } finally {
        await c.close({ timeoutMs: 1000 }).catch(() => undefined);
      }
    }, { what: `member ${m.id} serves writes`, timeoutMs: 30_000 });
  }
  return {
    connectString: ens.connectString,
    processes: () => procs,
    processAt(address) {
      const m = ens.members.find((x) => `${x.host}:${x.clientPort}` === address);
      if (!m) throw new Error(`no member at ${address}`);
      return ens.member(m.id);
    },
    replicated: true,
  };
}

/** What a recipe test file needs from its target, with the usual set-up and clean-up. */
export interface TargetFixture {
  readonly target: Target;
  /** A new client of the target (closed after each test). */
  client(opts?: Partial<ConnectOptions>): Promise<Client>;
  /** Closed after the current test, before the clients, in the order given. */
  closeLater(...xs: Array<{ close(): Promise<void> }>): void;
}

/**
 * Starts `name` before the tests of the enclosing describe, closes recipes and clients
 * after each test, kills the servers and removes the temp dirs after all.
 */
export function useTarget(name: TargetName): TargetFixture {
  let target: Target | undefined;
  const toClose: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    target = await startTarget(name);
  });
  afterEach(async () => {
    for (const x of toClose.splice(0)) await x.close();
    await closeAllClients();
  });
  afterAll(async () => {
    await killAllServers();
    removeTempDirs();
  });
  return {
    get target() {
      if (!target) throw new Error('the target is not started yet');
      return target;
    },
    client: (opts = {}) => openClient(target!.connectString, opts),
    closeLater: (...xs) => void toClose.push(...xs),
  };
}
