/**
 * The seeded simulator: a whole ensemble of SimNodes (real Zab + tree + prep) on a
 * simulated network, disk and clock, run as a discrete-event simulation. One seed fixes
 * everything (the schedule, every delay, every fault), so a failure replays exactly.
 *
 * A run has two phases:
 * - safety: clients write through whoever leads and ping their sessions through any server
 *   (the leader alone expires a session that stops pinging), while faults fly: crashes and restarts
 *   (including crashes on every step of discovery and sync: on LEADERINFO, SYNC, UPTODATE,
 *   ACKEPOCH, NEWLEADER acks, in the middle of their persist), symmetric and asymmetric
 *   partitions, message loss, duplication and reordering, slow fsyncs, torn writes, and
 *   clients that crash (stop pinging for good) or are cut off for a while;
 * - liveness: the network heals and every server is restarted; within a bound a leader
 *   must be elected and commit a probe write on every server, and every write acknowledged
 *   during the run must then be on every server; then, within twice the longest session
 *   timeout, every session whose client stopped must be gone from every server and every
 *   session whose client kept pinging must still be there.
 * The checkers (checkers.ts) run on every apply, persist and role change.
 */
import type { WriteOp } from '../../server/request/ops.js';
import { Perms } from '../../server/tree/types.js';
import type { Member, Msg, ServerId } from '../../server/zab/types.js';
import { Checkers } from './checkers.js';
import { Rng } from './rng.js';
import { SimNode, type NodeWorld, type SimFrame, type SimTiming } from './sim-node.js';
import type { SessionId } from '../../server/tree/types.js';

const OPEN_ACL = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
const TICK_MS = 10;
const SESSION_TIMEOUTS_MS = [150, 300, 600, 1000];

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
  /** per driver step: crash/partition a server, lose/duplicate/reorder a message, slow an fsync, crash or cut off a client */
  faults: { crash: number; partition: number; loss: number; duplicate: number; reorder: number; slowFsync: number; client: number };
}

export interface RunResult {
  schedule: Schedule;
  steps: number;
  violations: string[];
  committed: number;
  acknowledged: number;
  elections: number;
  crashes: number;
  /** closeSessions proposed because a session's client stopped pinging */
  expired: number;
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
      client: r.pick([0.002, 0.005, 0.01]),
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

/** A simulated client: it pings its session through one server, and may crash or be cut off. */
interface SimClient {
  id: SessionId;
  timeoutMs: number;
  node: ServerId;
  /** crashed for good: it never pings again */
  gone: boolean;
  /** cut off until then */
  pausedUntil: number;
  /** when its latest pings reached a serving server (the last few, oldest first; creation counts as one) */
  pingsAt: number[];
}

/** How late a leader may hear of a ping: a touch frame waits up to a tick, crosses the network, lands in a bucket. */
const EXPIRY_SLACK_MS = 3 * TICK_MS + 6;

const serves = (n: SimNode): boolean => n.up && n.zab !== undefined && n.zab.mode !== 'looking';

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
  /** healed, and a leader has committed on every server: expiries are checked against pings */
  private settled = false;
  private readonly blocked = new Set<string>();
  private readonly linkClock = new Map<string, number>();
  private triggeredCrashes = 0;
  private sessions: bigint[] = [];
  private readonly clients = new Map<SessionId, SimClient>();
  private nextSession = 1n;
  private nextPath = 0;

  constructor(readonly schedule: Schedule) {
    this.rng = new Rng(schedule.seed);
    this.faultRng = this.rng.fork();
    const members: Member[] = [];
    for (let i = 1; i <= schedule.voters; i++) members.push({ id: i, voter: true });
    for (let i = 0; i < schedule.observers; i++) members.push({ id: schedule.voters + 1 + i, voter: false });
    const snapshotSizeFactor = this.rng.pick([0, 0.33, 5]);
    const timing: SimTiming = {
      initLimitTicks: 10,
      syncLimitTicks: 5,
      heartbeatTicks: 1,
      electionResendTicks: 3,
      finalizeTicks: 2,
      logRetainMax: this.rng.pick([3, 20, 200]),
      snapshotEvery: this.rng.pick([5, 25, 1000]),
      expiryResolutionMs: TICK_MS,
      snapshotSizeFactor,
    };
    const sim = this;
    const world: NodeWorld = {
      get now() {
        return sim.now;
      },
      rng: this.rng.fork(),
      transmit: (from, to, frame) => this.transmit(from, to, frame),
      after: (delayMs, fn) => this.queue.push(this.now + delayMs, fn),
      fsyncMs: () => (this.healed || !this.faultRng.chance(schedule.faults.slowFsync) ? this.faultRng.int(1, 4) : this.faultRng.int(20, 90)),
      observer: this.checkers,
      sessionExpired: (by, id) => this.sessionExpired(by, id),
    };
    for (const m of members) this.nodes.push(new SimNode(m.id, members, timing, world));
  }

