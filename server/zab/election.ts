/**
 * Fast leader election (ZooKeeper's FLE), as a pure tally: the node feeds it notifications
 * and ticks, it says whom to tell what and when a leader is decided.
 *
 * - A vote is (epoch, zxid, id); a higher one wins. Each round (logical clock) a LOOKING
 *   voter proposes the best vote it has seen and broadcasts it when it changes.
 * - A LOOKING voter decides once a majority of voters in its round agree with its proposal
 *   and no better vote arrives within `finalizeTicks` (at once if every voter agrees).
 * - A server that is already FOLLOWING/LEADING answers a LOOKING one with its current vote;
 *   the LOOKING server joins that leader once a majority of voters report it and the leader
 *   itself reports LEADING (so a dead leader with loyal followers is never joined).
 * - Observers never vote and never count: their notifications are answered, not tallied,
 *   and they decide only by joining an established leader.
 */
import type { Quorum } from './quorum.js';
import type { PeerState, ServerId, Vote, VoteMsg } from './types.js';

/** Is a strictly better than b? (epoch, then zxid, then server id) */
export function betterVote(a: Vote, b: Vote): boolean {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch;
  if (a.zxid !== b.zxid) return a.zxid > b.zxid;
  return a.leader > b.leader;
}

interface Tallied {
  vote: Vote;
  state: PeerState;
  round: number;
}

function sameVote(a: Tallied, b: Tallied): boolean {
  // Once out of election, servers agree on the leader and its epoch; the zxid may differ
  // by when each one joined (as ZooKeeper's Vote.equals for non-LOOKING states).
  if (a.state === 'looking' || b.state === 'looking') {
    return a.vote.leader === b.vote.leader && a.vote.zxid === b.vote.zxid && a.vote.epoch === b.vote.epoch;
  }
  return a.vote.leader === b.vote.leader && a.vote.epoch === b.vote.epoch;
}

export type ElectionOutcome =
  | { kind: 'none' }
  /** broadcast the (new) proposal to everyone */
  | { kind: 'broadcast' }
  /** tell only this server our current proposal */
  | { kind: 'reply'; to: ServerId }
  | { kind: 'decided'; vote: Vote };

export class Election {
  round = 0;
  proposal: Vote;
  private readonly recv = new Map<ServerId, Tallied>();
  private readonly outOf = new Map<ServerId, Tallied>();
  private finalizeAt: number | undefined;
  /** no decision before this tick (a server that just gave up a role must not re-join in the same instant) */
  private holdUntil = 0;
  private held: Vote | undefined;

  constructor(
    private readonly id: ServerId,
    private readonly quorum: Quorum,
    private readonly finalizeTicks: number,
    selfVote: Vote,
  ) {
    this.proposal = selfVote;
  }

  private get voter(): boolean {
    return this.quorum.isVoter(this.id);
  }

  /** Starts a new round proposing ourselves. */
  start(selfVote: Vote, round: number, holdUntil = 0): void {
    this.holdUntil = holdUntil;
    this.held = undefined;
    this.round = round;
    this.proposal = selfVote;
    this.recv.clear();
    this.outOf.clear();
    this.finalizeAt = undefined;
    if (this.voter) this.recv.set(this.id, { vote: selfVote, state: 'looking', round });
  }

  notification(): VoteMsg {
    return { type: 'vote', round: this.round, state: 'looking', vote: this.proposal };
  }

  /** A notification from `from` while we are LOOKING. */
  receive(from: ServerId, msg: VoteMsg, selfVote: Vote, now: number): ElectionOutcome {
    const out = this.receiveNow(from, msg, selfVote, now);
    if (out.kind === 'decided' && now < this.holdUntil) {
      this.held = out.vote;
      return { kind: 'none' };
    }
    return out;
  }

