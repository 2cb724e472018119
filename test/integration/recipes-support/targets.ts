/**
 * The servers recipe tests run against: a standalone server and a 3-server ensemble, with
 * one shape so each test file runs the same cases on both (`describe.each(TARGETS)`).
 */
import { ServerProcess, startEnsemble, startStandalone } from '../../support/index.js';

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
