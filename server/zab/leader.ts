/**
 * The LEADING role: discovery, synchronization, broadcast.
 *
 * Discovery: once a majority of voters (itself included) have sent LEARNERINFO, the new
 * epoch is max(acceptedEpoch) + 1; it is persisted as acceptedEpoch before the leader
 * counts its own ACKEPOCH. A learner whose (currentEpoch, lastZxid) is ahead of the leader
 * before a majority has acked the epoch means the election was wrong: step down.
 *
 * Synchronization: after a majority of ACKEPOCHs, each learner gets one SYNC (DIFF, TRUNC
 * or SNAP, plus NEWLEADER) bringing its log to the leader's whole history. From that moment
 * it is sent every later PROPOSAL and COMMIT (ZooKeeper's spec issues 1 and 3: a learner
 * must miss nothing between NEWLEADER and UPTODATE). The leader persists currentEpoch before
 * counting its own NEWLEADER ack. With a majority of NEWLEADER acks the leader is
 * established: its initial history is committed and UPTODATE (carrying the latest commit)
 * goes to every learner that has acked NEWLEADER, now or later.
 *
 * Broadcast: propose -> PROPOSAL to followers + persist -> ACKs (cumulative) -> COMMIT
 * when a majority of voters has acked, in zxid order; observers get INFORM with the entry.
 *
 * Health: a learner silent for syncLimit ticks, or with a proposal unacked that long, is
 * dropped (it reconnects and resyncs). When the voters in sync (itself included) are no
 * longer a majority, or it is not established within initLimit, the leader steps down.
 */
import { assert } from '../base/assert.js';
import { epochOf, makeZxid, maxZxid, type Zxid } from '../base/zxid.js';
import type { Host } from './host.js';
import type { Entry, LearnerMsg, ServerId, SyncMsg } from './types.js';

type HandlerPhase = 'info' | 'epochAcked' | 'synced' | 'ackedNewLeader' | 'upToDate';

interface Handler {
  readonly id: ServerId;
  readonly conn: number;
  readonly observer: boolean;
  phase: HandlerPhase;
  recvSeq: number;
  sendSeq: number;
  since: number;
  lastHeard: number;
  /** learner's last zxid from ACKEPOCH */
  lastZxid: Zxid;
  /** it gets every proposal/commit/inform from now on */
  forwarding: boolean;
  /** tick the oldest proposal it has not acked was sent, if any */
  unackedSince: number | undefined;
  ackedZxid: Zxid;
}

type Phase = 'discovery' | 'established';

export class LeaderRole {
  /** the id this leadership stamps on messages to itself, so stale self-acks are ignored */
  readonly instance: number;
  epoch: number | undefined;
  phase: Phase = 'discovery';
  private readonly started: number;
  private readonly infos = new Map<ServerId, number>();
  private readonly ackEpochs = new Set<ServerId>();
  private readonly newLeaderAcks = new Set<ServerId>();
  private readonly acks = new Map<ServerId, Zxid>();
  private readonly learners = new Map<ServerId, Handler>();
  /** the leader's history at NEWLEADER: everything up to it is committed once established */
  private newLeaderZxid: Zxid | undefined;
  committed: Zxid;
  private lastPing: number;

  constructor(private readonly host: Host) {
    this.instance = host.newConnId();
    this.started = host.now;
    this.lastPing = host.now;
    this.committed = host.applied;
    this.infos.set(host.id, host.acceptedEpoch);
    this.maybeChooseEpoch();
  }

  get established(): boolean {
    return this.phase === 'established';
  }

  get lastProposed(): Zxid {
    return this.host.log.lastZxid;
  }

  learnerIds(): ServerId[] {
    return [...this.learners.keys()];
  }

  /** Voters (self included) that are synced and heard from recently. */
  syncedVoters(): ServerId[] {
    const out = [this.host.id];
    for (const h of this.learners.values()) if (!h.observer && (h.phase === 'ackedNewLeader' || h.phase === 'upToDate')) out.push(h.id);
    return out;
  }

  // ------------------------------------------------------------------ discovery

