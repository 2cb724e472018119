/**
 * Drives the pure Zab core with real time, storage and a transport: the runtime's half of
 * the contract in server/zab/zab.ts.
 *
 * - Effects are carried out in order, right after each input (a message, a tick, a
 *   proposal), never re-entrantly: messages to ourselves come back on the next turn.
 * - Persists run one batch at a time, in order. Everything queued while a batch is being
 *   written joins the next one (group commit: the appends of many batches share one
 *   fsync). Within a batch an epoch, truncate or snapshot op waits for the appends before
 *   it, so "currentEpoch = e" is never durable ahead of the log it vouches for.
 * - A batch's acknowledgements are sent only once the whole batch is durable, and never
 *   overtake an earlier message to the same peer (server/zab/outbox.ts).
 * - A storage failure is fatal (fail-stop): nothing more is acknowledged.
 */
import type { Logger } from '../base/log.js';
import type { Storage } from '../storage/storage.js';
import { writeEpoch } from '../storage/epoch-file.js';
import { Outbox, type Slot } from '../zab/outbox.js';
import type { Effect, Entry, Member, Msg, PersistOp, ServerId, Snapshot, ZabInit } from '../zab/types.js';
import { Zab } from '../zab/zab.js';

export interface ZabTiming {
  /** the core's tick, in ms (finer than tickTime so elections and failover are quick) */
  tickMs: number;
  initLimitTicks: number;
  syncLimitTicks: number;
  heartbeatTicks: number;
  electionResendTicks: number;
  finalizeTicks: number;
  logRetainMax: number;
}

export interface ZabDriverDeps {
  id: ServerId;
  members: Member[];
  timing: ZabTiming;
  init: ZabInit;
  storage: Storage;
  dataDir: string;
  log: Logger;
  /** the applied state, for SNAPs */
  snapshot(): Snapshot;
  /** hands a message to the peer transport */
  send(to: ServerId, msg: Msg): void;
  apply(entry: Entry): void;
  install(snapshot: Snapshot): void;
  role(e: Extract<Effect, { kind: 'role' }>): void;
  fatal(err: Error): void;
}

interface Batch {
  ops: readonly PersistOp[];
  slots: Array<Slot<Msg>>;
  /** a job run in the persist order (a snapshot of the tree) */
  job?: () => Promise<void>;
}

/** Derives the core's timing from zoo.cfg's tickTime, initLimit and syncLimit. */
export function zabTiming(tickTimeMs: number, initLimit: number, syncLimit: number): ZabTiming {
  const tickMs = Math.max(5, Math.min(20, tickTimeMs));
  const ticks = (ms: number): number => Math.max(1, Math.round(ms / tickMs));
  return {
    tickMs,
    initLimitTicks: ticks(initLimit * tickTimeMs),
    syncLimitTicks: ticks(syncLimit * tickTimeMs),
    // The leader pings twice per tickTime, as ZooKeeper does.
    heartbeatTicks: ticks(tickTimeMs / 2),
    electionResendTicks: ticks(Math.min(200, tickTimeMs)),
    finalizeTicks: ticks(40),
    logRetainMax: 500,
  };
}

export class ZabDriver {
  readonly zab: Zab;
  private readonly outbox = new Outbox<Msg>();
  private queued: Batch[] = [];
  private writing = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failed: Error | undefined;

  constructor(private readonly deps: ZabDriverDeps) {
    let rngState = (deps.id * 2654435761 + Date.now()) >>> 0;
    this.zab = new Zab(
      {
        id: deps.id,
        members: deps.members,
        ...deps.timing,
        snapshot: deps.snapshot,
        // Only connection ids come from here; a xorshift seeded by id and time is enough.
        random: () => {
          rngState ^= rngState << 13;
          rngState ^= rngState >>> 17;
          rngState ^= rngState << 5;
          return (rngState >>> 0) / 4294967296;
        },
      },
      deps.init,
    );
  }

  start(): void {
    this.drain();
    this.timer = setInterval(() => {
      if (this.stopped || this.failed) return;
      this.zab.tick();
      this.drain();
    }, this.deps.timing.tickMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  step(from: ServerId, msg: Msg): void {
    if (this.stopped || this.failed) return;
    this.zab.step(from, msg);
    this.drain();
  }

  peerDown(id: ServerId): void {
    if (this.stopped || this.failed) return;
    this.outbox.clear(id);
    this.zab.peerDown(id);
    this.drain();
  }

  propose(entry: Entry): void {
    this.zab.propose(entry);
    this.drain();
  }

  /** Runs `job` in the persist order (after every batch queued so far). */
  exclusive(job: () => Promise<void>): void {
    this.queued.push({ ops: [], slots: [], job });
    void this.writeLoop();
  }

  private drain(): void {
    for (const e of this.zab.ready()) {
      switch (e.kind) {
        case 'send':
          this.transmit(this.outbox.send(e.to, e.msg));
          break;
        case 'persist':
          this.queued.push({ ops: e.ops, slots: this.outbox.hold(e.then) });
          void this.writeLoop();
          break;
        case 'apply':
          this.deps.apply(e.entry);
          break;
        case 'install':
          this.deps.install(e.snapshot);
          break;
        case 'role':
          this.deps.role(e);
          break;
      }
    }
  }

  private transmit(slots: Array<Slot<Msg>>): void {
    for (const s of slots) {
      if (s.to === this.deps.id) setImmediate(() => this.step(this.deps.id, s.msg));
      else this.deps.send(s.to, s.msg);
    }
  }

  private async writeLoop(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queued.length > 0 && !this.failed) {
        // Everything queued so far, up to the next exclusive job, is one group commit.
        let n = 0;
        while (n < this.queued.length && !this.queued[n]!.job) n++;
        if (n === 0) {
          const job = this.queued.shift()!.job!;
          await job();
          continue;
        }
        const batches = this.queued.splice(0, n);
        await this.persist(batches.flatMap((b) => b.ops));
        if (this.stopped) return;
        this.transmit(this.outbox.release(batches.flatMap((b) => b.slots)));
      }
    } catch (e) {
      this.failed = e as Error;
      this.deps.fatal(e as Error);
    } finally {
      this.writing = false;
    }
  }

  private async persist(ops: readonly PersistOp[]): Promise<void> {
    const { storage, dataDir } = this.deps;
    let appends: Array<Promise<void>> = [];
    const settle = async (): Promise<void> => {
      const waiting = appends;
      appends = [];
      await Promise.all(waiting);
    };
    for (const op of ops) {
      switch (op.kind) {
        case 'append':
          // Not awaited: appends issued together share one write and one fsync.
          {
            const p = storage.append(op.entries.map((e) => ({ zxid: e.zxid, payload: e.data })));
            p.catch(() => {}); // observed by settle()
            appends.push(p);
          }
          break;
        case 'acceptedEpoch':
        case 'currentEpoch':
          await settle();
          await writeEpoch(dataDir, op.kind, op.epoch);
          break;
        case 'truncate':
          await settle();
          await storage.truncateAfter(op.zxid);
          break;
        case 'snapshot':
          await settle();
          await storage.truncateAfter(op.snapshot.zxid);
          await storage.writeSnapshot(op.snapshot.zxid, op.snapshot.records);
          break;
      }
    }
    await settle();
  }
}
