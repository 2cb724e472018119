/**
 * One simulated server: the real Zab core, data tree and prepper, driven the way
 * server/cluster drives them, with a simulated disk, network and clock.
 *
 * Driver rules it follows (the same as the runtime's): effects in order; persist batches
 * one at a time, in order, batches queued meanwhile merged into the next write (group
 * commit); a batch's acknowledgements leave only once it is durable, and never overtake an
 * earlier message to the same peer (Outbox); committed entries applied at once.
 *
 * Sessions as server/cluster/server.ts keeps them: the leader alone runs a SessionTracker
 * (on the simulated clock); it gives every session in its tree a full timeout when it takes
 * the role, adds each committed createSession and drops each closeSession, and once
 * established proposes a closeSession for every session whose deadline passed. A learner
 * collects its clients' pings and sends them to the leader as one touch frame per tick.
 */
import { DEFAULT_LIMITS } from '../../server/base/limits.js';
import type { Zxid } from '../../server/base/zxid.js';
import type { WriteOp } from '../../server/request/ops.js';
import { Prepper } from '../../server/request/prep.js';
import { SessionTracker } from '../../server/session/session-tracker.js';
import { DataTree } from '../../server/tree/data-tree.js';
import { decodeTxnEntry, encodeTxnEntry } from '../../server/tree/txn-codec.js';
import type { SessionId } from '../../server/tree/types.js';
import { Outbox, type Slot } from '../../server/zab/outbox.js';
import type { DurableMsg, Effect, Entry, Member, Msg, PersistOp, ServerId, Snapshot } from '../../server/zab/types.js';
import { Zab } from '../../server/zab/zab.js';
import type { Rng } from './rng.js';
import { SimDisk } from './sim-disk.js';

/** What travels between simulated servers: Zab messages, and a learner's session touches. */
export type SimFrame = { kind: 'zab'; msg: Msg } | { kind: 'touch'; sessions: SessionId[] };

export interface NodeWorld {
  readonly now: number;
  readonly rng: Rng;
  /** hands a frame to the network */
  transmit(from: ServerId, to: ServerId, frame: SimFrame): void;
  /** runs fn after delayMs (unless the node has crashed since: the callback checks) */
  after(delayMs: number, fn: () => void): void;
  /** how long the next fsync takes */
  fsyncMs(): number;
  observer: NodeObserver;
  /** this node, leading, decided that a session expired (it proposes the closeSession) */
  sessionExpired(node: SimNode, sessionId: SessionId): void;
}

/** What the checkers see of a node. */
export interface NodeObserver {
  applied(node: SimNode, entry: Entry, digest: bigint): void;
  installed(node: SimNode, snapshot: Snapshot, digest: bigint): void;
  role(node: SimNode, e: Extract<Effect, { kind: 'role' }>): void;
  /** a client write proposed by this node was committed and applied here: the client is told OK */
  acknowledged(node: SimNode, zxid: Zxid, entry: Entry): void;
  persisted(node: SimNode): void;
}

export interface SimTiming {
  initLimitTicks: number;
  syncLimitTicks: number;
  heartbeatTicks: number;
  electionResendTicks: number;
  finalizeTicks: number;
  logRetainMax: number;
  snapshotEvery: number;
  /** bucket width of the leader's session tracker (the runtime checks every 50 ms) */
  expiryResolutionMs: number;
  /** a DIFF may carry txns beyond logRetainMax up to this times the newest snapshot's size (zoo.cfg snapshotSizeFactor) */
  snapshotSizeFactor: number;
}

interface Batch {
  ops: PersistOp[];
  slots: Array<Slot<Msg>>;
}

export class SimNode {
  readonly disk = new SimDisk();
  up = false;
  incarnation = 0;
  zab: Zab | undefined;
  tree: DataTree = new DataTree();
  private prepper: Prepper = new Prepper(this.tree);
  private outbox = new Outbox<Msg>();
  private queued: Batch[] = [];
  private writing: Batch | undefined;
  /** zxids of client writes this node proposed in its current leadership */
  private mine = new Set<Zxid>();
  private appliedSinceSnapshot = 0;
  private cxid = 0;
  /** the leader's session deadlines (only while it holds the role) */
  private sessionTracker: SessionTracker | undefined;
  /** a learner: sessions its clients pinged since its last touch frame */
  private readonly touched = new Set<SessionId>();
  /** closeSessions this node proposed because a session's deadline passed */
  expiriesProposed = 0;

