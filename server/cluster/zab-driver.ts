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
 * - A full disk is not: the core halts (no input reaches it, nothing it holds is sent, so
 *   nothing that did not become durable is ever acknowledged) and `diskFull` tells the
 *   runtime. Once `resume()` finds space again, what the halted core knew is made durable
 *   (epochs and the log tail it held; where the log cannot simply be continued, a
 *   snapshot of the applied state and the tail after it) and a fresh
 *   core starts from exactly that, as a restarted process would: it looks for a leader
 *   (a lone voter leads again at once) and is synced like any rejoining server.
 */
import { assert } from '../base/assert.js';
import type { Logger } from '../base/log.js';
import { DiskFullError, isNoSpace, type Storage } from '../storage/storage.js';
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
  /** bytes of committed txns beyond the timing's logRetainMax a DIFF may carry (see ZabLog) */
  diffBytesMax?(): number;
  /** hands a message to the peer transport */
  send(to: ServerId, msg: Msg): void;
  apply(entry: Entry): void;
  install(snapshot: Snapshot): void;
  role(e: Extract<Effect, { kind: 'role' }>): void;
  fatal(err: Error): void;
  /** The disk is full: the core is halted until resume() (the runtime stops taking writes). */
  diskFull(err: DiskFullError): void;
}

interface Batch {
  ops: readonly PersistOp[];
  slots: Array<Slot<Msg>>;
  /** a job run in the persist order (a snapshot of the tree) */
  job?: () => Promise<void>;
}

/** Derives the core's timing from zoo.cfg's tickTime, initLimit and syncLimit (and commitLogCount). */
export function zabTiming(tickTimeMs: number, initLimit: number, syncLimit: number, commitLogCount = 500): ZabTiming {
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
    logRetainMax: commitLogCount,
  };
}

export class ZabDriver {
  private core: Zab;
  private outbox = new Outbox<Msg>();
  private queued: Batch[] = [];
  private writing = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failed: Error | undefined;
  /** set while the disk is full: the core is halted */
  private full: DiskFullError | undefined;
  /** a truncate or snapshot op was among those the full disk stopped: the log may not be a prefix of the core's */
  private cutShort = false;
  private rngState: number;

  private readonly deps: Omit<ZabDriverDeps, 'init'>;

  constructor(deps: ZabDriverDeps) {
    // init is not kept: its entries (the replayed log) live on in the core's ZabLog, which
    // trims them as they commit; kept here they would stay for the server's life.
    const { init, ...rest } = deps;
    this.deps = rest;
    this.rngState = (deps.id * 2654435761 + Date.now()) >>> 0;
    this.core = this.newCore(init);
  }

  /** The current core (a new one after a full disk was resumed). */
  get zab(): Zab {
    return this.core;
  }

  /** Set while the disk is full and the core is halted. */
  get diskFull(): DiskFullError | undefined {
    return this.full;
  }

  private newCore(init: ZabInit): Zab {
    return new Zab(
      {
        id: this.deps.id,
        members: this.deps.members,
        ...this.deps.timing,
        snapshot: this.deps.snapshot,
        diffBytesMax: this.deps.diffBytesMax,
        // Only connection ids come from here; a xorshift seeded by id and time is enough.
        random: () => {
          this.rngState ^= this.rngState << 13;
          this.rngState ^= this.rngState >>> 17;
          this.rngState ^= this.rngState << 5;
          return (this.rngState >>> 0) / 4294967296;
        },
      },
      init,
    );
  }

