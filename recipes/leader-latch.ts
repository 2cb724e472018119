/**
 * Leader election, latch form (Curator's LeaderLatch): candidates queue as protected
 * ephemeral-sequential `latch-<seq>` nodes whose data is the candidate's id; the first
 * leads, each other candidate watches only its predecessor (no herd effect).
 *
 * A leadership is a LockHandle: a fencing token that grows with every new leader, and a
 * `signal` that fires when this candidate can no longer be sure it leads (disconnected
 * past `lostAfterMs`, paused, session ended, resigned). After losing it without resigning
 * the candidate deletes its node and queues again (at the back) once it can.
 */
import { randomUUID } from 'node:crypto';
import { SessionExpiredError, ClientClosedError, type Client } from '../sdk/index.js';
import { EventHub } from './event-hub.js';
import { LockHandle } from './lock-handle.js';
import { awaitTurn, joinQueue, leaveQueue, type QueueSpec } from './lock-queue.js';
import { holderOptions, resolveLostAfter, type HolderOptions } from './queue-lock.js';
import { queuePosition } from './sequential-nodes.js';
import { checkPath, knownKeys, optionsObject, stringOption, waitOptions, type WaitOptions } from './validate.js';
import { delay, raceSignal, waitSignal } from './waiting.js';

export const LATCH_PREFIX = 'latch-';

/** Options of the {@link LeaderLatch} constructor. */
export interface LeaderLatchOptions extends HolderOptions {
  /** This candidate's id, stored in its node (what observers see). @default a random UUID */
  id?: string;
}

/** A change of this candidate's role; a `follower` event follows each `leader` event once that leadership ends. */
export type LeadershipEvent =
  | {
      /** This candidate now leads. */
      type: 'leader';
      /** The leadership: its `token` fences writes, its `signal` fires when it may be lost. */
      leadership: LockHandle;
    }
  | {
      /** The leadership ended (lost or resigned) and its node was deleted. */
      type: 'follower';
    };

/**
 * @example
 * const latch = new LeaderLatch(client, '/election/scheduler', { id: 'node-a' });
 * await latch.start();
 * for await (const e of latch.events()) {
 *   if (e.type === 'leader') runScheduler({ signal: e.leadership.signal, fencingToken: e.leadership.token });
 * }
 */
