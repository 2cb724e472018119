/**
 * The seeded simulator: a whole ensemble of SimNodes (real Zab + tree + prep) on a
 * simulated network, disk and clock, run as a discrete-event simulation. One seed fixes
 * everything (the schedule, every delay, every fault), so a failure replays exactly.
 *
 * A run has two phases:
 * - safety: clients write through whoever leads, while faults fly: crashes and restarts
 *   (including crashes on every step of discovery and sync: on LEADERINFO, SYNC, UPTODATE,
 *   ACKEPOCH, NEWLEADER acks, in the middle of their persist), symmetric and asymmetric
 *   partitions, message loss, duplication and reordering, slow fsyncs, torn writes;
 * - liveness: the network heals and every server is restarted; within a bound a leader
 *   must be elected and commit a probe write on every server, and every write acknowledged
 *   during the run must then be on every server.
 * The checkers (checkers.ts) run on every apply, persist and role change.
 */
import type { WriteOp } from '../../server/request/ops.js';
import { Perms } from '../../server/tree/types.js';
import type { Member, Msg, ServerId } from '../../server/zab/types.js';
import { Checkers } from './checkers.js';
import { Rng } from './rng.js';
import { SimNode, type NodeWorld, type SimTiming } from './sim-node.js';

const OPEN_ACL = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
const TICK_MS = 10;

export type CrashPoint = 'leaderInfo' | 'sync' | 'upToDate' | 'ackEpoch' | 'ackNewLeader' | 'proposal' | 'commit';
export const CRASH_POINTS: readonly CrashPoint[] = ['leaderInfo', 'sync', 'upToDate', 'ackEpoch', 'ackNewLeader', 'proposal', 'commit'];

export interface Schedule {
  seed: number;
  voters: number;
  observers: number;
  /** crash the receiver of this message type (before, right after, or mid-persist) */
  crashOn: CrashPoint | undefined;
  crashWhen: 'before' | 'after' | 'midPersist';
  safetyMs: number;
  livenessBoundMs: number;
  faults: { crash: number; partition: number; loss: number; duplicate: number; reorder: number; slowFsync: number };
}

export interface RunResult {
  schedule: Schedule;
  steps: number;
  violations: string[];
  committed: number;
  acknowledged: number;
  elections: number;
  crashes: number;
  syncModes: { diff: number; trunc: number; snap: number };
}

/** The schedule a seed stands for (overrides pin parts of it, e.g. for the fixed CI set). */
export function scheduleFor(seed: number, overrides: Partial<Schedule> = {}): Schedule {
  const r = new Rng(seed ^ 0x5eed);
  const voters = r.chance(0.6) ? 3 : 5;
  const crashOn = r.chance(0.6) ? r.pick(CRASH_POINTS) : undefined;
  return {
    seed,
    voters,
    observers: r.pick([0, 0, 1, 2]),
    crashOn,
    crashWhen: r.pick(['before', 'after', 'midPersist'] as const),
    safetyMs: r.int(1500, 4000),
    livenessBoundMs: 6000,
    faults: {
      crash: r.pick([0, 0.002, 0.005]),
      partition: r.pick([0, 0.002, 0.004]),
      loss: r.pick([0, 0, 0.01, 0.05]),
      duplicate: r.pick([0, 0.01, 0.05]),
      reorder: r.pick([0, 0.01, 0.05]),
      slowFsync: r.pick([0, 0.02, 0.1, 0.3]),
    },
    ...overrides,
  };
}

interface Event {
  at: number;
  seq: number;
  fn: () => void;
}

/** A binary min-heap on (at, seq): equal times run in scheduling order. */
class EventQueue {
  private heap: Event[] = [];
  private seq = 0;

  push(at: number, fn: () => void): void {
    const e = { at, seq: this.seq++, fn };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): Event | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  peekAt(): number | undefined {
    return this.heap[0]?.at;
  }
}

