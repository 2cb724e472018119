/**
 * One fault run on real processes: a standalone server behind a TCP proxy, the workload
 * recording every operation, and a nemesis applying faults drawn from the seed (kill -9,
 * kill -9 with a torn tail before the restart, SIGSTOP/SIGCONT, blackhole, connection
 * drops, delay, wall-clock jumps, fsync and write errors). Then every fault is healed, the
 * final state read, and the histories checked. A run that finds anything keeps its data dir
 * and writes its histories there, and its report carries the seed.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkLinearizable, checkSessions, checkSet, checkWatches, checkZxidOrder, historyToJson, registerLinOps, registerModel, type LinResult } from '../checker/index.js';
import { freePort } from '../ports.js';
import { Random } from '../random.js';
import { ServerProcess } from '../server-process.js';
import { tempDir } from '../temp-dir.js';
import { waitFor } from '../wait-for.js';
import { writeStandaloneCfg } from '../zoo-cfg.js';
import { clockJump, faketimeEnv, faultTools, fiuEnable, fiuEnv, mergeEnv, type FaultTools } from './fault-tools.js';
import { tornTail } from './log-damage.js';
import { LockRun, type LockReport } from './lock-run.js';
import { TcpProxy } from './tcp-proxy.js';
import { Workload } from './workload.js';

export const FAULTS = ['kill', 'kill-torn', 'pause', 'blackhole', 'drop', 'delay', 'clock', 'fsync-error', 'write-error', 'pause-holder'] as const;
export type Fault = (typeof FAULTS)[number];

export interface RunOptions {
  seed: number;
  durationMs: number;
  faults?: readonly Fault[];
  registerWorkers?: number;
  keys?: number;
  /** lock holders in their own processes (0: no lock workload) @default 3 */
  lockHolders?: number;
}

/** fault -> outcome -> count */
export type StorageMatrix = Record<string, Record<string, number>>;

