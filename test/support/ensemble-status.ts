/**
 * Who leads an ensemble started with startEnsemble (ensemble.ts), asked over the Admin
 * gRPC Status call, and waits on it with a deadline. Paused (SIGSTOPped) members are
 * skipped: they cannot answer.
 */
import { fetchStatus, type StatusReply } from '../../server/cli/status-client.js';
import type { Ensemble } from './ensemble.js';
import type { ServerProcess } from './server-process.js';
import { waitFor } from './wait-for.js';

const paused = new WeakSet<ServerProcess>();

/** SIGSTOP a member (it keeps its sockets but answers nothing). */
export function pauseMember(ens: Ensemble, id: number): void {
  const p = ens.member(id);
  p.pause();
  paused.add(p);
}

export function resumeMember(ens: Ensemble, id: number): void {
  const p = ens.member(id);
  p.resume();
  paused.delete(p);
}

export async function statusOf(ens: Ensemble, id: number): Promise<StatusReply | undefined> {
  let p;
  try {
    p = ens.member(id);
  } catch {
    return undefined;
  }
  if (!p.running || paused.has(p)) return undefined;
  const addr = ens.address(id);
  const i = addr.lastIndexOf(':');
  return fetchStatus({ host: addr.slice(0, i), port: Number(addr.slice(i + 1)) }, 2000).catch(() => undefined);
}

/** Waits until one of `ids` leads and every other running one of them follows or observes. Returns the leader. */
export function waitStable(ens: Ensemble, ids: number[] = ens.members.map((m) => m.id), timeoutMs = 60_000): Promise<number> {
  return waitFor(
    async () => {
      const st = (await Promise.all(ids.map((id) => statusOf(ens, id)))).filter((s): s is StatusReply => s !== undefined);
      const leaders = st.filter((s) => s.mode === 'leader');
      if (leaders.length !== 1 || st.length !== ids.length) return undefined;
      return st.every((s) => s.mode === 'leader' || s.mode === 'follower' || s.mode === 'observer') ? leaders[0]!.serverId : undefined;
    },
    { what: `a stable ensemble among ${ids.join(',')} (one leader, the rest following)`, timeoutMs, intervalMs: 25 },
  );
}

/** The id of a server that says it leads (waits for one). */
export function leaderOf(ens: Ensemble, timeoutMs = 60_000): Promise<number> {
  return waitFor(
    async () => {
      for (const m of ens.members) if ((await statusOf(ens, m.id))?.mode === 'leader') return m.id;
      return undefined;
    },
    { what: 'a leader', timeoutMs, intervalMs: 10 },
  );
}
