/**
 * One Zab server as a pure, deterministic state machine (the shape of etcd-io/raft's
 * RawNode): inputs are `step(from, msg)`, `tick()`, `propose(entry)` and `peerDown(id)`;
 * outputs are the ordered effects drained with `ready()`. No sockets, timers, files, clocks
 * or randomness (a seeded source is injected); the same code runs in the server and in the
 * simulator.
 *
 * The node owns what every role shares: the durable epochs, the in-memory log tail, the
 * apply point and the election. A role (LeaderRole / LearnerRole) is swapped in when an
 * election decides and dropped when it ends; LOOKING is the absence of a role.
 *
 * Invariants (asserted): entries are applied once, in zxid order, only when committed;
 * the log only ever grows by a zxid above its last; epochs never go back.
 *
 * The driver must: carry out effects in order; run persist ops in order and send their
 * `then` messages only once durable, keeping per-peer order with plain sends (see
 * outbox.ts); hand messages addressed to this node back to step(); apply entries to the
 * state machine before the next input, so that `cfg.snapshot()` reflects every `apply`
 * drained so far.
 */
import { assert } from '../base/assert.js';
import type { Zxid } from '../base/zxid.js';
import { Election } from './election.js';
import type { Host } from './host.js';
import { LeaderRole } from './leader.js';
import { LearnerRole } from './learner.js';
import { Quorum } from './quorum.js';
import type { DurableMsg, Effect, Entry, ImmediateMsg, Mode, Msg, Outbound, PeerState, PersistOp, ServerId, Snapshot, Vote, ZabConfig, ZabInit } from './types.js';
import { ZabLog } from './zab-log.js';

export class NotLeaderError extends Error {
  override name = 'NotLeaderError';
}

export class Zab implements Host {
  readonly id: ServerId;
  readonly quorum: Quorum;
  readonly log: ZabLog;
  now = 0;
  private acceptedEpoch_: number;
  private currentEpoch_: number;
  private applied_: Zxid;
  private effects: Effect[] = [];
  private state_: PeerState = 'looking';
  private readonly election: Election;
  private leaderRole: LeaderRole | undefined;
  private learnerRole: LearnerRole | undefined;
  /** the vote we decided (answered to LOOKING servers while not looking) */
  private currentVote: Vote;
  private lastVoteSent = 0;
  private lastConnId = 0;
  private servingMode: Mode = 'looking';

  constructor(
    readonly cfg: ZabConfig,
    init: ZabInit,
  ) {
    assert(cfg.members.some((m) => m.id === cfg.id), `server ${cfg.id} is a member`);
    assert(init.currentEpoch <= init.acceptedEpoch, 'currentEpoch never exceeds acceptedEpoch');
    this.id = cfg.id;
    this.quorum = new Quorum(cfg.members);
    assert(this.quorum.voterIds().length > 0, 'an ensemble has at least one voter');
    this.log = new ZabLog(init.snapshotZxid, init.entries);
    this.applied_ = init.snapshotZxid;
    this.acceptedEpoch_ = init.acceptedEpoch;
    this.currentEpoch_ = init.currentEpoch;
    this.currentVote = this.selfVote();
    this.election = new Election(this.id, this.quorum, cfg.finalizeTicks, this.currentVote);
    this.startElection(1);
  }

  // ------------------------------------------------------------------ public surface

  get state(): PeerState {
    return this.state_;
  }

  /** The serving mode (what `Status` reports); 'looking' until synced or established. */
  get mode(): Mode {
    return this.servingMode;
  }

  get leaderId(): ServerId | undefined {
    if (this.leaderRole) return this.id;
    return this.learnerRole?.leader;
  }

  get acceptedEpoch(): number {
    return this.acceptedEpoch_;
  }

  set acceptedEpoch(e: number) {
    assert(e >= this.acceptedEpoch_, `acceptedEpoch goes back from ${this.acceptedEpoch_} to ${e}`);
    this.acceptedEpoch_ = e;
  }

  get currentEpoch(): number {
    return this.currentEpoch_;
  }

  set currentEpoch(e: number) {
    assert(e >= this.currentEpoch_ && e <= this.acceptedEpoch_, `currentEpoch ${e} must be within [${this.currentEpoch_}, ${this.acceptedEpoch_}]`);
    this.currentEpoch_ = e;
  }

  get applied(): Zxid {
    return this.applied_;
  }

  get lastZxid(): Zxid {
    return this.log.lastZxid;
  }

  /** The leader's commit point (leader only). */
  get committed(): Zxid | undefined {
    return this.leaderRole?.committed;
  }

  /** True when a client write may be proposed here now. */
  get canPropose(): boolean {
    return this.leaderRole?.established === true;
  }

  /** Peers this server currently has a session with (leader: its learners; learner: its leader). */
  connectedPeers(): ServerId[] {
    if (this.leaderRole) return this.leaderRole.learnerIds();
    return this.learnerRole ? [this.learnerRole.leader] : [];
  }

  /** The zxid the next proposal must carry (established leader only). */
  nextZxid(): Zxid {
    if (!this.leaderRole?.established) throw new NotLeaderError(`server ${this.id} is not an established leader`);
    return this.leaderRole.nextZxid();
  }

  propose(entry: Entry): void {
    if (!this.leaderRole?.established) throw new NotLeaderError(`server ${this.id} is not an established leader`);
    this.leaderRole.propose(entry);
  }

