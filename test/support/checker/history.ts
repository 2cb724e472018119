/**
 * Recorded histories: every client operation with its invoke and return times, its outcome
 * and the zxids it saw. Checkers read these records and nothing else, so a failing run can
 * be saved as JSON and checked again offline.
 *
 * Outcomes: `ok` (the server answered success), `failed` (the server answered a definite
 * error: the operation did not take effect, except a BADVERSION compare-and-set, which is a
 * read of the version), `unknown` (a timeout or connection loss: it may take effect at any
 * time after its invoke, or never). An unknown operation has no return time.
 */

export type Outcome = 'ok' | 'failed' | 'unknown';

/** Operations on one znode used as a register with compare-and-set by version. */
export type RegisterInput =
  | { f: 'read' }
  | { f: 'write'; value: string }
  | { f: 'cas'; expectedVersion: number; value: string };

export type RegisterOutput =
  /** read: the value and version seen */
  | { value: string; version: number }
  /** write or cas that succeeded: the version it made */
  | { version: number }
  /** cas refused with BADVERSION */
  | { badVersion: true };

export interface OpRecord<I = RegisterInput, O = RegisterOutput> {
  id: number;
  /** the worker (one client, one session at a time) that issued it */
  process: number;
  /** the session it ran in, when known */
  session?: bigint;
  /** the znode path; linearizability is checked per key */
  key: string;
  input: I;
  outcome: Outcome;
  /** set for ok and for definite failures that carry a result (BADVERSION) */
  output?: O;
  invokeMs: number;
  /** absent when the outcome is unknown */
  returnMs?: number;
  /** zxid of the txn an acknowledged write made (Stat.mzxid / czxid) */
  zxid?: bigint;
  /** the session's last seen zxid once the response arrived (Client.lastZxid) */
  seenZxid?: bigint;
  /** error name for failed/unknown */
  error?: string;
}

/** Records operations with times from one monotonic clock; ids are handed out in invoke order. */
export class HistoryRecorder<I = RegisterInput, O = RegisterOutput> {
  readonly ops: OpRecord<I, O>[] = [];

  constructor(private readonly now: () => number) {}

  invoke(process: number, key: string, input: I, session?: bigint): OpRecord<I, O> {
    const op: OpRecord<I, O> = { id: this.ops.length, process, key, input, outcome: 'unknown', invokeMs: this.now() };
    if (session !== undefined) op.session = session;
    this.ops.push(op);
    return op;
  }

  ok(op: OpRecord<I, O>, output: O, zxids: { zxid?: bigint; seenZxid?: bigint } = {}): void {
    op.outcome = 'ok';
    op.output = output;
    op.returnMs = this.now();
    if (zxids.zxid !== undefined) op.zxid = zxids.zxid;
    if (zxids.seenZxid !== undefined) op.seenZxid = zxids.seenZxid;
  }

  fail(op: OpRecord<I, O>, error: string, output?: O, seenZxid?: bigint): void {
    op.outcome = 'failed';
    op.error = error;
    op.returnMs = this.now();
    if (output !== undefined) op.output = output;
    if (seenZxid !== undefined) op.seenZxid = seenZxid;
  }

  unknown(op: OpRecord<I, O>, error: string): void {
    op.outcome = 'unknown';
    op.error = error;
    delete op.returnMs;
  }
}

/** JSON with bigints as strings, for saving a history next to a failed run's data dirs. */
export function historyToJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v.toString()}n` : v), 1);
}
