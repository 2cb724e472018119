/**
 * What a role (leader, learner) may use of the node it runs in: its durable epochs, its
 * log, the commit/apply point, and the effect emitters. Roles never emit effects any other
 * way, so every effect goes through the typed channels of types.ts.
 */
import type { Zxid } from '../base/zxid.js';
import type { Quorum } from './quorum.js';
import type { DurableMsg, ImmediateMsg, Mode, Outbound, PersistOp, ServerId, Snapshot, ZabConfig } from './types.js';
import type { ZabLog } from './zab-log.js';

export interface Host {
  readonly id: ServerId;
  readonly cfg: ZabConfig;
  readonly quorum: Quorum;
  readonly log: ZabLog;
  /** ticks since start */
  readonly now: number;
  acceptedEpoch: number;
  currentEpoch: number;
  /** everything up to here has been handed out as `apply` (or is in the installed snapshot) */
  readonly applied: Zxid;
  send(to: ServerId, msg: ImmediateMsg): void;
  persist(ops: PersistOp[], then: Array<Outbound<DurableMsg>>): void;
  /** hands out `apply` for every logged entry above `applied` up to `zxid` */
  applyUpTo(zxid: Zxid): void;
  install(snapshot: Snapshot): void;
  serving(mode: Exclude<Mode, 'looking'>, epoch: number, leader: ServerId, reason: string): void;
  /** gives up the current role and starts a new election */
  lookAgain(reason: string): void;
  /** a number no earlier connection or leadership of this process used */
  newConnId(): number;
}
