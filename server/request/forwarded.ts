/**
 * What a learner's pipeline hands to the leader, and what comes back outside the Zab
 * stream. A learner never prepares a write itself: prep needs the leader's view of every
 * pending change. It forwards the request; the leader prepares and proposes it, and the
 * learner answers its client when the txn commits (matched by session id and cxid), or
 * when the leader says prep refused it. A `sync` asks the leader for its last proposed
 * zxid; the learner answers once it has applied that far.
 */
import type { Zxid } from '../base/zxid.js';
import type { AuthInfo, SessionId } from '../tree/types.js';
import type { WriteOp } from './ops.js';

export type ForwardedRequest =
  | { kind: 'write'; sessionId: SessionId; cxid: number; op: WriteOp; auth: AuthInfo[]; clientIp: string }
  | { kind: 'sync'; sessionId: SessionId; cxid: number };

export type ForwardedAnswer =
  | { kind: 'failed'; sessionId: SessionId; cxid: number; err: number; message: string; multiCodes?: number[] }
  | { kind: 'synced'; sessionId: SessionId; cxid: number; zxid: Zxid };