  private node(id: ServerId): SimNode {
    return this.nodes.find((n) => n.id === id)!;
  }

  // ------------------------------------------------------------------ network

  private transmit(from: ServerId, to: ServerId, frame: SimFrame): void {
    const f = this.schedule.faults;
    if (frame.kind === 'zab' && frame.msg.type === 'sync') this.syncModes[frame.msg.mode]++;
    if (this.blocked.has(`${from}>${to}`)) return;
    if (!this.healed && this.faultRng.chance(f.loss)) return;
    const link = `${from}>${to}`;
    let at = this.now + this.faultRng.int(1, 6);
    // A TCP-like link is FIFO; reordering is a fault.
    if (this.healed || !this.faultRng.chance(f.reorder)) at = Math.max(at, this.linkClock.get(link) ?? 0);
    this.linkClock.set(link, Math.max(at, this.linkClock.get(link) ?? 0));
    this.queue.push(at, () => this.arrive(from, to, frame));
    if (!this.healed && this.faultRng.chance(f.duplicate)) this.queue.push(at + this.faultRng.int(0, 10), () => this.arrive(from, to, frame));
  }

  private arrive(from: ServerId, to: ServerId, frame: SimFrame): void {
    const target = this.node(to);
    if (!target.up || this.blocked.has(`${from}>${to}`)) return;
    if (frame.kind !== 'zab') {
      target.receive(from, frame);
      return;
    }
    const msg: Msg = frame.msg;
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
    if (this.faultRng.chance(f.client)) this.clientFault();
  }

  /** A client crashes (never pings again), or is cut off for up to 2.5 session timeouts. */
  private clientFault(): void {
    const live = [...this.clients.values()].filter((c) => !c.gone);
    if (live.length === 0) return;
    const c = this.faultRng.pick(live);
    if (this.faultRng.chance(0.5)) c.gone = true;
    else c.pausedUntil = this.now + this.faultRng.int(c.timeoutMs / 2, (5 * c.timeoutMs) / 2);
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
    const live = this.sessions.filter((id) => !this.clients.get(id)?.gone);
    if (r < 0.1 || live.length === 0) {
      sessionId = this.nextSession++;
      this.sessions.push(sessionId);
      const timeoutMs = this.rng.pick(SESSION_TIMEOUTS_MS);
      // Its connection may be to any server (writes reach the leader either way).
      const at = this.rng.pick(this.nodes.filter((n) => n.up));
      this.startClient({ id: sessionId, timeoutMs, node: at.id, gone: false, pausedUntil: 0, pingsAt: [this.now] });
      op = { op: 'createSession', timeoutMs, password: new Uint8Array([1, 2, 3]) };
    } else if (r < 0.35) {
      sessionId = this.rng.pick(live);
      op = { op: 'create', path: `/e${this.nextPath++}`, data: new Uint8Array([this.nextPath & 255]), acl: OPEN_ACL, mode: 'ephemeral', ttlMs: 0 };
    } else if (r < 0.42) {
      sessionId = this.rng.pick(live);
      this.sessions = this.sessions.filter((s) => s !== sessionId);
      this.clients.delete(sessionId);
      op = { op: 'closeSession' };
    } else if (r < 0.75) {
      op = { op: 'create', path: `/p${this.nextPath++}`, data: new Uint8Array([1, this.nextPath & 255]), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 };
    } else {
      op = { op: 'setData', path: `/p${this.rng.int(0, Math.max(0, this.nextPath - 1))}`, data: new Uint8Array([2, this.rng.int(0, 255)]), version: -1 };
    }
    leader.submit(sessionId, op);
  }