  private maybeChooseEpoch(): void {
    if (this.epoch !== undefined || !this.host.quorum.contains(this.infos.keys())) return;
    let max = this.host.acceptedEpoch;
    for (const e of this.infos.values()) max = Math.max(max, e);
    const epoch = max + 1;
    this.epoch = epoch;
    this.host.acceptedEpoch = epoch;
    this.host.persist([{ kind: 'acceptedEpoch', epoch }], [
      { to: this.host.id, msg: { type: 'ackEpoch', conn: this.instance, seq: 0, epoch, currentEpoch: this.host.currentEpoch, lastZxid: this.host.log.lastZxid } },
    ]);
    for (const h of this.learners.values()) if (h.phase === 'info') this.sendTo(h, { type: 'leaderInfo', epoch });
  }

  private onLearnerInfo(from: ServerId, msg: Extract<LearnerMsg, { type: 'learnerInfo' }>): void {
    const old = this.learners.get(from);
    if (old && old.conn === msg.conn) return; // duplicate
    if (old) this.drop(old, 'reconnected', false);
    if (msg.seq !== 0) {
      this.host.send(from, { type: 'reset', conn: msg.conn });
      return;
    }
    const observer = msg.observer || !this.host.quorum.isVoter(from);
    const h: Handler = {
      id: from,
      conn: msg.conn,
      observer,
      phase: 'info',
      recvSeq: 0,
      sendSeq: 0,
      since: this.host.now,
      lastHeard: this.host.now,
      lastZxid: 0n,
      forwarding: false,
      unackedSince: undefined,
      ackedZxid: 0n,
    };
    this.learners.set(from, h);
    if (this.epoch === undefined) {
      this.infos.set(from, msg.acceptedEpoch);
      this.maybeChooseEpoch();
      return;
    }
    this.sendTo(h, { type: 'leaderInfo', epoch: this.epoch });
  }

  private onAckEpoch(from: ServerId, msg: Extract<LearnerMsg, { type: 'ackEpoch' }>): void {
    const self = from === this.host.id;
    const h = self ? undefined : this.learners.get(from);
    if (msg.epoch !== this.epoch) return;
    if (h) {
      if (h.phase !== 'info') return;
      h.phase = 'epochAcked';
      h.lastZxid = msg.lastZxid;
    }
    const quorumBefore = this.host.quorum.contains(this.ackEpochs);
    if (!quorumBefore && !self && h && !h.observer) {
      const ahead = msg.currentEpoch > this.host.currentEpoch || (msg.currentEpoch === this.host.currentEpoch && msg.lastZxid > this.host.log.lastZxid);
      if (ahead) {
        this.host.lookAgain(`learner ${from} is ahead of the leader (epoch ${msg.currentEpoch}, zxid 0x${msg.lastZxid.toString(16)})`);
        return;
      }
    }
    if (self || (h && !h.observer)) this.ackEpochs.add(from);
    if (quorumBefore) {
      if (h) this.sync(h);
      return;
    }
    if (this.host.quorum.contains(this.ackEpochs) && this.ackEpochs.has(this.host.id)) this.onEpochQuorum();
  }

  private onEpochQuorum(): void {
    const epoch = this.epoch!;
    this.newLeaderZxid = this.host.log.lastZxid;
    this.host.currentEpoch = epoch;
    this.host.persist([{ kind: 'currentEpoch', epoch }], [{ to: this.host.id, msg: { type: 'ackNewLeader', conn: this.instance, seq: 0, zxid: this.newLeaderZxid } }]);
    for (const h of this.learners.values()) if (h.phase === 'epochAcked') this.sync(h);
  }

  // ------------------------------------------------------------------ synchronization

