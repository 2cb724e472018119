/**
 * The `signal` of every lock, lease and leadership handle: an AbortSignal that fires as
 * soon as the holder can no longer be sure it holds what it holds, and stays fired.
 *
 * It drives a LeaseState (lease-state.ts) with the world: a heartbeat read of the holder's
 * own node every `lostAfterMs / 4` (each answer is a confirmed contact, and proves the node
 * is still ours), the client's connection states, a watch on the node's deletion, and a
 * timer set to the deadline. A paused process (SIGSTOP, a long GC) fires at its first
 * timer after it resumes; `check()` answers synchronously and fires it too, so code can
 * ask right before touching the protected resource. Fencing (fencing.ts) covers the
 * remaining window between the check and the resource.
 */
import { SessionExpiredError, ClientClosedError, type Client, type StateEvent } from '../sdk/index.js';
import { LeaseState, type LostReason } from './lease-state.js';
import { now } from './waiting.js';

/** The reason a handle's signal fired. */
export class LockLostError extends Error {
  /** Always `'LockLostError'`. */
  override name = 'LockLostError';
  /** Always `'LOCKLOST'`, for matching without `instanceof`. */
  readonly code = 'LOCKLOST';
  constructor(
    /** What was lost, e.g. `mutex /locks/orders` or `leadership /election/x`. */
    readonly what: string,
    /** Why: released, session ended, no confirmed contact in time, or the node gone. */
    readonly reason: LostReason,
  ) {
    super(`${what}: ${REASON_TEXT[reason]}`);
  }
}

const REASON_TEXT: Record<LostReason, string> = {
  released: 'released',
  'session-ended': 'the session expired or the client was closed',
  unconfirmed: 'no confirmed contact with the ensemble in time (disconnected or paused); it may be held by another now',
  'node-gone': 'the holder node was deleted or belongs to another session',
};

/** The part of the session timeout after which a holder gives up, by default. */
export const DEFAULT_LOST_AFTER_FRACTION = 0.5;

export function defaultLostAfterMs(client: Client): number {
  return Math.max(1, Math.floor(client.sessionTimeoutMs * DEFAULT_LOST_AFTER_FRACTION));
}

export class HolderLease {
  private readonly controller = new AbortController();
  private readonly state: LeaseState;
  private timer: NodeJS.Timeout | undefined;
  private nextBeatAt: number;
  private beating = false;
  private readonly offState: () => void;
  private readonly sessionId: bigint;

  /**
   * @param path the holder's node
   * @param acquiredSentAtMs monotonic time the request that proved the acquisition was sent
   * @param onLost runs once when the lease is lost for any reason but release
   */
  constructor(
    private readonly client: Client,
    readonly path: string,
    private readonly what: string,
    readonly lostAfterMs: number,
    acquiredSentAtMs: number,
    private readonly onLost: (reason: LostReason) => void,
  ) {
    this.sessionId = client.sessionId;
    this.state = new LeaseState(lostAfterMs, acquiredSentAtMs);
    this.nextBeatAt = now() + this.beatEveryMs;
    this.offState = client.on('state', (e: StateEvent) => this.settle(this.state.connection(e.state, now())));
    void client
      .exists(path, {
        watch: (e) => {
          if (e.type !== 'NodeDeleted' && e.type !== 'None') return;
          // A close or expiry deletes the node too; say so rather than "deleted".
          const ending = e.type === 'None' || client.state === 'closing' || client.state === 'closed' || client.state === 'expired';
          this.settle(ending ? this.state.connection('closed', now()) : this.state.confirm(now(), now(), false));
        },
      })
      .then((stat) => this.settle(stat && stat.ephemeralOwner === this.sessionId ? this.state.tick(now()) : this.state.confirm(now(), now(), false)))
      .catch((e: unknown) => this.onError(e));
    this.arm();
  }

  private get beatEveryMs(): number {
    return Math.max(1, Math.floor(this.lostAfterMs / 4));
  }

  /** Fires once it can no longer be sure; its reason is a LockLostError. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why it was lost, or undefined while held. */
  get lost(): LostReason | undefined {
    this.check();
    return this.state.lost;
  }

  /** True while the holder can be sure; fires the signal synchronously when it cannot. */
  check(): boolean {
    return this.settle(this.state.tick(now())) === undefined;
  }

  /** The holder let go: fires the signal with reason 'released' (if not lost before). */
  release(): void {
    this.settle(this.state.release());
  }

  private settle(reason: LostReason | undefined): LostReason | undefined {
    if (reason === undefined || this.controller.signal.aborted) return reason;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.offState();
    this.controller.abort(new LockLostError(this.what, reason));
    if (reason !== 'released') {
      try {
        this.onLost(reason);
      } catch (e) {
        process.emitWarning(`${this.what}: cleanup after losing it threw: ${(e as Error).message}`, 'WardenRecipeWarning');
      }
    }
    return reason;
  }

  private arm(): void {
    if (this.controller.signal.aborted) return;
    const at = Math.min(this.nextBeatAt, this.state.sureUntil);
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, Math.ceil(at - now())));
    this.timer.unref();
  }

  private onTimer(): void {
    if (this.check() && now() >= this.nextBeatAt) this.beat();
    this.arm();
  }

  private beat(): void {
    this.nextBeatAt = now() + this.beatEveryMs;
    if (this.beating) return;
    this.beating = true;
    const sentAt = now();
    this.client
      .exists(this.path, { timeoutMs: this.lostAfterMs })
      // A read-only server's answer says nothing about the session at the quorum: no confirmation.
      .then((stat) => this.settle(this.client.readOnly ? this.state.tick(now()) : this.state.confirm(sentAt, now(), stat !== null && stat.ephemeralOwner === this.sessionId)))
      .catch((e: unknown) => this.onError(e))
      .finally(() => {
        this.beating = false;
      });
  }

  private onError(e: unknown): void {
    // A connection loss or timeout is only "no confirmation": the deadline decides.
    if (e instanceof SessionExpiredError || e instanceof ClientClosedError) this.settle(this.state.connection('expired', now()));
  }
}
