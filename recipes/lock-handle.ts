/**
 * What an acquisition gives back: the fencing token, the "lost" signal and release().
 * One class for mutexes, read and write locks, semaphore leases and leaderships.
 */
import type { Client, MultiOp } from '../sdk/index.js';
import type { FencingToken } from './fencing.js';
import type { LostReason } from './lease-state.js';
import { HolderLease } from './lost-signal.js';
import { leaveQueue } from './lock-queue.js';

/**
 * A held lock, read or write side, semaphore lease or leadership: its fencing `token`,
 * the `signal` that fires when it may be lost, and `release()`. Works with `await using`.
 * @example
 * await using lock = await mutex.acquire({ timeoutMs: 10_000 });
 * lock.assertHeld();                       // right before touching the resource
 * await store.write(order, { fencingToken: lock.token, signal: lock.signal });
 */
export class LockHandle {
  private readonly lease: HolderLease;
  private released: Promise<void> | undefined;

  /** @internal made by the recipes */
  constructor(
    private readonly client: Client,
    /** The holder node's path. */
    readonly path: string,
    /**
     * The fencing token: the czxid of the holder node. It grows with every acquisition of
     * the same lock; give it to the protected resource with every write (FencingGuard).
     */
    readonly token: FencingToken,
    what: string,
    lostAfterMs: number,
    acquiredSentAtMs: number,
    private readonly onEnd: () => void,
    /** Reentrancy: false while outer acquisitions still hold it (the node stays). */
    private readonly releaseGate: () => boolean = () => true,
  ) {
    this.lease = new HolderLease(client, path, what, lostAfterMs, acquiredSentAtMs, () => {
      this.onEnd();
      // Lost without releasing: if the session lives on (a long disconnection), our node
      // would block everyone behind it; delete it once we can.
      void leaveQueue(this.client, this.path);
    });
  }

  /**
   * Fires when the holder can no longer be sure it holds: release, session expiry or
   * close, no confirmed contact within `lostAfterMs` (disconnection, process pause), or
   * the node deleted. Its `reason` is a LockLostError. Pass it to the work done under it.
   */
  get signal(): AbortSignal {
    return this.lease.signal;
  }

  /** Checks the deadline now (synchronously): true while surely held; fires `signal` if not. */
  check(): boolean {
    return this.lease.check();
  }

  /** Throws the LockLostError unless surely held: call right before touching the resource. */
  assertHeld(): void {
    if (!this.check()) throw this.signal.reason;
  }

  /**
   * Fencing for data kept in Warden itself: `ops` prefixed with a check that the holder
   * node still exists unchanged, for `client.multi`. If the lock was lost (node deleted by
   * an expiry or a release), the whole multi fails with NoNodeError and nothing is written.
   * @example
   * await client.multi(lock.fence([{ op: 'setData', path: '/orders/next', data: '42' }]));
   */
  fence(ops: readonly MultiOp[]): MultiOp[] {
    if (!Array.isArray(ops)) throw new TypeError('LockHandle.fence(): `ops` must be an array of multi ops');
    return [{ op: 'check', path: this.path, version: 0 }, ...ops];
  }

  /** Why it was lost (undefined while held). */
  get lost(): LostReason | undefined {
    return this.lease.lost;
  }

  /** @internal releases without deleting (the caller decides when to delete). */
  end(): void {
    this.lease.release();
  }

  /**
   * Lets go: fires `signal` ('released') and deletes the node. Idempotent. For a reentrant
   * lock acquired n times, only the n-th release lets go.
   */
  release(): Promise<void> {
    if (this.released) return this.released;
    if (!this.releaseGate()) return Promise.resolve();
    this.lease.release();
    this.onEnd();
    this.released = leaveQueue(this.client, this.path);
    return this.released;
  }

  /** Same as release(). */
  close(): Promise<void> {
    return this.release();
  }

  /** Same as release(): lets `await using` release the handle at the end of its scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}
