/**
 * The vocabulary of the Zab core: members, entries, votes, peer messages and the effects
 * the core hands back to whoever drives it (the node runtime or the simulator).
 *
 * The one rule the types carry: an acknowledgement (ACKEPOCH, ACK of NEWLEADER, ACK of a
 * proposal) is a `DurableMsg`, and a `DurableMsg` can only leave the core inside a
 * `persist` effect, as one of the messages to send once that persist is durable. A plain
 * `send` effect takes an `ImmediateMsg`, which excludes every durable message. So "ack
 * only after persist" (the ZOOKEEPER-3911 lesson) is not a convention: nothing else
 * type-checks.
 *
 * Session messages (leader <-> learner) carry the learner's connection id and a sequence
 * number, so a driver that loses, duplicates or reorders them is detected as a broken
 * connection (as TCP would be), never silently accepted.
 */
import type { Zxid } from '../base/zxid.js';

export type ServerId = number;

export interface Member {
  readonly id: ServerId;
  /** false for an observer: it never votes and never counts for a quorum */
  readonly voter: boolean;
}

/** One txn in the replicated log: its zxid and its encoded bytes (opaque to Zab). */
export interface Entry {
  readonly zxid: Zxid;
  readonly data: Uint8Array;
}

/** A whole-state image at `zxid` (opaque records; the tree encodes and decodes them). */
export interface Snapshot {
  readonly zxid: Zxid;
  readonly records: readonly Uint8Array[];
}

export type PeerState = 'looking' | 'following' | 'leading' | 'observing';

/** A vote: (epoch, zxid, leader id) compared in that order, highest wins. */
export interface Vote {
  readonly leader: ServerId;
  readonly zxid: Zxid;
  /** the currentEpoch of the proposed leader when the vote was made */
  readonly epoch: number;
}

// ------------------------------------------------------------------ messages

/** Fast leader election notification. Idempotent; may be lost, duplicated or reordered. */
export interface VoteMsg {
  readonly type: 'vote';
  readonly round: number;
  readonly state: PeerState;
  readonly vote: Vote;
}

interface SessionPart {
  /** the learner's connection id for this leader session */
  readonly conn: number;
  /** per direction, from 0, +1 per message */
  readonly seq: number;
}

// learner -> leader
export interface LearnerInfoMsg extends SessionPart {
  readonly type: 'learnerInfo';
  readonly observer: boolean;
  readonly acceptedEpoch: number;
}
export interface AckEpochMsg extends SessionPart {
  readonly type: 'ackEpoch';
  readonly epoch: number;
  readonly currentEpoch: number;
  readonly lastZxid: Zxid;
}
export interface AckNewLeaderMsg extends SessionPart {
  readonly type: 'ackNewLeader';
  readonly zxid: Zxid;
}
/** Cumulative: every entry up to `zxid` is durable on the sender. */
export interface AckMsg extends SessionPart {
  readonly type: 'ack';
  readonly zxid: Zxid;
}
export interface LearnerPingMsg extends SessionPart {
  readonly type: 'learnerPing';
}

// leader -> learner
export interface LeaderInfoMsg extends SessionPart {
  readonly type: 'leaderInfo';
  readonly epoch: number;
}
/**
 * Synchronization and NEWLEADER in one message: how to bring the learner's log in line
 * with the leader's history (DIFF: append `entries`; TRUNC: drop everything above
 * `truncZxid`, then append; SNAP: install `snapshot`, then append), after which the
 * learner's log ends at `newLeaderZxid`.
 */
export interface SyncMsg extends SessionPart {
  readonly type: 'sync';
  readonly epoch: number;
  readonly mode: 'diff' | 'trunc' | 'snap';
  readonly truncZxid: Zxid;
  readonly snapshot?: Snapshot;
  readonly entries: readonly Entry[];
  readonly newLeaderZxid: Zxid;
}
export interface ProposalMsg extends SessionPart {
  readonly type: 'proposal';
  readonly entry: Entry;
}
/** Cumulative: every entry up to `zxid` is committed. */
export interface CommitMsg extends SessionPart {
  readonly type: 'commit';
  readonly zxid: Zxid;
}
/** To observers: a committed entry (they never see proposals). */
export interface InformMsg extends SessionPart {
  readonly type: 'inform';
  readonly entry: Entry;
}
/** The learner is in sync: commit up to the leader's latest commit and start serving. */
export interface UpToDateMsg extends SessionPart {
  readonly type: 'upToDate';
  readonly committedZxid: Zxid;
}
export interface LeaderPingMsg extends SessionPart {
  readonly type: 'leaderPing';
}
/** "I have no session with you": the learner must look for a leader again. */
export interface ResetMsg {
  readonly type: 'reset';
  readonly conn: number;
}