  /**
   * The client pings a third of its timeout apart, through its server (a ping takes a
   * network hop); when that server is down it moves to another one, as the SDK does, and
   * while faults fly it sometimes moves for no reason (a dropped connection).
   */
  private startClient(c: SimClient): void {
    this.clients.set(c.id, c);
    const loop = (): void => {
      if (this.clients.get(c.id) !== c || c.gone) return;
      if (this.now >= c.pausedUntil) {
        let node = this.node(c.node);
        // A server that is down or not serving closes its connections, and its clients go to
        // one that serves; now and then one moves anyway.
        if (!serves(node) || (!this.healed && this.rng.chance(0.02))) {
          const serving = this.nodes.filter(serves);
          if (serving.length > 0) node = this.rng.pick(serving);
          c.node = node.id;
        }
        if (serves(node)) {
          this.queue.push(this.now + this.rng.int(1, 6), () => {
            if (!serves(node)) return;
            c.pingsAt.push(this.now);
            if (c.pingsAt.length > 8) c.pingsAt.shift();
            node.pinged(c.id);
          });
        }
      }
      this.queue.push(this.now + Math.max(TICK_MS, Math.floor(c.timeoutMs / 3)), loop);
    };
    this.queue.push(this.now + 1, loop);
  }

  /**
   * A leader expires a session. Once the ensemble is healed and settled, that must not
   * happen to a session whose client pinged a serving server less than its timeout ago,
   * counting only pings the leader must have heard of by now (a learner's touch waits up to
   * a tick and crosses the network) and allowing for the tracker's buckets. A ping that is
   * still on its way does not count: a client whose pings left a gap longer than its
   * timeout (paused, moving between servers) may rightly expire just before it lands.
   */
  private sessionExpired(by: SimNode, id: SessionId): void {
    const c = this.clients.get(id);
    if (!this.settled || !c || c.gone) return;
    const heard = c.pingsAt.filter((at) => at <= this.now - EXPIRY_SLACK_MS).at(-1);
    if (heard === undefined) return;
    const sinceMs = this.now - heard;
    if (sinceMs < c.timeoutMs - EXPIRY_SLACK_MS) {
      this.checkers.fail(`server ${by.id} expired session 0x${id.toString(16)} (timeout ${c.timeoutMs} ms) at ${this.now} ms, ${sinceMs} ms after its client pinged server ${c.node}, in a healed ensemble`);
    }
  }

  /**
   * After the liveness phase, with the network healed: clients keep pinging (and
   * sessionExpired watches every expiry); two longest timeouts later a session whose client
   * crashed (or closed it) is gone from every server.
   */
  private checkSessionsHealed(): void {
    this.settled = true;
    const windowMs = 2 * Math.max(...SESSION_TIMEOUTS_MS) + 200;
    const end = this.now + windowMs;
    this.runUntil(end);
    const top = this.leaders()[0];
    const settled = this.runUntil(end + this.schedule.livenessBoundMs, () => top !== undefined && this.nodes.every((n) => n.up && n.tree.lastZxid === top.tree.lastZxid));
    if (!settled) return this.checkers.fail(`sessions: servers did not converge after the session window (${this.where()})`);
    for (const n of this.nodes) {
      for (const id of n.tree.sessions().keys()) {
        const c = this.clients.get(id);
        if (!c || c.gone) this.checkers.fail(`session 0x${id.toString(16)} outlived its client on server ${n.id}: still open ${windowMs} ms after the healed ensemble committed`);
      }
    }
  }

  private where(): string {
    return this.nodes.map((n) => `${n.id}:${n.zab?.state ?? 'down'}/${n.zab?.mode ?? '-'}@0x${n.tree.lastZxid.toString(16)}`).join(' ');
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
      expired: this.nodes.reduce((sum, n) => sum + n.expiriesProposed, 0),
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
    for (const c of this.clients.values()) c.pausedUntil = 0;
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
      this.checkers.violations.push(`liveness: with the network healed and every server up, no leader committed a write on every server within ${s.livenessBoundMs} ms (${this.where()})`);
    } else {
      this.checkers.checkAcknowledgedEverywhere(this.nodes);
      this.checkSessionsHealed();
    }
  }
}

export function runSeed(seed: number, overrides: Partial<Schedule> = {}): RunResult {
  return new Simulation(scheduleFor(seed, overrides)).run();
}

/** The command that replays a run exactly. */
export function replayCommand(s: Schedule): string {
  const crash = s.crashOn ? ` --crash-on ${s.crashOn} --crash-when ${s.crashWhen}` : ' --crash-on none';
  const faults = JSON.stringify(s.faults) === JSON.stringify(scheduleFor(s.seed).faults) ? '' : ` --faults '${JSON.stringify(s.faults)}'`;
  return `npm run sim -- --seed ${s.seed} --voters ${s.voters} --observers ${s.observers}${crash}${faults}`;
}
