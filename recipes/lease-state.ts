/**
 * The "can the holder still be sure?" state machine behind every handle's `signal`.
 *
 * A holder of a lock, lease or leadership is sure of it only while its session is surely
 * alive. The server expires a session `sessionTimeoutMs` after it last heard from the
 * client; a request the client *sent* at time t and that was answered proves the server
 * heard it at or after t. So the holder is sure until `lastConfirmedSentAt + lostAfterMs`,
 * with `lostAfterMs` shorter than the session timeout so that the holder gives up before
 * the server can hand the lock to someone else.
 *
 * Inputs: `confirm(sentAtMs)` for each answered request, `connection(state)` for the
 * client's state changes, `tick(nowMs)` from a timer, `release()`. Output: `lost` (final).
 * Time only flows in through the arguments (monotonic ms); the machine reads no clock, so
 * a pause of the whole process (SIGSTOP, a long GC) is seen at the first tick after it.
 */

export type LostReason =
  /** release() or close(): the holder let go. */
  | 'released'
  /** The session expired or the client was closed: the node is gone. */
  | 'session-ended'
  /** No confirmed contact with the ensemble within `lostAfterMs` (disconnection, pause). */
  | 'unconfirmed'
  /** The holder's node was deleted or belongs to another session. */
  | 'node-gone';

export class LeaseState {
  private sureUntilMs: number;
  private lostReason: LostReason | undefined;

  /**
   * @param lostAfterMs how long after the send time of the last answered request the
   *   holder stays sure; must be shorter than the session timeout
   * @param acquiredSentAtMs send time of the request that proved the acquisition
   */
  constructor(
    readonly lostAfterMs: number,
    acquiredSentAtMs: number,
  ) {
    if (!(lostAfterMs > 0)) throw new TypeError('LeaseState: lostAfterMs must be positive');
    this.sureUntilMs = acquiredSentAtMs + lostAfterMs;
  }

  /** Why the lease is lost, or undefined while it is held. Final once set. */
  get lost(): LostReason | undefined {
    return this.lostReason;
  }

  /** Until when (monotonic ms) the holder is sure, while held. */
  get sureUntil(): number {
    return this.sureUntilMs;
  }

  /** Time passes: lost once the deadline is behind `nowMs`. Returns the reason if lost. */
  tick(nowMs: number): LostReason | undefined {
    if (this.lostReason === undefined && nowMs >= this.sureUntilMs) this.lostReason = 'unconfirmed';
    return this.lostReason;
  }

  /**
   * A request sent at `sentAtMs` was answered at `nowMs`, and the node is still ours (or
   * not: `nodeOk` false). The deadline is checked first: an answer that arrives after the
   * deadline cannot bring the lease back, the server may have expired the session between.
   */
  confirm(sentAtMs: number, nowMs: number, nodeOk = true): LostReason | undefined {
    if (this.tick(nowMs)) return this.lostReason;
    if (!nodeOk) return (this.lostReason = 'node-gone');
    this.sureUntilMs = Math.max(this.sureUntilMs, sentAtMs + this.lostAfterMs);
    return this.tick(nowMs);
  }

  /** A connection-state change of the client. Disconnection alone only stops confirmations. */
  connection(state: 'connected' | 'connectedReadOnly' | 'disconnected' | 'reconnected' | 'expired' | 'closed', nowMs: number): LostReason | undefined {
    if (this.tick(nowMs)) return this.lostReason;
    if (state === 'expired' || state === 'closed') this.lostReason = 'session-ended';
    return this.lostReason;
  }

  release(): LostReason {
    this.lostReason ??= 'released';
    return this.lostReason;
  }
}