export interface RunReport {
  seed: number;
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
  const faults = wanted.filter((f) => {
    if (f === 'pause-holder' && lockHolders === 0) return false;
    const why = unavailable(tools, f);
    if (why) skipped.push(`${f}: ${why}`);
    return !why;
  });
  const clockFile = join(dir, 'faketime.rc');
  const fiuPrefix = join(dir, 'fiu-ctrl');
  const env = mergeEnv(tools.faketime.ok ? faketimeEnv(tools, clockFile) : {}, tools.fiu.ok ? fiuEnv(tools, fiuPrefix) : {});
  const cfg = writeStandaloneCfg(dir, await freePort(), { preAllocSize: 1024, snapCount: 2000 });
  const server = await ServerProcess.start({ name: `faults-${opts.seed}`, config: cfg.file, env, logLevel: 'warn' });
  const proxy = await TcpProxy.start({ host: server.host, port: server.port });
  const keys = Array.from({ length: opts.keys ?? 3 }, (_, i) => `/r${i}`);
  const workload = new Workload(
    { servers: () => proxy.address, keys, registerWorkers: opts.registerWorkers ?? 4, sessionTimeoutMs: 4000, requestTimeoutMs: 2500, tag: `${opts.seed}` },
    new Random(opts.seed ^ 0x5eed),
  );
  const applied: Record<string, number> = {};
  const storage: StorageMatrix = {};
  const problems: string[] = [];
  let finalElements: string[] = [];
  const locks = lockHolders > 0 ? new LockRun(proxy.address, new Random(opts.seed ^ 0x10c)) : undefined;
  let lock: LockReport | undefined;
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
    while (Date.now() < deadline && serverFaults.length > 0) {
      await sleep(rnd.int(500, 2000));
      if (Date.now() >= deadline) break;
      const fault = rnd.pick(serverFaults);
      applied[fault] = (applied[fault] ?? 0) + 1;
      await apply(fault);
    }
    const rest = deadline - Date.now();
    if (rest > 0) await sleep(rest);
    await holderPauses;
    await healAll();
    // Let the workers see the healed system before they stop.
    await sleep(500);
    workload.stop();
    await running;
    lock = await locks?.stop();
    finalElements = await workload.finalReads(server.address);
  } catch (e) {
    problems.push(`run failed: ${(e as Error).stack ?? String(e)}`);
  } finally {
    workload.stop();
    if (locks && !lock) lock = await locks.stop();
    await workload.closeAll();
    await proxy.close();
  }

  async function apply(fault: Fault): Promise<void> {
    switch (fault) {
      case 'kill':
      case 'kill-torn': {
        await server.kill('SIGKILL');
        if (fault === 'kill-torn') {
          const damage = tornTail(join(cfg.dataDir, 'log'), rnd);
          if (!damage) return restart('torn tail', 'no log yet');
        }
        await sleep(rnd.int(0, 500));
        return restart(fault === 'kill-torn' ? 'torn tail' : undefined);
      }
      case 'pause-holder':
        return; // on its own schedule (above)
      case 'pause':
        server.pause();
        await sleep(rnd.int(200, 1500));
        server.resume();
        return;
      case 'blackhole':
        proxy.set({ kind: 'blackhole' });
        await sleep(rnd.int(300, 2000));
        proxy.heal();
        return;
      case 'drop':
        proxy.set({ kind: 'drop' });
        await sleep(rnd.int(100, 800));
        proxy.heal();
        return;
      case 'delay':
        proxy.set({ kind: 'delay', ms: rnd.int(10, 120) });
        await sleep(rnd.int(500, 1500));
        proxy.heal();
        return;
      case 'clock':
        clockJump(clockFile, rnd.pick([-1, 1]) * rnd.int(5, 7200));
        await sleep(rnd.int(300, 1500));
        clockJump(clockFile, 0);
        return;
      case 'fsync-error':
      case 'write-error': {
        const pid = server.pid;
        if (pid === undefined || !server.running) return;
        await fiuEnable(fiuPrefix, pid, fault === 'fsync-error' ? 'fsync' : 'write');
        // Fail-stop: the next write must bring the process down. Writes keep coming from the
        // workload; if none comes, the server never touched the disk and has nothing to stop for.
        const stopped = await Promise.race([server.exited.then(() => true), sleep(10_000).then(() => false)]);
        if (!stopped) {
          bump(storage, fault, 'kept running (no write within 10 s?)');
          problems.push(`${fault}: the server did not stop within 10 s of failing ${fault === 'fsync-error' ? 'fsync' : 'write'} calls`);
          await server.kill('SIGKILL');
        } else {
          const exit = await server.exited;
          if (exit.code === 1 && /fatal: .*(log write failed|snapshot|EIO)/i.test(server.output())) bump(storage, fault, 'fail-stop');
          else {
            bump(storage, fault, `exited ${exit.code ?? exit.signal}`);
            problems.push(`${fault}: unexpected exit ${JSON.stringify(exit)}`);
          }
        }
        return restart(fault);
      }
    }
  }

  async function restart(matrixFault?: string, note?: string): Promise<void> {
    await server.kill('SIGKILL');
    try {
      await server.restart();
      if (matrixFault) bump(storage, matrixFault, note ? `recovered (${note})` : matrixFault === 'torn tail' ? (/truncating a torn write/.test(server.output()) ? 'truncated, recovered' : 'recovered, truncation not logged') : 'recovered after restart');
    } catch (e) {
      if (matrixFault) bump(storage, matrixFault, 'did not restart');
      problems.push(`restart failed: ${(e as Error).message.split('\n').slice(0, 3).join(' | ')}`);
      throw e;
    }
  }

  async function healAll(): Promise<void> {
    proxy.heal();
    if (tools.faketime.ok) clockJump(clockFile, 0);
    if (server.running) {
      try {
        server.resume();
      } catch {
        // not paused
      }
    } else await restart();
    await waitFor(() => server.running, { what: 'server running after heal' });
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
  if (finalElements.length === 0 && set.acknowledged > 0 && problems.length > 0) problems.push('no final read of the set');
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
    writeFileSync(join(dir, 'server-output.txt'), server.output());
  }
  await server.stop();
  return {
    seed: opts.seed,
    dir,
    kept,
    operations: rec.ops.length + rec.adds.length,
    acknowledgedWrites: rec.ops.filter((o) => o.outcome === 'ok' && o.input.f !== 'read').length + set.acknowledged,
    linearizability: lin.result,
    illegalKeys,
    acknowledgedLost: set.lost.length,
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
  if (f === 'clock' && !tools.faketime.ok) return tools.faketime.reason;
  if ((f === 'fsync-error' || f === 'write-error') && !tools.fiu.ok) return tools.fiu.reason;
  return existsSync('/proc') || f !== 'pause' ? undefined : 'no SIGSTOP here';
}
