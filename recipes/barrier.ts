/**
 * A barrier (Curator's DistributedBarrier): while its node exists, `wait()` blocks; the
 * owner sets it (creates the node) and removes it (deletes the node) to let everyone pass.
 * Waiters watch the one node; no polling.
 */
import { NodeExistsError, NoNodeError, OneShotWatch, type Client } from '../sdk/index.js';
import { ensurePath, parentOf } from './paths.js';
import { checkPath, waitOptions, type WaitOptions } from './validate.js';
import { raceSignal, waitSignal } from './waiting.js';

/**
 * @example
 * const barrier = new Barrier(client, '/barriers/deploy');
 * await barrier.set();              // coordinator: close the gate
 * await barrier.wait({ timeoutMs: 60_000 });   // workers: block until removed
 * await barrier.remove();           // coordinator: open it
 */
export class Barrier {
  constructor(
    private readonly client: Client,
    /** The barrier's node: it is set while this node exists. */
    readonly path: string,
  ) {
    checkPath('Barrier', 'path', path);
  }

  /** Closes the barrier (creates its node). Setting a set barrier is fine. */
  async set(): Promise<void> {
    await ensurePath(this.client, parentOf(this.path));
    try {
      await this.client.create(this.path, null);
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e;
    }
  }

  /** Opens the barrier (deletes its node). Removing an open barrier is fine. */
  async remove(): Promise<void> {
    try {
      await this.client.delete(this.path);
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
    }
  }

  /**
   * Resolves once the barrier is open (at once if it is). It sees every `set()` that
   * completed before it was called, through any server: the first look follows a `sync`
   * (a follower may not have applied the set yet), later ones follow this server's events.
   */
  async wait(opts?: WaitOptions): Promise<void> {
    const { signal, timeoutMs } = waitOptions('Barrier.wait()', opts);
    const wait = waitSignal(`barrier ${this.path}`, signal, timeoutMs);
    try {
      const synced = this.client.sync(this.path, { signal: wait.signal });
      synced.catch(() => {}); // a late failure after the wait ended is nobody's concern
      await raceSignal(synced, wait.signal);
      for (;;) {
        const watch = new OneShotWatch();
        const stat = await this.client.exists(this.path, { watch, signal: wait.signal });
        try {
          if (!stat) return;
          await raceSignal(watch, wait.signal);
        } finally {
          void watch[Symbol.asyncIterator]().return?.();
        }
      }
    } finally {
      wait.dispose();
    }
  }
}