  private receiveNow(from: ServerId, msg: VoteMsg, selfVote: Vote, now: number): ElectionOutcome {
    if (!this.quorum.isVoter(from)) {
      // An observer looking for the leader: answer, never count.
      return msg.state === 'looking' ? { kind: 'reply', to: from } : { kind: 'none' };
    }
    if (msg.state === 'looking') {
      // An observer has no say among LOOKING voters (and answering them would ping-pong).
      return this.voter ? this.receiveLooking(from, msg, selfVote, now) : { kind: 'none' };
    }
    return this.receiveDecided(from, msg);
  }

  private receiveLooking(from: ServerId, msg: VoteMsg, selfVote: Vote, now: number): ElectionOutcome {
    let changed = false;
    if (msg.round > this.round) {
      this.round = msg.round;
      this.recv.clear();
      this.finalizeAt = undefined;
      this.proposal = betterVote(msg.vote, selfVote) ? msg.vote : selfVote;
      changed = true;
    } else if (msg.round < this.round) {
      return { kind: 'reply', to: from };
    } else if (betterVote(msg.vote, this.proposal)) {
      this.proposal = msg.vote;
      changed = true;
    }
    this.recv.set(from, { vote: msg.vote, state: 'looking', round: msg.round });
    this.recv.set(this.id, { vote: this.proposal, state: 'looking', round: this.round });
    if (changed) this.finalizeAt = undefined;
    const mine: Tallied = { vote: this.proposal, state: 'looking', round: this.round };
    const agreeing = this.agreeing(this.recv, mine);
    if (this.quorum.contains(agreeing)) {
      if (agreeing.length === this.quorum.voterIds().length) return { kind: 'decided', vote: this.proposal };
      this.finalizeAt ??= now + this.finalizeTicks;
    } else {
      this.finalizeAt = undefined;
    }
    return changed ? { kind: 'broadcast' } : { kind: 'none' };
  }

  private receiveDecided(from: ServerId, msg: VoteMsg): ElectionOutcome {
    const t: Tallied = { vote: msg.vote, state: msg.state, round: msg.round };
    if (msg.round === this.round && this.voter) {
      this.recv.set(from, t);
      if (this.quorum.contains(this.agreeing(this.recv, t)) && this.leaderChecks(this.recv, msg.vote.leader, msg.round)) {
        return { kind: 'decided', vote: msg.vote };
      }
    }
    this.outOf.set(from, t);
    const agree = this.agreeing(this.outOf, t);
    // Count ourselves for a leader that says LEADING, so a server that fell out of a
    // two-server majority can rejoin. Safe: joining decides nothing; discovery does (a
    // leader behind a learner's history steps down, a learner ahead is truncated only to
    // what a majority never had).
    if (this.voter && msg.vote.leader !== this.id) agree.push(this.id);
    if (this.quorum.contains(agree) && this.leaderChecks(this.outOf, msg.vote.leader, msg.round)) {
      this.round = msg.round;
      return { kind: 'decided', vote: msg.vote };
    }
    return { kind: 'none' };
  }

  /** Time passes: a pending decision may be due. */
  tick(now: number): ElectionOutcome {
    if (this.held && now >= this.holdUntil) {
      const vote = this.held;
      this.held = undefined;
      return { kind: 'decided', vote };
    }
    if (this.finalizeAt === undefined || now < this.finalizeAt) return { kind: 'none' };
    this.finalizeAt = undefined;
    const mine: Tallied = { vote: this.proposal, state: 'looking', round: this.round };
    if (this.voter && this.quorum.contains(this.agreeing(this.recv, mine))) return { kind: 'decided', vote: this.proposal };
    return { kind: 'none' };
  }

  private agreeing(set: ReadonlyMap<ServerId, Tallied>, v: Tallied): ServerId[] {
    const out: ServerId[] = [];
    for (const [id, t] of set) if (sameVote(t, v)) out.push(id);
    return out;
  }

  /** A leader other than us must itself say LEADING; if it is us, the round must be ours. */
  private leaderChecks(set: ReadonlyMap<ServerId, Tallied>, leader: ServerId, round: number): boolean {
    if (leader === this.id) return this.round === round;
    return set.get(leader)?.state === 'leading';
  }
}