  private sync(h: Handler): void {
    const log = this.host.log;
    const last = log.lastZxid;
    const f = h.lastZxid;
    // DIFF (or TRUNC then DIFF) when the log reaches back to the learner and what it would
    // carry is few or small enough; otherwise a SNAP is cheaper (ZooKeeper's rule, see ZabLog).
    const fits = (from: Zxid): boolean => log.fitsDiff(from, last, this.host.cfg.logRetainMax, this.host.cfg.diffBytesMax?.() ?? 0);
    let msg: Omit<SyncMsg, 'conn' | 'seq'>;
    if (log.has(f) && f <= last && fits(f)) {
      msg = { type: 'sync', epoch: this.epoch!, mode: 'diff', truncZxid: 0n, entries: log.between(f, last), newLeaderZxid: last };
    } else {
      const t = log.largestBelow(f);
      if (t !== undefined && fits(t)) {
        msg = { type: 'sync', epoch: this.epoch!, mode: 'trunc', truncZxid: t, entries: log.between(t, last), newLeaderZxid: last };
      } else {
        const snapshot = this.host.cfg.snapshot();
        assert(snapshot.zxid >= log.base && snapshot.zxid <= last, 'the snapshot for SNAP lies within the retained log');
        msg = { type: 'sync', epoch: this.epoch!, mode: 'snap', truncZxid: 0n, snapshot, entries: log.between(snapshot.zxid, last), newLeaderZxid: last };
      }
    }
    this.sendTo(h, msg);
    h.phase = 'synced';
    h.forwarding = true;
    h.since = this.host.now;
    h.unackedSince = this.host.now;
  }

  private onAckNewLeader(from: ServerId, zxid: Zxid): void {
    const self = from === this.host.id;
    const h = self ? undefined : this.learners.get(from);
    if (h) {
      if (h.phase !== 'synced') return;
      h.phase = 'ackedNewLeader';
      this.noteAck(h, zxid);
    }
    if (self || (h && !h.observer)) {
      this.newLeaderAcks.add(from);
      this.acks.set(from, maxZxid(this.acks.get(from) ?? 0n, zxid));
    }
    if (h && this.established) {
      // A late learner: it is synced with everything up to now; tell it the latest commit.
      this.sendTo(h, { type: 'upToDate', committedZxid: this.committed });
      h.phase = 'upToDate';
      this.recomputeCommit();
      return;
    }
    if (!this.established && this.newLeaderAcks.has(this.host.id) && this.host.quorum.contains(this.newLeaderAcks)) this.establish();
  }

  private establish(): void {
    this.phase = 'established';
    this.lastPing = this.host.now;
    assert(this.newLeaderZxid !== undefined, 'NEWLEADER was sent before establishing');
    this.advanceCommit(this.newLeaderZxid);
    for (const h of this.learners.values()) {
      if (h.phase === 'ackedNewLeader') {
        this.sendTo(h, { type: 'upToDate', committedZxid: this.committed });
        h.phase = 'upToDate';
      }
    }
    this.host.serving('leader', this.epoch!, this.host.id, 'a majority acked NEWLEADER');
    this.recomputeCommit();
  }

  // ------------------------------------------------------------------ broadcast

  /** The next zxid a proposal must carry. */
  nextZxid(): Zxid {
    const last = this.host.log.lastZxid;
    return epochOf(last) === this.epoch ? last + 1n : makeZxid(this.epoch!, 1);
  }

  propose(entry: Entry): void {
    assert(this.established, 'only an established leader proposes');
    assert(entry.zxid === this.nextZxid(), `proposal 0x${entry.zxid.toString(16)} is not the next zxid 0x${this.nextZxid().toString(16)}`);
    this.host.log.append(entry);
    for (const h of this.learners.values()) {
      if (!h.forwarding || h.observer) continue;
      this.sendTo(h, { type: 'proposal', entry });
      h.unackedSince ??= this.host.now;
    }
    this.host.persist([{ kind: 'append', entries: [entry] }], [{ to: this.host.id, msg: { type: 'ack', conn: this.instance, seq: 0, zxid: entry.zxid } }]);
  }

  private noteAck(h: Handler, zxid: Zxid): void {
    h.ackedZxid = maxZxid(h.ackedZxid, zxid);
    h.unackedSince = h.ackedZxid >= this.host.log.lastZxid ? undefined : this.host.now;
  }

  private onAck(from: ServerId, zxid: Zxid): void {
    const h = from === this.host.id ? undefined : this.learners.get(from);
    if (h) {
      if (h.phase === 'info' || h.phase === 'epochAcked') return;
      this.noteAck(h, zxid);
      if (h.observer) return;
    }
    this.acks.set(from, maxZxid(this.acks.get(from) ?? 0n, zxid));
    this.recomputeCommit();
  }

  private recomputeCommit(): void {
    if (!this.established) return;
    const idx = this.host.quorum.committedIndex(this.acks);
    if (idx !== undefined && idx > this.committed) this.advanceCommit(idx);
  }