export class LeaderLatch {
  /** This candidate's id. */
  readonly id: string;
  private readonly spec: QueueSpec;
  private readonly hub = new EventHub<LeadershipEvent>('leader latch');
  private readonly stopping = new AbortController();
  private readonly lostAfterMs: number | undefined;
  private current: LockHandle | undefined;
  private loop: Promise<void> | undefined;
  private resignRequested: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly client: Client,
    /** The election's node; candidates queue as its children. */
    readonly path: string,
    opts: LeaderLatchOptions = {},
  ) {
    const o = optionsObject('LeaderLatch', opts);
    knownKeys('LeaderLatch', o, ['lostAfterMs', 'id']);
    checkPath('LeaderLatch', 'path', path);
    this.id = stringOption('LeaderLatch', o, 'id', randomUUID());
    this.lostAfterMs = holderOptions('LeaderLatch', o);
    this.spec = { client, path, prefixes: [LATCH_PREFIX], decide: (sorted, own) => queuePosition(sorted, own, 1) };
  }

  /** Joins the election. Resolves once the candidate node exists. */
  async start(): Promise<void> {
    if (this.loop) throw new Error('LeaderLatch.start(): already started');
    resolveLostAfter('LeaderLatch', this.client, this.lostAfterMs);
    let joined!: () => void;
    let failed!: (e: unknown) => void;
    const started = new Promise<void>((resolve, reject) => {
      joined = resolve;
      failed = reject;
    });
    this.loop = this.run(joined, failed);
    await started;
  }

  /** True while this candidate leads and is sure of it. */
  get isLeader(): boolean {
    return this.current !== undefined && this.current.check();
  }

  /** The current leadership, while leading. */
  get leadership(): LockHandle | undefined {
    return this.isLeader ? this.current : undefined;
  }

  /** Calls `listener` with 'leader' and 'follower' events. Returns the unsubscribe function. */
  on(listener: (e: LeadershipEvent) => void): () => void {
    return this.hub.on(listener);
  }

  /** Leadership changes as an async iterable (starting with 'leader' if leading now). */
  events(opts: { signal?: AbortSignal; bufferSize?: number } = {}): AsyncIterableIterator<LeadershipEvent> {
    const it = this.hub.iterate(opts);
    const now = this.leadership;
    if (!now) return it;
    let first = true;
    return {
      next: () => {
        if (first) {
          first = false;
          return Promise.resolve({ value: { type: 'leader', leadership: now }, done: false });
        }
        return it.next();
      },
      return: () => it.return!(),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Waits until this candidate leads; rejects on `signal`, `timeoutMs` or close(). */
  async awaitLeadership(opts?: WaitOptions): Promise<LockHandle> {
    const { signal, timeoutMs } = waitOptions('LeaderLatch.awaitLeadership()', opts);
    if (!this.loop) throw new Error('LeaderLatch.awaitLeadership(): call start() first');
    const wait = waitSignal('LeaderLatch.awaitLeadership()', signal ? AbortSignal.any([signal, this.stopping.signal]) : this.stopping.signal, timeoutMs);
    try {
      for (;;) {
        if (this.failure) throw this.failure;
        const l = this.leadership;
        if (l) return l;
        const next = new Promise<void>((resolve) => {
          const off = this.hub.on(() => {
            off();
            resolve();
          });
        });
        await raceSignal(next, wait.signal);
      }
    } finally {
      wait.dispose();
    }
  }

  /** Gives up leadership (or its place in the queue) and queues again at the back. */
  async resign(): Promise<void> {
    const held = this.current;
    this.current = undefined;
    this.resignRequested?.();
    await held?.release();
  }

  /** Leaves the election for good: deletes the node, fires the leadership signal. */
  async close(): Promise<void> {
    if (!this.stopping.signal.aborted) this.stopping.abort(new Error('the leader latch was closed'));
    await this.loop?.catch(() => undefined);
    this.hub.end();
  }

  private async run(joined: () => void, failedToJoin: (e: unknown) => void): Promise<void> {
    let first = true;
    while (!this.stopping.signal.aborted) {
      const round = new AbortController();
      this.resignRequested = () => round.abort(new Error('resigned'));
      const signal = AbortSignal.any([round.signal, this.stopping.signal]);
      let nodePath: string | undefined;
      try {
        const node = await joinQueue(this.spec, LATCH_PREFIX, this.id, signal);
        nodePath = node.path;
        if (first) joined();
        first = false;
        const turn = await awaitTurn(this.spec, node, signal);
        const handle = new LockHandle(this.client, node.path, turn!.stat.czxid, `leadership ${this.path}`, resolveLostAfter('LeaderLatch', this.client, this.lostAfterMs), turn!.sentAtMs, () => {});
        this.current = handle;
        this.hub.emit({ type: 'leader', leadership: handle });
        await new Promise<void>((resolve) => {
          if (handle.signal.aborted || signal.aborted) return resolve();
          handle.signal.addEventListener('abort', () => resolve(), { once: true });
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        this.current = undefined;
        await handle.release();
        nodePath = undefined;
        this.hub.emit({ type: 'follower' });
      } catch (e) {
        if (nodePath) await leaveQueue(this.client, nodePath);
        if (first) {
          failedToJoin(e);
          return;
        }
        if (e instanceof SessionExpiredError || e instanceof ClientClosedError || this.client.state === 'expired' || this.client.state === 'closed') {
          this.failure = e instanceof Error ? e : new Error(String(e));
          this.stopping.abort(this.failure);
          return;
        }
        if (!signal.aborted) await delay(Math.min(1000, this.client.sessionTimeoutMs / 4), this.stopping.signal).catch(() => undefined);
      }
    }
  }
}