export type DurableMsg = AckEpochMsg | AckNewLeaderMsg | AckMsg;
export type LearnerMsg = LearnerInfoMsg | AckEpochMsg | AckNewLeaderMsg | AckMsg | LearnerPingMsg;
export type LeaderMsg = LeaderInfoMsg | SyncMsg | ProposalMsg | CommitMsg | InformMsg | UpToDateMsg | LeaderPingMsg;
export type Msg = VoteMsg | LearnerMsg | LeaderMsg | ResetMsg;
/** Every message that may leave without waiting for a persist. */
export type ImmediateMsg = Exclude<Msg, DurableMsg>;

// ------------------------------------------------------------------ effects

export type PersistOp =
  | { readonly kind: 'acceptedEpoch'; readonly epoch: number }
  | { readonly kind: 'currentEpoch'; readonly epoch: number }
  | { readonly kind: 'append'; readonly entries: readonly Entry[] }
  /** drop every log record above `zxid` */
  | { readonly kind: 'truncate'; readonly zxid: Zxid }
  /** write this snapshot and drop every log record above its zxid */
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot };

export interface Outbound<M extends Msg> {
  readonly to: ServerId;
  readonly msg: M;
}

export type Mode = 'looking' | 'leader' | 'follower' | 'observer';

export type Effect =
  /** may leave now (after earlier messages to the same peer) */
  | { readonly kind: 'send'; readonly to: ServerId; readonly msg: ImmediateMsg }
  /**
   * Make `ops` durable, in order; only then send `then` (in order, after whatever was
   * queued to the same peer before them). A message to oneself is handed back to step().
   */
  | { readonly kind: 'persist'; readonly ops: readonly PersistOp[]; readonly then: ReadonlyArray<Outbound<DurableMsg>> }
  /** a committed entry: apply it to the state machine (entries come in zxid order) */
  | { readonly kind: 'apply'; readonly entry: Entry }
  /** replace the state machine with this image (SNAP) */
  | { readonly kind: 'install'; readonly snapshot: Snapshot }
  /**
   * The serving role changed: 'looking' = stop serving clients (abandon pending work);
   * leader/follower/observer = in sync and serving in `epoch`, led by `leader`.
   */
  | { readonly kind: 'role'; readonly mode: Mode; readonly epoch: number; readonly leader: ServerId | undefined; readonly reason: string };

/** Durable state recovered at start. */
export interface ZabInit {
  readonly acceptedEpoch: number;
  readonly currentEpoch: number;
  /** the zxid the state machine starts at (its snapshot); everything up to it is committed */
  readonly snapshotZxid: Zxid;
  /** log entries after the snapshot, in zxid order, not yet known to be committed */
  readonly entries: readonly Entry[];
}

export interface ZabConfig {
  readonly id: ServerId;
  readonly members: readonly Member[];
  /** ticks a learner may take to connect and sync (zoo.cfg initLimit, in core ticks) */
  readonly initLimitTicks: number;
  /** ticks a peer may stay silent or lag on an ack before it is dropped (syncLimit) */
  readonly syncLimitTicks: number;
  /** the leader pings its learners this often */
  readonly heartbeatTicks: number;
  /** a LOOKING server re-sends its vote this often */
  readonly electionResendTicks: number;
  /** after a quorum agrees, wait this long for a better vote before deciding */
  readonly finalizeTicks: number;
  /** committed entries kept in memory for DIFF whatever their size (ZooKeeper's commitLogCount) */
  readonly logRetainMax: number;
  /**
   * Bytes of older committed entries also kept and sent by DIFF; a learner further behind
   * gets a SNAP. The runtime passes its last snapshot's size times snapshotSizeFactor
   * (ZooKeeper's limit for a sync from the txn log). Absent: 0, only logRetainMax counts.
   */
  diffBytesMax?(): number;
  /** the state machine's current image (its applied state) */
  snapshot(): Snapshot;
  /** a seeded random source in [0, 1), for connection ids */
  random(): number;
}
