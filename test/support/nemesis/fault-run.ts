/**
 * One fault run on real processes: a standalone server or a 3- or 5-voter ensemble (each
 * client link and each directed peer link behind its own TCP proxy), the workload
 * recording every operation, and a nemesis applying faults drawn from the seed (kill -9,
 * kill -9 with a torn tail before the restart, kill -9 of the leader, SIGSTOP/SIGCONT,
 * blackhole, connection drops, delay, wall-clock jumps of every member, one member's wall
 * clock skewed alone (offset and rate), fsync and write errors). Each fault hits one member
 * or one link (or the clocks) and heals itself within a few seconds; faults may overlap (a
 * seeded chance, at most 2 at once, 3 with 5 voters, never on the same target), so for a
 * while a majority may be down or cut off, but never for longer than the faults last. Then
 * every fault is healed, the final state read (the liveness phase: it must answer), and the
 * histories checked. A run that finds anything keeps its data dir and writes its histories
 * there, and its report carries the seed.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkLinearizable, checkSessions, checkSet, checkWatches, checkZxidOrder, historyToJson, registerLinOps, registerModel, type LinResult } from '../checker/index.js';
import { connect, type Client } from '../../../sdk/index.js';
import { Random } from '../random.js';
import type { ServerProcess } from '../server-process.js';
import { tempDir } from '../temp-dir.js';
import { waitFor } from '../wait-for.js';
import { clockJump, clockSet, faketimeEnv, faultTools, fiuEnable, fiuEnv, mergeEnv, type FaultTools } from './fault-tools.js';
import { FaultSlots } from './fault-slots.js';
import { tornTail } from './log-damage.js';
import { LockRun, type LockReport } from './lock-run.js';
import { logDir, startCluster, type Cluster, type Topology } from './cluster.js';
import type { TcpProxy } from './tcp-proxy.js';
import { Workload } from './workload.js';

export const FAULTS = ['kill', 'kill-leader', 'kill-torn', 'pause', 'blackhole', 'drop', 'delay', 'isolate', 'clock', 'skew', 'fsync-error', 'write-error', 'pause-holder'] as const;
export type Fault = (typeof FAULTS)[number];

export interface RunOptions {
  seed: number;
  /** @default 'standalone' */
  topology?: Topology;
  durationMs: number;
  faults?: readonly Fault[];
  registerWorkers?: number;
  keys?: number;
  /** lock holders in their own processes (0: no lock workload) @default 3 */
  lockHolders?: number;
  /**
   * Chance that a fault starts while others are still in flight (on other targets), instead
   * of after they healed. At most 2 faults at once (3 with 5 voters). 0: one at a time.
   * @default 0.4
   */
  overlap?: number;
  /** the first fault the nemesis applies (then it draws from `faults`), for a test that needs one */
  first?: Fault;
}

/** fault -> outcome -> count */
export type StorageMatrix = Record<string, Record<string, number>>;