  step(from: ServerId, msg: Msg): void {
    if (msg.type === 'vote') {
      this.onVote(from, msg);
      return;
    }
    if (msg.type === 'reset') {
      this.learnerRole?.onReset(from, msg.conn);
      return;
    }
    switch (msg.type) {
      case 'learnerInfo':
      case 'ackEpoch':
      case 'ackNewLeader':
      case 'ack':
      case 'learnerPing':
        if (this.leaderRole) this.leaderRole.receive(from, msg);
        else if (from !== this.id) this.send(from, { type: 'reset', conn: msg.conn });
        return;
      default:
        this.learnerRole?.receive(from, msg);
    }
  }

  tick(): void {
    this.now++;
    if (this.state_ === 'looking') {
      const out = this.election.tick(this.now);
      if (out.kind === 'decided') {
        this.decide(out.vote);
        return;
      }
      if (this.now - this.lastVoteSent >= this.cfg.electionResendTicks) this.broadcastVote();
      return;
    }
    this.leaderRole?.tick();
    this.learnerRole?.tick();
  }

  /** The transport lost its connection to `peer`. */
  peerDown(peer: ServerId): void {
    this.leaderRole?.peerDown(peer);
    this.learnerRole?.peerDown(peer);
  }

  /** Drains the effects produced since the last call, in order. */
  ready(): Effect[] {
    const out = this.effects;
    this.effects = [];
    // Entries at or below what is applied may go (after `out` is carried out, the state
    // machine holds them); keep what a DIFF may still carry (see ZabLog).
    this.log.trim(this.applied_, this.cfg.logRetainMax, this.cfg.diffBytesMax?.() ?? 0);
    return out;
  }

  // ------------------------------------------------------------------ Host

  send(to: ServerId, msg: ImmediateMsg): void {
    this.effects.push({ kind: 'send', to, msg });
  }

  persist(ops: PersistOp[], then: Array<Outbound<DurableMsg>>): void {
    this.effects.push({ kind: 'persist', ops, then });
  }

  applyUpTo(zxid: Zxid): void {
    if (zxid <= this.applied_) return;
    assert(zxid <= this.log.lastZxid, `apply up to 0x${zxid.toString(16)} beyond the log's 0x${this.log.lastZxid.toString(16)}`);
    for (const entry of this.log.between(this.applied_, zxid)) {
      this.effects.push({ kind: 'apply', entry });
      this.applied_ = entry.zxid;
    }
    assert(this.applied_ === zxid, `applied 0x${this.applied_.toString(16)} after applying up to 0x${zxid.toString(16)}: the log has a hole`);
  }

  install(snapshot: Snapshot): void {
    this.effects.push({ kind: 'install', snapshot });
    this.applied_ = snapshot.zxid;
  }

  serving(mode: Exclude<Mode, 'looking'>, epoch: number, leader: ServerId, reason: string): void {
    this.servingMode = mode;
    this.effects.push({ kind: 'role', mode, epoch, leader, reason });
  }

  lookAgain(reason: string): void {
    this.leaderRole = undefined;
    this.learnerRole = undefined;
    this.servingMode = 'looking';
    this.effects.push({ kind: 'role', mode: 'looking', epoch: this.currentEpoch_, leader: undefined, reason });
    this.startElection(this.election.round + 1, this.now + 1);
  }

  newConnId(): number {
    // Random, so a restarted process never reuses an id a peer may still hold; never the last one.
    let id = 1 + Math.floor(this.cfg.random() * 0x7fff_fffe);
    if (id === this.lastConnId) id = (id % 0x7fff_fffe) + 1;
    this.lastConnId = id;
    return id;
  }

  // ------------------------------------------------------------------ election

  private selfVote(): Vote {
    return { leader: this.id, zxid: this.log.lastZxid, epoch: this.currentEpoch_ };
  }

  private startElection(round: number, holdUntil = 0): void {
    this.state_ = 'looking';
    this.election.start(this.selfVote(), round, holdUntil);
    this.broadcastVote();
    // A lone voter is its own majority: decide now.
    if (this.quorum.isVoter(this.id) && this.quorum.contains([this.id]) && this.quorum.voterIds().length === 1) this.decide(this.selfVote());
  }

  private broadcastVote(): void {
    this.lastVoteSent = this.now;
    const msg = this.election.notification();
    for (const m of this.cfg.members) if (m.id !== this.id && m.voter) this.send(m.id, msg);
  }

  private onVote(from: ServerId, msg: Extract<Msg, { type: 'vote' }>): void {
    if (this.state_ !== 'looking') {
      // Tell a LOOKING server whom we follow.
      if (msg.state === 'looking') this.send(from, { type: 'vote', round: this.election.round, state: this.state_, vote: this.currentVote });
      return;
    }
    const out = this.election.receive(from, msg, this.selfVote(), this.now);
    switch (out.kind) {
      case 'broadcast':
        this.broadcastVote();
        return;
      case 'reply':
        this.send(out.to, this.election.notification());
        return;
      case 'decided':
        this.decide(out.vote);
        return;
      case 'none':
        return;
    }
  }

  private decide(vote: Vote): void {
    this.currentVote = vote;
    const voter = this.quorum.isVoter(this.id);
    if (vote.leader === this.id) {
      assert(voter, 'an observer is never elected');
      this.state_ = 'leading';
      this.leaderRole = new LeaderRole(this);
    } else {
      this.state_ = voter ? 'following' : 'observing';
      this.learnerRole = new LearnerRole(this, vote.leader, !voter);
    }
  }
}