  start(): void {
    this.drain();
    this.timer = setInterval(() => {
      if (this.halted) return;
      this.zab.tick();
      this.drain();
    }, this.deps.timing.tickMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  private get halted(): boolean {
    return this.stopped || this.failed !== undefined || this.full !== undefined;
  }

  step(from: ServerId, msg: Msg): void {
    if (this.halted) return;
    this.zab.step(from, msg);
    this.drain();
  }

  peerDown(id: ServerId): void {
    if (this.halted) return;
    this.outbox.clear(id);
    this.zab.peerDown(id);
    this.drain();
  }

  propose(entry: Entry): void {
    if (this.full) throw this.full;
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

  /**
   * Messages to ourselves are stepped later, never inside the drain that made them. Those
   * released by a persist (our own ACK of what we just fsynced) are stepped as soon as this
   * callback ends: they end a chain (commit, apply, answer) rather than start one, and
   * waiting for the next turn of the event loop held every commit, and so every write's
   * answer, behind whatever I/O that turn brought in.
   */
  private transmit(slots: Array<Slot<Msg>>, afterPersist = false): void {
    for (const s of slots) {
      if (s.to !== this.deps.id) this.deps.send(s.to, s.msg);
      else if (afterPersist) queueMicrotask(() => this.step(this.deps.id, s.msg));
      else setImmediate(() => this.step(this.deps.id, s.msg));
    }
  }

  /**
   * One group commit at a time, in order. When a group is durable, the next one (everything
   * proposed meanwhile) is handed to the disk *before* the finished group's ACKs are stepped:
   * its write and fsync then run in the thread pool while this thread commits, applies and
   * answers the finished group, instead of waiting behind that work.
   */
  private async writeLoop(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    // Let the rest of the current run of callbacks (the other frames of one socket read, the
    // other requests of one client message) queue their persists too: they join this group
    // instead of waiting behind a group of one.
    await Promise.resolve();
    try {
      let group = this.nextGroup();
      while (group && !this.failed) {
        if (group.job) {
          await group.job();
          group = this.nextGroup();
          continue;
        }
        try {
          await group.durable;
        } catch (e) {
          if (!isNoSpace(e)) throw e;
          this.halt(e as Error, group.ops);
          group = this.nextGroup();
          continue;
        }
        if (this.stopped) return;
        const done = group.batches;
        group = this.nextGroup();
        this.transmit(this.outbox.release(done.flatMap((b) => b.slots)), true);
      }
    } catch (e) {
      this.failed = e as Error;
      this.deps.fatal(e as Error);
    } finally {
      this.writing = false;
    }
  }

  /**
   * Takes the next unit of persist work off the queue: the exclusive job at its head, or
   * everything queued up to the next job as one group commit, whose persist starts now.
   */
  private nextGroup(): { job: () => Promise<void> } | { job?: undefined; batches: Batch[]; ops: PersistOp[]; durable: Promise<void> } | undefined {
    if (this.queued.length === 0 || this.failed) return undefined;
    let n = 0;
    while (n < this.queued.length && !this.queued[n]!.job) n++;
    if (n === 0) return { job: this.queued.shift()!.job! };
    const batches = this.queued.splice(0, n);
    const ops = batches.flatMap((b) => b.ops);
    const durable = this.persist(ops);
    durable.catch(() => {}); // observed by writeLoop
    return { batches, ops, durable };
  }

  /**
   * The disk is full. Everything the core asked to persist and not yet durable is dropped
   * with the messages waiting on it (no ACK for what is not on disk); the core gets no more
   * input until resume(). Jobs (snapshots) still run in order and meet the full disk themselves.
   */
  private halt(cause: Error, ops: readonly PersistOp[]): void {
    if (this.full) return;
    this.deps.storage.markFull(cause);
    this.full = this.deps.storage.diskFull!;
    const dropped = [...ops, ...this.queued.flatMap((b) => b.ops)];
    this.cutShort = dropped.some((op) => op.kind === 'truncate' || op.kind === 'snapshot');
    this.queued = this.queued.filter((b) => b.job);
    this.outbox = new Outbox<Msg>();
    this.deps.diskFull(this.full);
  }

  /**
   * After a full disk: if the disk has room again, makes durable what the halted core knew
   * and starts a fresh core from it, in the persist order. Resolves true once resumed,
   * false while the disk is still full; any other storage error is fatal.
   */
  resume(): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      this.exclusive(async () => {
        try {
          resolve(await this.tryResume());
        } catch (e) {
          if (isNoSpace(e)) {
            this.deps.storage.markFull(e as Error);
            resolve(false);
            return;
          }
          this.failed = e as Error;
          this.deps.fatal(e as Error);
          resolve(false);
        }
      });
    });
  }

  private async tryResume(): Promise<boolean> {
    if (!this.full || this.stopped || this.failed) return !this.full;
    const { storage, dataDir } = this.deps;
    if (!(await storage.probeSpace())) return false;
    const old = this.core;
    // The epochs the core holds (it may have set one whose persist met the full disk).
    await writeEpoch(dataDir, 'acceptedEpoch', old.acceptedEpoch);
    await writeEpoch(dataDir, 'currentEpoch', old.currentEpoch);
    // The log holds what became durable, in the core's order. Usually the core still holds
    // every entry after it, and appending them makes the log whole again. Otherwise (a TRUNC
    // or SNAP the disk cut short, or entries the core already trimmed) the log is rebuilt
    // from the applied state: records past it cut off, a snapshot of it, the tail after it.
    // Everything at or below the applied state is committed, so nothing is lost either way.
    const image = this.deps.snapshot();
    const durable = storage.lastAppendedZxid;
    const whole = !this.cutShort && durable <= old.lastZxid && (durable >= image.zxid || old.log.base <= durable);
    if (!whole) {
      await storage.truncateAfter(image.zxid);
      await storage.writeSnapshot(image.zxid, image.records);
    }
    const from = whole ? durable : image.zxid;
    const tail = old.log.between(from, old.lastZxid);
    if (tail.length > 0) await storage.append(tail.map((e) => ({ zxid: e.zxid, payload: e.data })));
    assert(storage.lastAppendedZxid === old.lastZxid, `after a full disk the log ends at 0x${storage.lastAppendedZxid.toString(16)}, the core's at 0x${old.lastZxid.toString(16)}`);
    this.deps.log.warn('disk has space again; going on from the durable state', {
      applied: `0x${image.zxid.toString(16)}`,
      lastZxid: `0x${storage.lastAppendedZxid.toString(16)}`,
      rebuiltFromSnapshot: !whole,
      tailTxns: tail.length,
    });
    this.full = undefined;
    this.cutShort = false;
    // As at start-up: the state machine is at the applied state; the log after it is history.
    const entries = old.log.between(image.zxid, old.lastZxid);
    this.core = this.newCore({ acceptedEpoch: old.acceptedEpoch, currentEpoch: old.currentEpoch, snapshotZxid: image.zxid, entries });
    this.drain();
    return true;
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