  constructor(
    readonly id: ServerId,
    private readonly members: readonly Member[],
    private readonly timing: SimTiming,
    private readonly world: NodeWorld,
  ) {}

  get voter(): boolean {
    return this.members.find((m) => m.id === this.id)?.voter ?? false;
  }

  start(): void {
    this.up = true;
    this.incarnation++;
    const rec = this.disk.recover();
    this.tree = rec.snapshot ? DataTree.fromSnapshot(rec.snapshot.zxid, rec.snapshot.records) : new DataTree();
    this.prepper = new Prepper(this.tree);
    this.outbox = new Outbox<Msg>();
    this.queued = [];
    this.writing = undefined;
    this.mine.clear();
    this.sessionTracker = undefined;
    this.touched.clear();
    const rng = this.world.rng.fork();
    this.zab = new Zab(
      {
        id: this.id,
        members: this.members,
        ...this.timing,
        diffBytesMax: () => Math.max(0, Math.floor(this.disk.snapshotBytes * this.timing.snapshotSizeFactor)),
        snapshot: () => ({ zxid: this.tree.lastZxid, records: [...this.tree.snapshotRecords()] }),
        random: () => rng.next(),
      },
      { acceptedEpoch: this.disk.acceptedEpoch, currentEpoch: this.disk.currentEpoch, snapshotZxid: rec.snapshotZxid, entries: rec.entries },
    );
    if (rec.snapshot) this.world.observer.installed(this, rec.snapshot, this.tree.digest());
    this.drain();
  }

  /** Power off: volatile state is gone; a write in progress lands torn. */
  crash(): void {
    if (!this.up) return;
    this.up = false;
    if (this.writing) this.disk.tear(this.writing.ops, this.world.rng);
    this.writing = undefined;
    this.queued = [];
    this.outbox.clear();
    this.zab = undefined;
    this.sessionTracker = undefined;
    this.touched.clear();
  }

  deliver(from: ServerId, msg: Msg): void {
    if (!this.zab) return;
    this.zab.step(from, msg);
    this.drain();
  }

  /** A frame from a peer: Zab goes to the core; a touch renews sessions if we lead. */
  receive(from: ServerId, frame: SimFrame): void {
    if (frame.kind === 'zab') this.deliver(from, frame.msg);
    else if (this.zab?.canPropose) for (const id of frame.sessions) this.sessionTracker?.touch(id, this.world.now);
  }

  /** A client's ping arriving at this node (any sign of life of its session). */
  pinged(sessionId: SessionId): void {
    if (!this.zab) return;
    if (this.sessionTracker) this.sessionTracker.touch(sessionId, this.world.now);
    else this.touched.add(sessionId);
  }

  tick(): void {
    if (!this.zab) return;
    this.zab.tick();
    this.drain();
    this.sessionTick();
  }

  /** The leader expires what is due; a learner reports the sessions it saw alive. */
  private sessionTick(): void {
    const zab = this.zab;
    if (!zab) return;
    if (this.sessionTracker) {
      if (!zab.canPropose) return;
      for (const id of this.sessionTracker.expire(this.world.now)) {
        this.world.sessionExpired(this, id);
        if (this.submit(id, { op: 'closeSession' }, false) === 'proposed') this.expiriesProposed++;
      }
      return;
    }
    const leader = zab.leaderId;
    if (leader !== undefined && leader !== this.id && zab.mode !== 'looking' && this.touched.size > 0) {
      this.world.transmit(this.id, leader, { kind: 'touch', sessions: [...this.touched] });
    }
    this.touched.clear();
  }

  peerDown(peer: ServerId): void {
    if (!this.zab) return;
    this.outbox.clear(peer);
    this.zab.peerDown(peer);
    this.drain();
  }

