/**
 * Leader election, selector form (Curator's LeaderSelector): `run(fn)` calls `fn` each
 * time this candidate becomes leader; leadership ends when `fn` returns (or throws), and
 * the candidate queues again at the back unless `autoRequeue` is false or it was closed.
 * `fn` gets the leadership: stop when its `signal` fires, pass its `token` to resources.
 */
import type { Client } from '../sdk/index.js';
import { LeaderLatch, type LeaderLatchOptions } from './leader-latch.js';
import type { LockHandle } from './lock-handle.js';
import { boolOption, knownKeys, optionsObject } from './validate.js';

/** Options of the {@link LeaderSelector} constructor. */
export interface LeaderSelectorOptions extends LeaderLatchOptions {
  /** Queue again after `fn` returns. @default true */
  autoRequeue?: boolean;
}

/**
 * @example
 * const selector = new LeaderSelector(client, '/election/compactor', { id: 'worker-3' });
 * void selector.run(async (leadership) => {
 *   while (!leadership.signal.aborted) await compactOnce({ signal: leadership.signal, token: leadership.token });
 * });
 * // later: await selector.close();
 */
export class LeaderSelector {
  private readonly latch: LeaderLatch;
  private readonly autoRequeue: boolean;
  private readonly closing = new AbortController();
  private running: Promise<void> | undefined;

  constructor(client: Client, path: string, opts: LeaderSelectorOptions = {}) {
    const o = optionsObject('LeaderSelector', opts);
    knownKeys('LeaderSelector', o, ['lostAfterMs', 'id', 'autoRequeue']);
    this.autoRequeue = boolOption('LeaderSelector', o, 'autoRequeue', true);
    const { autoRequeue: _ignored, ...latchOpts } = opts;
    this.latch = new LeaderLatch(client, path, latchOpts);
  }

  /** This candidate's id (the `id` option, or a random UUID), stored in its node. */
  get id(): string {
    return this.latch.id;
  }

  /** Whether this candidate leads now (and is sure of it): the latch's `isLeader`. */
  get isLeader(): boolean {
    return this.latch.isLeader;
  }

  /**
   * Joins the election and calls `fn` on every leadership, until close() (or after the
   * first leadership without autoRequeue). Errors of `fn` are reported as warnings.
   */
  run(fn: (leadership: LockHandle) => Promise<void> | void): Promise<void> {
    if (typeof fn !== 'function') throw new TypeError('LeaderSelector.run(): `fn` must be a function');
    if (this.running) throw new Error('LeaderSelector.run(): already running');
    this.running = this.loop(fn);
    return this.running;
  }

  private async loop(fn: (leadership: LockHandle) => Promise<void> | void): Promise<void> {
    await this.latch.start();
    try {
      while (!this.closing.signal.aborted) {
        let leadership: LockHandle;
        try {
          leadership = await this.latch.awaitLeadership({ signal: this.closing.signal });
        } catch (e) {
          if (this.closing.signal.aborted) break;
          throw e;
        }
        try {
          await fn(leadership);
        } catch (e) {
          process.emitWarning(`LeaderSelector ${this.latch.path}: the leadership function threw: ${(e as Error).message}`, 'WardenRecipeWarning');
        }
        if (!this.autoRequeue) break;
        await this.latch.resign();
      }
    } finally {
      await this.latch.close();
    }
  }

  /** Leaves the election; a running `fn` sees its leadership signal fire. */
  async close(): Promise<void> {
    this.closing.abort(new Error('the leader selector was closed'));
    await this.latch.close();
    await this.running?.catch(() => undefined);
  }
}