function less(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export class Simulation {
  readonly nodes: SimNode[] = [];
  readonly checkers = new Checkers();
  private readonly rng: Rng;
  private readonly faultRng: Rng;
  private readonly queue = new EventQueue();
  now = 0;
  steps = 0;
  crashes = 0;
  readonly syncModes = { diff: 0, trunc: 0, snap: 0 };
  private healed = false;
  private readonly blocked = new Set<string>();
  private readonly linkClock = new Map<string, number>();
  private triggeredCrashes = 0;
  private sessions: bigint[] = [];
  private nextSession = 1n;
  private nextPath = 0;

  constructor(readonly schedule: Schedule) {
    this.rng = new Rng(schedule.seed);
    this.faultRng = this.rng.fork();
    const members: Member[] = [];
    for (let i = 1; i <= schedule.voters; i++) members.push({ id: i, voter: true });
    for (let i = 0; i < schedule.observers; i++) members.push({ id: schedule.voters + 1 + i, voter: false });
    const timing: SimTiming = {
      initLimitTicks: 10,
      syncLimitTicks: 5,
      heartbeatTicks: 1,
      electionResendTicks: 3,
      finalizeTicks: 2,
      logRetainMax: this.rng.pick([3, 20, 200]),
      snapshotEvery: this.rng.pick([5, 25, 1000]),
    };
    const sim = this;
    const world: NodeWorld = {
      get now() {
        return sim.now;
      },
      rng: this.rng.fork(),
      transmit: (from, to, msg) => this.transmit(from, to, msg),
      after: (delayMs, fn) => this.queue.push(this.now + delayMs, fn),
      fsyncMs: () => (this.healed || !this.faultRng.chance(schedule.faults.slowFsync) ? this.faultRng.int(1, 4) : this.faultRng.int(20, 90)),
      observer: this.checkers,
    };
    for (const m of members) this.nodes.push(new SimNode(m.id, members, timing, world));
  }

  private node(id: ServerId): SimNode {
    return this.nodes.find((n) => n.id === id)!;
  }

  // ------------------------------------------------------------------ network

  private transmit(from: ServerId, to: ServerId, msg: Msg): void {
    const f = this.schedule.faults;
    if (msg.type === 'sync') this.syncModes[msg.mode]++;
    if (this.blocked.has(`${from}>${to}`)) return;
    if (!this.healed && this.faultRng.chance(f.loss)) return;
    const link = `${from}>${to}`;
    let at = this.now + this.faultRng.int(1, 6);
    // A TCP-like link is FIFO; reordering is a fault.
    if (this.healed || !this.faultRng.chance(f.reorder)) at = Math.max(at, this.linkClock.get(link) ?? 0);
    this.linkClock.set(link, Math.max(at, this.linkClock.get(link) ?? 0));
    this.queue.push(at, () => this.arrive(from, to, msg));
    if (!this.healed && this.faultRng.chance(f.duplicate)) this.queue.push(at + this.faultRng.int(0, 10), () => this.arrive(from, to, msg));
  }

  private arrive(from: ServerId, to: ServerId, msg: Msg): void {
    const target = this.node(to);
    if (!target.up || this.blocked.has(`${from}>${to}`)) return;
    const point = this.schedule.crashOn;
    if (!this.healed && point !== undefined && msg.type === point && this.triggeredCrashes < 4 && this.faultRng.chance(0.5)) {
      this.triggeredCrashes++;
      if (this.schedule.crashWhen === 'before') {
        this.crash(target);
        return;
      }
      target.deliver(from, msg);
      if (this.schedule.crashWhen === 'after') this.crash(target);
      else this.queue.push(this.now + 1, () => this.crash(target));
      return;
    }
    target.deliver(from, msg);
  }

  // ------------------------------------------------------------------ faults

  private crash(n: SimNode): void {
    if (!n.up) return;
    this.crashes++;
    n.crash();
    // Most peers see the connection reset at once (TCP RST); the rest find out by timeout.
    for (const p of this.nodes) {
      if (p !== n && p.up && this.faultRng.chance(0.7)) this.queue.push(this.now + this.faultRng.int(1, 5), () => p.peerDown(n.id));
    }
    const back = this.faultRng.int(20, 400);
    this.queue.push(this.now + back, () => {
      if (!n.up && !this.healed) this.restart(n);
    });
  }

  private restart(n: SimNode): void {
    if (n.up) return;
    n.start();
    this.checkers.restarted(n);
  }

  private partition(): void {
    const ids = this.nodes.map((n) => n.id);
    this.blocked.clear();
    if (this.faultRng.chance(0.5)) {
      // symmetric: two sides that cannot talk
      const side = new Set(ids.filter(() => this.faultRng.chance(0.5)));
      for (const a of ids) for (const b of ids) if (a !== b && side.has(a) !== side.has(b)) this.blocked.add(`${a}>${b}`);
    } else {
      // asymmetric: some one-way links down
      for (const a of ids) for (const b of ids) if (a !== b && this.faultRng.chance(0.25)) this.blocked.add(`${a}>${b}`);
    }
    this.queue.push(this.now + this.faultRng.int(50, 600), () => this.blocked.clear());
  }

  private randomFaults(): void {
    const f = this.schedule.faults;
    if (this.faultRng.chance(f.crash)) {
      const up = this.nodes.filter((n) => n.up);
      if (up.length > 0) this.crash(this.faultRng.pick(up));
    }
    if (this.faultRng.chance(f.crash / 5)) {
      // Power loss across a majority, or everyone, at once: only what was fsynced survives.
      const up = this.nodes.filter((n) => n.up);
      const count = this.faultRng.chance(0.5) ? this.nodes.length : Math.floor(this.nodes.length / 2) + 1;
      for (let i = 0; i < count && up.length > 0; i++) this.crash(up.splice(this.faultRng.int(0, up.length - 1), 1)[0]!);
    }
    if (this.faultRng.chance(f.partition)) this.partition();
  }

  // ------------------------------------------------------------------ clients

  private leaders(): SimNode[] {
    return this.nodes.filter((n) => n.up && n.zab?.canPropose);
  }

  private clientStep(): void {
    const leaders = this.leaders();
    if (leaders.length === 0) return;
    const leader = this.rng.pick(leaders);
    const r = this.rng.next();
    let sessionId = 0n;
    let op: WriteOp;
    if (r < 0.1 || this.sessions.length === 0) {
      sessionId = this.nextSession++;
      this.sessions.push(sessionId);
      op = { op: 'createSession', timeoutMs: 10_000, password: new Uint8Array([1, 2, 3]) };
    } else if (r < 0.35) {
      sessionId = this.rng.pick(this.sessions);
      op = { op: 'create', path: `/e${this.nextPath++}`, data: new Uint8Array([this.nextPath & 255]), acl: OPEN_ACL, mode: 'ephemeral', ttlMs: 0 };
    } else if (r < 0.42) {
      sessionId = this.rng.pick(this.sessions);
      this.sessions = this.sessions.filter((s) => s !== sessionId);
      op = { op: 'closeSession' };
    } else if (r < 0.75) {
      op = { op: 'create', path: `/p${this.nextPath++}`, data: new Uint8Array([1, this.nextPath & 255]), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 };
    } else {
      op = { op: 'setData', path: `/p${this.rng.int(0, Math.max(0, this.nextPath - 1))}`, data: new Uint8Array([2, this.rng.int(0, 255)]), version: -1 };
    }
    leader.submit(sessionId, op);
  }

  // ------------------------------------------------------------------ running

  private runUntil(endMs: number, done?: () => boolean): boolean {
    for (;;) {
      if (done?.()) return true;
      const at = this.queue.peekAt();
      if (at === undefined || at > endMs) {
        this.now = endMs;
        return done?.() ?? false;
      }
      const e = this.queue.pop()!;
      this.now = e.at;
      e.fn();
      this.steps++;
    }
  }

  private scheduleTicks(): void {
    for (const n of this.nodes) {
      const offset = this.rng.int(0, TICK_MS - 1);
      const loop = (): void => {
        n.tick();
        this.queue.push(this.now + TICK_MS, loop);
      };
      this.queue.push(offset, loop);
    }
  }

  run(): RunResult {
    try {
      this.runPhases();
    } catch (e) {
      // An assertion in the real code (or the sim) is a finding like any other.
      this.checkers.violations.push(`exception at ${this.now} ms, step ${this.steps}: ${(e as Error).stack ?? String(e)}`);
    }
    return {
      schedule: this.schedule,
      steps: this.steps,
      violations: this.checkers.violations,
      committed: this.checkers.committedCount,
      acknowledged: this.checkers.acked.size,
      elections: this.checkers.elections,
      crashes: this.crashes,
      syncModes: { ...this.syncModes },
    };
  }

  private runPhases(): void {
    const s = this.schedule;
    for (const n of this.nodes) n.start();
    this.scheduleTicks();
    // Safety phase: clients and faults.
    const driver = (): void => {
      if (this.healed) return;
      this.randomFaults();
      if (this.rng.chance(0.5)) this.clientStep();
      this.queue.push(this.now + this.rng.int(1, 8), driver);
    };
    this.queue.push(0, driver);
    this.runUntil(s.safetyMs);

    // Liveness phase: heal everything, restart everyone.
    this.healed = true;
    this.blocked.clear();
    for (const n of this.nodes) if (!n.up) this.restart(n);
    const deadline = this.now + s.livenessBoundMs;
    let probeZxid: bigint | undefined;
    let probeBy: SimNode | undefined;
    const ok = this.runUntil(deadline, () => {
      const leaders = this.leaders();
      if (probeZxid === undefined || !probeBy?.zab?.canPropose) {
        probeZxid = undefined;
        const leader = leaders[0];
        if (!leader || !leader.zab) return false;
        const zxid = leader.zab.nextZxid();
        if (leader.submit(0n, { op: 'create', path: `/probe${this.nextPath++}`, data: new Uint8Array([9]), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 }) === 'proposed') {
          probeZxid = zxid;
          probeBy = leader;
        }
        return false;
      }
      return this.nodes.every((n) => n.up && n.zab?.mode !== 'looking' && n.tree.lastZxid >= probeZxid!);
    });
    if (!ok) {
      const where = this.nodes.map((n) => `${n.id}:${n.zab?.state ?? 'down'}/${n.zab?.mode ?? '-'}@0x${n.tree.lastZxid.toString(16)}`).join(' ');
      this.checkers.violations.push(`liveness: with the network healed and every server up, no leader committed a write on every server within ${s.livenessBoundMs} ms (${where})`);
    } else {
      this.checkers.checkAcknowledgedEverywhere(this.nodes);
    }
  }
}

export function runSeed(seed: number, overrides: Partial<Schedule> = {}): RunResult {
  return new Simulation(scheduleFor(seed, overrides)).run();
}

/** The command that replays a run exactly. */
export function replayCommand(s: Schedule): string {
  const crash = s.crashOn ? ` --crash-on ${s.crashOn} --crash-when ${s.crashWhen}` : ' --crash-on none';
  return `npm run sim -- --seed ${s.seed} --voters ${s.voters} --observers ${s.observers}${crash}`;
}
