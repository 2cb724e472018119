/**
 * A fair read-write lock (Curator's InterProcessReadWriteLock): readers and writers queue
 * together as `__READ__<seq>` and `__WRIT__<seq>` nodes. A writer holds when it is first;
 * a reader holds when no writer is before it (or the only writers before it are this
 * object's own write lock: a writer may also read). A waiting writer watches its
 * predecessor; a waiting reader watches the nearest writer before it.
 */
import type { Client } from '../sdk/index.js';
import type { LockHandle } from './lock-handle.js';
import { holderOptions, QueueLock, type HolderOptions } from './queue-lock.js';
import { queuePosition, type NodeName, type QueuePosition } from './sequential-nodes.js';
import { checkPath, knownKeys, optionsObject, type WaitOptions } from './validate.js';

export const READ_PREFIX = '__READ__';
export const WRITE_PREFIX = '__WRIT__';

/** The reader's rule; `ownWriter` is the name of this object's held write node, if any. */
export function readPosition(sorted: readonly NodeName[], own: string, ownWriter: string | undefined): QueuePosition {
  const index = sorted.findIndex((n) => n.name === own);
  if (index < 0) return { kind: 'gone' };
  for (let i = index - 1; i >= 0; i--) {
    const n = sorted[i]!;
    if (n.base.startsWith(WRITE_PREFIX) && n.name !== ownWriter) return { kind: 'waits', index, watch: n.name };
  }
  return { kind: 'holds', index };
}

/**
 * One side (read or write) of a {@link ReadWriteLock}. Reentrant for the same
 * ReadWriteLock object: acquiring a side it already holds returns the same handle, and
 * the node goes only when every acquire has been released.
 */
export interface LockSide {
  /** Waits for this side, in arrival order with the other side. Rejects on `signal`/`timeoutMs`. */
  acquire(opts?: WaitOptions): Promise<LockHandle>;
  /** Takes this side only if it can be held now; undefined otherwise (nothing left behind). */
  tryAcquire(opts?: Pick<WaitOptions, 'signal'>): Promise<LockHandle | undefined>;
  /** Whether this object holds this side now (and is sure of it). */
  readonly isHeld: boolean;
}

/**
 * @example
 * const rw = new ReadWriteLock(client, '/locks/catalog');
 * const r = await rw.readLock.acquire();
 * try { render(await loadCatalog()); } finally { await r.release(); }
 */
export class ReadWriteLock {
  /** Shared side: held by many readers at once while no writer is ahead of them in the queue. */
  readonly readLock: LockSide;
  /** Exclusive side: held only when first in the queue. Its holder may also take `readLock`. */
  readonly writeLock: LockSide;

  constructor(client: Client, path: string, opts: HolderOptions = {}) {
    const o = optionsObject('ReadWriteLock', opts);
    knownKeys('ReadWriteLock', o, ['lostAfterMs']);
    checkPath('ReadWriteLock', 'path', path);
    const lostAfterMs = holderOptions('ReadWriteLock', o);
    const prefixes = [READ_PREFIX, WRITE_PREFIX];
    const write = new QueueLock({
      client, path, prefix: WRITE_PREFIX, prefixes, reentrant: true, lostAfterMs, what: `write lock ${path}`,
      decide: (sorted, own) => queuePosition(sorted, own, 1),
    });
    const read = new QueueLock({
      client, path, prefix: READ_PREFIX, prefixes, reentrant: true, lostAfterMs, what: `read lock ${path}`,
      decide: (sorted, own) => readPosition(sorted, own, write.ownNodeName),
    });
    this.writeLock = side(write, 'ReadWriteLock.writeLock');
    this.readLock = side(read, 'ReadWriteLock.readLock');
  }
}

function side(lock: QueueLock, where: string): LockSide {
  return {
    acquire: async (opts) => (await lock.acquire(`${where}.acquire()`, opts, false))!,
    tryAcquire: (opts) => lock.acquire(`${where}.tryAcquire()`, opts, true),
    get isHeld() {
      return lock.isHeld;
    },
  };
}