  private advanceCommit(to: Zxid): void {
    const from = this.committed;
    if (to <= from) return;
    assert(to <= this.host.log.lastZxid, 'commit only what is logged');
    this.committed = to;
    const informs = this.host.log.between(from, to);
    for (const h of this.learners.values()) {
      if (!h.forwarding) continue;
      if (h.observer) for (const entry of informs) this.sendTo(h, { type: 'inform', entry });
      else this.sendTo(h, { type: 'commit', zxid: to });
    }
    this.host.applyUpTo(to);
  }

  // ------------------------------------------------------------------ messages and time

  receive(from: ServerId, msg: LearnerMsg): void {
    if (from === this.host.id) {
      if (msg.conn !== this.instance) return; // from an earlier leadership of ours
      if (msg.type === 'ackEpoch') this.onAckEpoch(from, msg);
      else if (msg.type === 'ackNewLeader') this.onAckNewLeader(from, msg.zxid);
      else if (msg.type === 'ack') this.onAck(from, msg.zxid);
      return;
    }
    if (msg.type === 'learnerInfo') {
      this.onLearnerInfo(from, msg);
      return;
    }
    const h = this.learners.get(from);
    if (!h || h.conn !== msg.conn) {
      this.host.send(from, { type: 'reset', conn: msg.conn });
      return;
    }
    if (msg.seq <= h.recvSeq) return; // duplicate
    if (msg.seq !== h.recvSeq + 1) {
      this.drop(h, `lost messages (got #${msg.seq}, expected #${h.recvSeq + 1})`, true);
      return;
    }
    h.recvSeq = msg.seq;
    h.lastHeard = this.host.now;
    switch (msg.type) {
      case 'ackEpoch':
        this.onAckEpoch(from, msg);
        return;
      case 'ackNewLeader':
        this.onAckNewLeader(from, msg.zxid);
        return;
      case 'ack':
        this.onAck(from, msg.zxid);
        return;
      case 'learnerPing':
        return;
    }
  }

  /** The transport says the connection to `from` is gone. */
  peerDown(from: ServerId): void {
    const h = this.learners.get(from);
    if (h) this.drop(h, 'connection closed', false);
    this.checkQuorum();
  }

  tick(): void {
    const now = this.host.now;
    const cfg = this.host.cfg;
    if (!this.established && now - this.started > cfg.initLimitTicks) {
      this.host.lookAgain(`not established within initLimit (${cfg.initLimitTicks} ticks)`);
      return;
    }
    for (const h of [...this.learners.values()]) {
      const syncing = h.phase !== 'ackedNewLeader' && h.phase !== 'upToDate';
      if (syncing && now - h.since > cfg.initLimitTicks) this.drop(h, 'not synced within initLimit', true);
      else if (!syncing && now - h.lastHeard > cfg.syncLimitTicks) this.drop(h, 'silent past syncLimit', true);
      else if (!syncing && h.unackedSince !== undefined && now - h.unackedSince > cfg.syncLimitTicks) this.drop(h, 'lagging past syncLimit', true);
    }
    if (this.established && now - this.lastPing >= cfg.heartbeatTicks) {
      this.lastPing = now;
      for (const h of this.learners.values()) if (h.phase !== 'info') this.sendTo(h, { type: 'leaderPing' });
    }
    this.checkQuorum();
  }

  private checkQuorum(): void {
    if (this.established && !this.host.quorum.contains(this.syncedVoters())) {
      this.host.lookAgain('lost the quorum of synced followers');
    }
  }

  private drop(h: Handler, _why: string, tell: boolean): void {
    this.learners.delete(h.id);
    this.acks.delete(h.id);
    if (tell) this.host.send(h.id, { type: 'reset', conn: h.conn });
  }

  private sendTo(h: Handler, msg: DistributiveOmit<LeaderOut, 'conn' | 'seq'>): void {
    const seq = h.sendSeq++;
    this.host.send(h.id, { ...msg, conn: h.conn, seq } as LeaderOut);
  }
}

type LeaderOut = Exclude<Parameters<Host['send']>[1], { type: 'vote' } | { type: 'reset' } | LearnerMsg>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
