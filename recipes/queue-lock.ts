/**
 * One lock over the contender queue (lock-queue.ts): acquire with `{ signal, timeoutMs }`,
 * tryAcquire, optional reentrancy for the same object, and the handle with its fencing
 * token and lost signal. Mutex, the read and write locks and the semaphore are this with
 * different prefixes and rules.
 */
import type { Client } from '../sdk/index.js';
import { LockHandle } from './lock-handle.js';
import { awaitTurn, joinQueue, leaveQueue, type QueueSpec } from './lock-queue.js';
import { defaultLostAfterMs } from './lost-signal.js';
import type { NodeName, QueuePosition } from './sequential-nodes.js';
import { intOption, waitOptions, type Options, type WaitOptions } from './validate.js';
import { waitSignal } from './waiting.js';

/** Options every lock-like recipe shares: when a holder stops trusting that it holds. */
export interface HolderOptions {
  /**
   * How long after its last confirmed contact with the ensemble a holder gives up (its
   * `signal` fires). Must be below the session timeout, so the holder knows before the
   * server can expire its session and hand the lock to another.
   * @default half the session timeout
   */
  lostAfterMs?: number;
}

export function holderOptions(where: string, opts: Options): number | undefined {
  return opts.lostAfterMs === undefined ? undefined : intOption(where, opts, 'lostAfterMs', 0, 1);
}

export function resolveLostAfter(where: string, client: Client, lostAfterMs: number | undefined): number {
  if (lostAfterMs === undefined) return defaultLostAfterMs(client);
  if (lostAfterMs >= client.sessionTimeoutMs) {
    throw new TypeError(`${where}: option \`lostAfterMs\` (${lostAfterMs}) must be below the session timeout (${client.sessionTimeoutMs} ms)`);
  }
  return lostAfterMs;
}

export interface QueueLockConfig {
  client: Client;
  path: string;
  /** This lock's node prefix. */
  prefix: string;
  /** Prefixes of every node in the same queue. */
  prefixes: readonly string[];
  decide(sorted: readonly NodeName[], own: string): QueuePosition;
  reentrant: boolean;
  what: string;
  lostAfterMs: number | undefined;
  data?: string | Uint8Array | null;
}

export class QueueLock {
  private held: { handle: LockHandle; count: number } | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly spec: QueueSpec;

  constructor(private readonly cfg: QueueLockConfig) {
    this.spec = { client: cfg.client, path: cfg.path, prefixes: cfg.prefixes, decide: cfg.decide };
  }

  /** The current holder node's name, while this object holds. */
  get ownNodeName(): string | undefined {
    const h = this.held?.handle;
    return h && h.lost === undefined ? h.path.slice(h.path.lastIndexOf('/') + 1) : undefined;
  }

  get isHeld(): boolean {
    return this.held !== undefined && this.held.handle.check();
  }

  acquire(where: string, opts: WaitOptions | undefined, once: boolean): Promise<LockHandle | undefined> {
    const { signal, timeoutMs } = waitOptions(where, opts);
    // Calls on one object queue behind each other: fair, and reentrancy sees a settled state.
    const run = this.chain.then(() => this.acquireNow(signal, timeoutMs, once));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async acquireNow(signal: AbortSignal | undefined, timeoutMs: number | undefined, once: boolean): Promise<LockHandle | undefined> {
    if (this.cfg.reentrant && this.held && this.held.handle.check()) {
      this.held.count++;
      return this.held.handle;
    }
    this.held = undefined;
    const lostAfterMs = resolveLostAfter(this.cfg.what, this.cfg.client, this.cfg.lostAfterMs);
    const wait = waitSignal(this.cfg.what, signal, timeoutMs);
    let node: Awaited<ReturnType<typeof joinQueue>> | undefined;
    try {
      node = await joinQueue(this.spec, this.cfg.prefix, this.cfg.data ?? null, wait.signal);
      const turn = await awaitTurn(this.spec, node, wait.signal, once);
      if (!turn) {
        await leaveQueue(this.cfg.client, node.path);
        return undefined;
      }
      const entry = { handle: undefined as unknown as LockHandle, count: 1 };
      entry.handle = new LockHandle(
        this.cfg.client,
        node.path,
        turn.stat.czxid,
        this.cfg.what,
        lostAfterMs,
        turn.sentAtMs,
        () => {
          if (this.held === entry) this.held = undefined;
        },
        () => entry.handle.lost !== undefined || --entry.count <= 0,
      );
      this.held = entry;
      return entry.handle;
    } catch (e) {
      if (node) await leaveQueue(this.cfg.client, node.path);
      throw e;
    } finally {
      wait.dispose();
    }
  }
}
