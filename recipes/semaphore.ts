/**
 * A counting semaphore with `maxLeases` leases (Curator's InterProcessSemaphore, in its
 * queue form): contenders queue as `lease-<seq>` nodes; the first `maxLeases` hold a
 * lease, and each waiter watches only the node `maxLeases` places before it, so a returned
 * lease wakes exactly one waiter. Every participant must use the same `maxLeases`.
 */
import type { Client } from '../sdk/index.js';
import type { LockHandle } from './lock-handle.js';
import { holderOptions, QueueLock, type HolderOptions } from './queue-lock.js';
import { queuePosition } from './sequential-nodes.js';
import { checkPath, intOption, knownKeys, optionsObject, type WaitOptions } from './validate.js';

export const LEASE_PREFIX = 'lease-';

/** Options of the {@link Semaphore} constructor. */
export interface SemaphoreOptions extends HolderOptions {
  /** How many holders at once. Required; the same for every participant. */
  maxLeases: number;
}

/**
 * @example
 * const pool = new Semaphore(client, '/limits/db-connections', { maxLeases: 5 });
 * const lease = await pool.acquire({ timeoutMs: 30_000 });
 * try { await work(lease.signal); } finally { await lease.release(); }
 */
export class Semaphore {
  private readonly client: Client;
  private readonly path: string;
  private readonly maxLeases: number;
  private readonly lostAfterMs: number | undefined;

  constructor(client: Client, path: string, opts: SemaphoreOptions) {
    const o = optionsObject('Semaphore', opts);
    knownKeys('Semaphore', o, ['lostAfterMs', 'maxLeases']);
    checkPath('Semaphore', 'path', path);
    if (o.maxLeases === undefined) throw new TypeError('Semaphore: option `maxLeases` is required');
    this.client = client;
    this.path = path;
    this.maxLeases = intOption('Semaphore', o, 'maxLeases', 1, 1);
    this.lostAfterMs = holderOptions('Semaphore', o);
  }

  // A lease is not reentrant: each acquire is its own node, so each gets its own QueueLock.
  private queue(): QueueLock {
    return new QueueLock({
      client: this.client,
      path: this.path,
      prefix: LEASE_PREFIX,
      prefixes: [LEASE_PREFIX],
      decide: (sorted, own) => queuePosition(sorted, own, this.maxLeases),
      reentrant: false,
      what: `semaphore ${this.path}`,
      lostAfterMs: this.lostAfterMs,
    });
  }

  /** Waits for a lease. Rejects on `signal`/`timeoutMs`. */
  async acquire(opts?: WaitOptions): Promise<LockHandle> {
    return (await this.queue().acquire('Semaphore.acquire()', opts, false))!;
  }

  /** A lease if one is free now, else undefined. */
  tryAcquire(opts?: Pick<WaitOptions, 'signal'>): Promise<LockHandle | undefined> {
    return this.queue().acquire('Semaphore.tryAcquire()', opts, true);
  }
}
