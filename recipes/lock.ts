/**
 * A fair, reentrant distributed mutex (Curator's InterProcessMutex), safe under faults:
 * every acquisition has a fencing token and a signal that fires when the holder can no
 * longer be sure it holds the lock.
 *
 * Contenders queue as protected ephemeral-sequential nodes `lock-<seq>` under the lock's
 * path, in arrival order; each waiter watches only its predecessor. The same Mutex object
 * may acquire again while it holds (reentrancy); each acquire needs its release.
 */
import type { Client } from '../sdk/index.js';
import type { LockHandle } from './lock-handle.js';
import { holderOptions, QueueLock, type HolderOptions } from './queue-lock.js';
import { queuePosition } from './sequential-nodes.js';
import { checkPath, knownKeys, optionsObject, type WaitOptions } from './validate.js';

export const MUTEX_PREFIX = 'lock-';

/** Options of the {@link Mutex} constructor. */
export interface MutexOptions extends HolderOptions {
  /** Data stored in the holder node (e.g. who holds it, for operators). @default none */
  data?: string | Uint8Array;
}

/**
 * @example
 * import { Mutex, FencingGuard } from 'warden/recipes';
 * const mutex = new Mutex(client, '/locks/orders');
 * const lock = await mutex.acquire({ timeoutMs: 10_000 });
 * try {
 *   // pass lock.signal to the work, and lock.token to the resource with every write
 *   await storage.write(order, { fencingToken: lock.token, signal: lock.signal });
 * } finally {
 *   await lock.release();
 * }
 */
export class Mutex {
  private readonly lock: QueueLock;

  constructor(client: Client, path: string, opts: MutexOptions = {}) {
    const o = optionsObject('Mutex', opts);
    knownKeys('Mutex', o, ['lostAfterMs', 'data']);
    checkPath('Mutex', 'path', path);
    this.lock = new QueueLock({
      client,
      path,
      prefix: MUTEX_PREFIX,
      prefixes: [MUTEX_PREFIX],
      decide: (sorted, own) => queuePosition(sorted, own, 1),
      reentrant: true,
      what: `mutex ${path}`,
      lostAfterMs: holderOptions('Mutex', o),
      data: opts.data ?? null,
    });
  }

  /** Waits for the lock (fairly, in arrival order). Rejects on `signal`/`timeoutMs`. */
  async acquire(opts?: WaitOptions): Promise<LockHandle> {
    return (await this.lock.acquire('Mutex.acquire()', opts, false))!;
  }

  /** Takes the lock only if it is free now; undefined otherwise (nothing left behind). */
  tryAcquire(opts?: Pick<WaitOptions, 'signal'>): Promise<LockHandle | undefined> {
    return this.lock.acquire('Mutex.tryAcquire()', opts, true);
  }

  /** Whether this object holds the lock now (and is sure of it). */
  get isHeld(): boolean {
    return this.lock.isHeld;
  }
}