export interface RunReport {
  seed: number;
  topology: Topology;
  dir: string;
  kept: boolean;
  operations: number;
  acknowledgedWrites: number;
  linearizability: LinResult;
  illegalKeys: string[];
  acknowledgedLost: number;
  unexpectedElements: number;
  zxidViolations: number;
  watchViolations: number;
  sessionViolations: number;
  faultsApplied: Record<string, number>;
  skipped: string[];
  storage: StorageMatrix;
  lock?: LockReport;
  /** human-readable findings; empty when the run is clean */
  problems: string[];
  surprises: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function bump(m: StorageMatrix, fault: string, outcome: string): void {
  (m[fault] ??= {})[outcome] = (m[fault]![outcome] ?? 0) + 1;
}

export async function runOnce(opts: RunOptions): Promise<RunReport> {
  const tools = await faultTools();
  const rnd = new Random(opts.seed);
  const dir = tempDir(`warden-faults-${opts.seed}-`);
  const skipped: string[] = [];
  const wanted = opts.faults ?? FAULTS;
  const lockHolders = opts.lockHolders ?? 3;
  const topology = opts.topology ?? 'standalone';
  const faults = wanted.filter((f) => {
    if (f === 'pause-holder' && lockHolders === 0) return false;
    // one server: its leader is itself, and there is no peer link to isolate it on
    if (topology === 'standalone' && (f === 'kill-leader' || f === 'isolate')) return false;
    const why = unavailable(tools, f);
    if (why) skipped.push(`${f}: ${why}`);
    return !why;
  });
  // Each member's wall clock has its own control file: 'clock' steps them all alike, 'skew'
  // moves one member's alone.
  const clockFile = (id: number): string => join(dir, `faketime-${id}.rc`);
  const fiuPrefix = join(dir, 'fiu-ctrl');
  const envOf = (id: number): Record<string, string> => mergeEnv(tools.faketime.ok ? faketimeEnv(tools, clockFile(id)) : {}, tools.fiu.ok ? fiuEnv(tools, fiuPrefix) : {});
  const cluster: Cluster = await startCluster(topology, dir, envOf, `faults-${opts.seed}`);
  const keys = Array.from({ length: opts.keys ?? 3 }, (_, i) => `/r${i}`);
  const workload = new Workload(
    { servers: () => cluster.clientAddress, keys, registerWorkers: opts.registerWorkers ?? 4, sessionTimeoutMs: 4000, requestTimeoutMs: 2500, tag: `${opts.seed}`, syncReads: topology !== 'standalone' },
    new Random(opts.seed ^ 0x5eed),
  );
  const applied: Record<string, number> = {};
  const storage: StorageMatrix = {};
  const problems: string[] = [];
  let finalElements: string[] = [];
  const locks = lockHolders > 0 ? new LockRun(cluster.clientAddress, new Random(opts.seed ^ 0x10c)) : undefined;
  let lock: LockReport | undefined;
  const allLinks = (): TcpProxy[] => [...cluster.clientProxies.values(), ...cluster.peerLinks.flatMap((l) => l.proxies)];
  const slots = new FaultSlots();
  const overlapMax = topology === 5 ? 3 : 2;
  const overlapChance = opts.overlap ?? 0.4;
  let finalRead = false;
  try {
    await workload.setup();
    const running = workload.run();
    locks?.start(lockHolders);
    const deadline = Date.now() + opts.durationMs;
    // Lock holders are paused on their own schedule, so that every run has some.
    const holderPauses = (async () => {
      if (!locks || !faults.includes('pause-holder')) return;
      await sleep(1500);
      while (Date.now() < deadline - 3000) {
        applied['pause-holder'] = (applied['pause-holder'] ?? 0) + 1;
        await locks.pauseOne();
        await sleep(rnd.int(500, 2000));
      }
    })();
    const serverFaults = faults.filter((f) => f !== 'pause-holder');
    // Faults in flight; one may start before the others healed (seeded), on other targets.
    const inFlight = new Set<Promise<void>>();
    let first = serverFaults.find((f) => f === opts.first);
    const failed: unknown[] = [];
    while (Date.now() < deadline && serverFaults.length > 0 && failed.length === 0) {
      if (inFlight.size > 0 && inFlight.size < overlapMax && rnd.chance(overlapChance)) await sleep(rnd.int(50, 400));
      else {
        await Promise.all(inFlight);
        await sleep(rnd.int(500, 2000));
      }
      if (Date.now() >= deadline) break;
      const fault = first ?? rnd.pick(serverFaults);
      first = undefined;
      const alongside = inFlight.size;
      const started = apply(fault);
      const done: Promise<void> = started.then(
        (ran) => {
          if (!ran) return;
          applied[fault] = (applied[fault] ?? 0) + 1;
          if (alongside > 0) applied['overlapping'] = (applied['overlapping'] ?? 0) + 1;
        },
        (e: unknown) => void failed.push(e),
      );
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
    }
    await Promise.all(inFlight);
    if (failed.length > 0) throw failed[0];
    const rest = deadline - Date.now();
    if (rest > 0) await sleep(rest);
    await holderPauses;
    await healAll();
    // Let the workers see the healed system before they stop.
    await sleep(500);
    workload.stop();
    await running;
    lock = await locks?.stop();
    // A member just restarted may still be syncing (NOTSERVING): the run is healed, so wait.
    finalElements = await waitFor(() => workload.finalReads(cluster.directAddress), { timeoutMs: 60_000, what: 'final reads after the heal' });
    finalRead = true;
  } catch (e) {
    problems.push(`run failed: ${(e as Error).stack ?? String(e)}`);
  } finally {
    workload.stop();
    if (locks && !lock) lock = await locks.stop();
    await workload.closeAll();
    await cluster.close();
  }

  /** Applies one fault and heals it; false when its targets were all held by faults in flight. */
  async function apply(fault: Fault): Promise<boolean> {
    const held: string[] = [];
    const take = (keys: string[]): boolean => {
      if (!slots.take(keys)) return false;
      held.push(...keys);
      return true;
    };
    // a member (or a member's clock) that no fault in flight holds
    const freeMember = (key: 'member' | 'clock'): number | undefined => {
      const free = cluster.ids.filter((id) => slots.isFree(`${key}:${id}`));
      if (free.length === 0) return undefined;
      const id = rnd.pick(free);
      return take([`${key}:${id}`]) ? id : undefined;
    };
    try {
      return await applyHeld(fault, take, freeMember);
    } finally {
      slots.release(held);
    }
  }

  async function applyHeld(fault: Fault, take: (keys: string[]) => boolean, freeMember: (key: 'member' | 'clock') => number | undefined): Promise<boolean> {
    switch (fault) {
      case 'kill':
      case 'kill-leader':
      case 'kill-torn': {
        let id: number | undefined;
        if (fault === 'kill-leader') {
          const leader = await cluster.leader();
          id = leader !== undefined && take([`member:${leader}`]) ? leader : undefined;
        } else id = freeMember('member');
        if (id === undefined) return false;
        await cluster.proc(id).kill('SIGKILL');
        if (fault === 'kill-torn') {
          const damage = tornTail(logDir(cluster, id), rnd);
          if (!damage) {
            await restart(id, 'torn tail', 'no log yet');
            return true;
          }
        }
        await sleep(rnd.int(0, 800));
        await restart(id, fault === 'kill-torn' ? 'torn tail' : undefined);
        return true;
      }
      case 'pause': {
        const id = freeMember('member');
        if (id === undefined) return false;
        const p = cluster.proc(id);
        p.pause();
        await sleep(rnd.int(200, 1500));
        p.resume();
        return true;
      }
      case 'blackhole':
      case 'drop':
      case 'delay': {
        const links = allLinks();
        const free = links.map((_, i) => i).filter((i) => slots.isFree(`link:${i}`));
        if (free.length === 0) return false;
        const i = rnd.pick(free);
        if (!take([`link:${i}`])) return false;
        const link = links[i]!;
        link.set(fault === 'delay' ? { kind: 'delay', ms: rnd.int(10, 120) } : { kind: fault });
        await sleep(fault === 'drop' ? rnd.int(100, 800) : rnd.int(300, 2000));
        link.heal();
        return true;
      }
      case 'isolate': {
        // a partition: one member loses every peer link both ways (its clients still reach it)
        const links = allLinks();
        const id = rnd.pick(cluster.ids);
        const cut = cluster.peerLinks.filter((l) => l.from === id || l.to === id).flatMap((l) => l.proxies);
        if (!take([`member:${id}`, ...cut.map((p) => `link:${links.indexOf(p)}`)])) return false;
        for (const p of cut) p.set({ kind: 'blackhole' });
        await sleep(rnd.int(500, 2500));
        for (const p of cut) p.heal();
        return true;
      }
      case 'clock': {
        // every member's wall clock steps alike
        if (!take(cluster.ids.map((id) => `clock:${id}`))) return false;
        const offset = rnd.pick([-1, 1]) * rnd.int(5, 7200);
        for (const id of cluster.ids) clockJump(clockFile(id), offset);
        await sleep(rnd.int(300, 1500));
        for (const id of cluster.ids) clockJump(clockFile(id), 0);
        return true;
      }
      case 'skew': {
        // one member's wall clock alone: minutes to hours off, maybe running at half or twice the rate
        const id = freeMember('clock');
        if (id === undefined) return false;
        clockSet(clockFile(id), rnd.pick([-1, 1]) * rnd.int(60, 7200), rnd.pick([1, 1, 0.5, 2]));
        await sleep(rnd.int(1000, 4000));
        clockSet(clockFile(id), 0);
        return true;
      }
      case 'fsync-error':
      case 'write-error': {
        const id = freeMember('member');
        if (id === undefined) return false;
        const server = cluster.proc(id);
        const pid = server.pid;
        if (pid === undefined || !server.running) return false;
        await fiuEnable(fiuPrefix, pid, fault === 'fsync-error' ? 'fsync' : 'write');
        // Fail-stop: the next write must bring the process down. Writes come from the workload
        // (in an ensemble every member persists every txn), and from here too, so that a
        // stalled workload on a loaded machine cannot leave the member without one.
        const stopped = await writesUntilExit(server, 30_000);
        if (!stopped) {
          bump(storage, fault, 'kept running (no write within 30 s?)');
          problems.push(`${fault}: member ${id} did not stop within 30 s of failing ${fault === 'fsync-error' ? 'fsync' : 'write'} calls while writes were sent`);
          await server.kill('SIGKILL');
        } else {
          const exit = await server.exited;
          if (exit.code === 1 && /fatal: .*(write failed|EIO|i\/o error)/i.test(server.output())) bump(storage, fault, 'fail-stop');
          else {
            bump(storage, fault, `exited ${exit.code ?? exit.signal}`);
            problems.push(`${fault}: unexpected exit ${JSON.stringify(exit)}`);
          }
        }
        await restart(id, fault);
        return true;
      }
      case 'pause-holder':
        return false; // on its own schedule (above)
    }
  }

  /** Sends writes (straight to the servers) until `server` exits; false if it still runs after `ms`. */
  async function writesUntilExit(server: ServerProcess, ms: number): Promise<boolean> {
    let exited = false;
    void server.exited.then(() => (exited = true));
    const until = Date.now() + ms;
    let client: Client | undefined;
    try {
      for (let i = 0; !exited && Date.now() < until; i++) {
        try {
          client ??= await connect({ servers: cluster.directAddress, sessionTimeoutMs: 4000, requestTimeoutMs: 2000, connectTimeoutMs: 2000 });
          await client.create(`/nudge-${opts.seed}-${i}`, '', { mode: 'ephemeral' });
        } catch {
          // the failing member may be the one connected to, or the ensemble may be electing
          await Promise.race([server.exited, sleep(100)]);
        }
      }
    } finally {
      await client?.close({ timeoutMs: 500 }).catch(() => undefined);
    }
    return exited || Promise.race([server.exited.then(() => true), sleep(100).then(() => false)]);
  }

  async function restart(id: number, matrixFault?: string, note?: string): Promise<void> {
    const server: ServerProcess = cluster.proc(id);
    await server.kill('SIGKILL');
    try {
      await server.restart();
      if (matrixFault) bump(storage, matrixFault, note ? `recovered (${note})` : matrixFault === 'torn tail' ? (/truncating a torn write/.test(server.output()) ? 'truncated, recovered' : 'recovered, truncation not logged') : 'recovered after restart');
    } catch (e) {
      if (matrixFault) bump(storage, matrixFault, 'did not restart');
      problems.push(`restart of ${id} failed: ${(e as Error).message.split('\n').slice(0, 3).join(' | ')}`);
      throw e;
    }
  }

  async function healAll(): Promise<void> {
    for (const link of allLinks()) link.heal();
    if (tools.faketime.ok) for (const id of cluster.ids) clockJump(clockFile(id), 0);
    for (const id of cluster.ids) {
      const server = cluster.proc(id);
      if (server.running) {
        try {
          server.resume();
        } catch {
          // not paused
        }
      } else await restart(id);
    }
    await waitFor(() => cluster.ids.every((id) => cluster.proc(id).running), { what: 'every server running after heal' });
  }



  // ------------------------------------------------------------------ check
  const rec = workload.rec;
  const lin = checkLinearizable(registerModel(), registerLinOps(rec.ops), { stepsMax: 5_000_000 });
  const illegalKeys = lin.keys.filter((k) => k.result === 'illegal').map((k) => k.key);
  const set = checkSet(rec.adds, finalElements);
  const zxid = checkZxidOrder(rec.ops);
  const changes = new Map<string, bigint[]>();
  for (const op of rec.ops) if (op.outcome === 'ok' && op.zxid !== undefined) (changes.get(op.key) ?? changes.set(op.key, []).get(op.key)!).push(op.zxid);
  const watch = checkWatches(rec.watchStreams, changes);
  const sessions = checkSessions(rec.ephemerals, rec.observations, { expiredAtMs: rec.expiredAtMs, aliveAtMs: rec.aliveAtMs });
  if (lin.result === 'illegal') problems.push(`not linearizable on ${illegalKeys.join(', ')}`);
  if (!finalRead) problems.push('no final read: acknowledged writes lost cannot be counted');
  else if (set.lost.length > 0) problems.push(`acknowledged creates lost: ${set.lost.slice(0, 5).join(', ')}`);
  if (set.unexpected.length > 0) problems.push(`elements never acknowledged or attempted: ${set.unexpected.slice(0, 5).join(', ')}`);
  for (const v of zxid.slice(0, 5)) problems.push(`zxid ${v.kind}: ${v.detail}`);
  for (const v of watch.slice(0, 5)) problems.push(`watch ${v.kind} on ${v.path}: ${v.detail}`);
  for (const v of sessions.slice(0, 5)) problems.push(`session ${v.kind} ${v.path}: ${v.detail}`);
  if (lock && lock.acceptedOverlaps > 0) problems.push(`the fencing resource accepted ${lock.acceptedOverlaps} overlapping critical sections`);

  const kept = problems.length > 0;
  if (kept) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'history.json'), historyToJson({ seed: opts.seed, problems, ops: rec.ops, adds: rec.adds, finalElements, ephemerals: rec.ephemerals, observations: rec.observations, watch: [...rec.watchStreams] }));
    for (const id of cluster.ids) writeFileSync(join(dir, `server-${id}-output.txt`), cluster.proc(id).output());
  }
  await Promise.all(cluster.ids.map((id) => cluster.proc(id).stop()));
  return {
    seed: opts.seed,
    topology,
    dir,
    kept,
    operations: rec.ops.length + rec.adds.length,
    acknowledgedWrites: rec.ops.filter((o) => o.outcome === 'ok' && o.input.f !== 'read').length + set.acknowledged,
    linearizability: lin.result,
    illegalKeys,
    acknowledgedLost: finalRead ? set.lost.length : 0,
    unexpectedElements: set.unexpected.length,
    zxidViolations: zxid.length,
    watchViolations: watch.length,
    sessionViolations: sessions.length,
    faultsApplied: applied,
    skipped,
    storage,
    ...(lock ? { lock } : {}),
    problems,
    surprises: rec.surprises,
  };
}

function unavailable(tools: FaultTools, f: Fault): string | undefined {
  if ((f === 'clock' || f === 'skew') && !tools.faketime.ok) return tools.faketime.reason;
  if ((f === 'fsync-error' || f === 'write-error') && !tools.fiu.ok) return tools.fiu.reason;
  return existsSync('/proc') || f !== 'pause' ? undefined : 'no SIGSTOP here';
}