  /**
   * A client write arriving at this node (only an established leader takes it). `client`:
   * a client waits for its answer, so its commit counts as acknowledged (the leader's own
   * expiries do not).
   */
  submit(sessionId: SessionId, op: WriteOp, client = true): 'proposed' | 'refused' {
    const zab = this.zab;
    if (!zab?.canPropose) return 'refused';
    const zxid = zab.nextZxid();
    const timeMs = 1_700_000_000_000 + this.world.now;
    const out = this.prepper.prepare(op, { zxid, timeMs, sessionId, auth: [{ scheme: 'super', id: 'sim' }], limits: DEFAULT_LIMITS, extendedTypesEnabled: true });
    if (!out.ok) return 'refused';
    const entry: Entry = { zxid, data: encodeTxnEntry({ header: { sessionId, cxid: ++this.cxid, zxid, timeMs }, txn: out.txn }) };
    if (client) this.mine.add(zxid);
    zab.propose(entry);
    this.drain();
    return 'proposed';
  }

  // ------------------------------------------------------------------ effects

  private drain(): void {
    const zab = this.zab;
    if (!zab) return;
    for (const e of zab.ready()) {
      if (!this.zab) return;
      this.effect(e);
    }
  }

  private effect(e: Effect): void {
    switch (e.kind) {
      case 'send':
        this.transmit(this.outbox.send(e.to, e.msg));
        return;
      case 'persist': {
        const slots = this.outbox.hold(e.then as ReadonlyArray<{ to: ServerId; msg: DurableMsg }>);
        this.queued.push({ ops: [...e.ops], slots });
        this.startWrite();
        return;
      }
      case 'apply':
        this.apply(e.entry);
        return;
      case 'install':
        this.tree = DataTree.fromSnapshot(e.snapshot.zxid, e.snapshot.records);
        this.prepper = new Prepper(this.tree);
        this.world.observer.installed(this, e.snapshot, this.tree.digest());
        return;
      case 'role':
        if (e.mode !== 'leader') {
          this.prepper.reset();
          this.mine.clear();
          this.sessionTracker = undefined;
        } else {
          // The leader alone decides expiry; every session gets a full timeout from now.
          this.sessionTracker = new SessionTracker(this.timing.expiryResolutionMs);
          for (const [id, sess] of this.tree.sessions()) this.sessionTracker.add(id, sess.timeoutMs, this.world.now);
        }
        this.world.observer.role(this, e);
        return;
    }
  }

  private apply(entry: Entry): void {
    const txn = decodeTxnEntry(entry.data);
    this.tree.apply(txn);
    if (txn.txn.type === 'createSession') this.sessionTracker?.add(txn.header.sessionId, txn.txn.timeoutMs, this.world.now);
    else if (txn.txn.type === 'closeSession') this.sessionTracker?.remove(txn.header.sessionId);
    this.prepper.applied(entry.zxid);
    this.world.observer.applied(this, entry, this.tree.digest());
    if (this.mine.delete(entry.zxid)) this.world.observer.acknowledged(this, entry.zxid, entry);
    if (++this.appliedSinceSnapshot >= this.timing.snapshotEvery) {
      this.appliedSinceSnapshot = 0;
      this.disk.saveSnapshot({ zxid: this.tree.lastZxid, records: [...this.tree.snapshotRecords()] });
    }
  }

  private startWrite(): void {
    if (this.writing || this.queued.length === 0) return;
    // Group commit: everything queued goes into one write and one fsync.
    const batch: Batch = { ops: this.queued.flatMap((b) => b.ops), slots: this.queued.flatMap((b) => b.slots) };
    this.queued = [];
    this.writing = batch;
    const incarnation = this.incarnation;
    this.world.after(this.world.fsyncMs(), () => {
      if (!this.up || this.incarnation !== incarnation || this.writing !== batch) return;
      for (const op of batch.ops) this.disk.apply(op);
      this.writing = undefined;
      this.world.observer.persisted(this);
      this.transmit(this.outbox.release(batch.slots));
      this.startWrite();
    });
  }

  private transmit(slots: Array<Slot<Msg>>): void {
    for (const s of slots) {
      if (s.to === this.id) {
        const incarnation = this.incarnation;
        // To ourselves: back into step() as a fresh input (never re-entrantly).
        this.world.after(0, () => {
          if (this.up && this.incarnation === incarnation) this.deliver(this.id, s.msg);
        });
      } else {
        this.world.transmit(this.id, s.to, { kind: 'zab', msg: s.msg });
      }
    }
  }
}
