/**
 * A distributed FIFO queue (Curator's DistributedQueue, simple form): items are
 * persistent-sequential nodes `item-<seq>` with JSON data. `put` is protected (a lost
 * create reply is found, never doubled); `take` removes the head with a versioned delete,
 * so two consumers never both take one item. The delete goes in one `multi` with an
 * ephemeral claim node (`claim-<session>-<item>`), so a take whose reply was lost to a
 * connection loss is settled after reconnecting by looking for the claim: present, the
 * item is ours; absent, the delete did not happen. Only when the session expired
 * meanwhile (the claim is gone with it) is the outcome unknown, and take() says so.
 * Consumers wait on a child watch.
 */
import { BadVersionError, NoNodeError, OneShotWatch, SessionExpiredError, WardenError, type Client } from '../sdk/index.js';
import { join } from './paths.js';
import { createProtected } from './protected-create.js';
import { sortSequential } from './sequential-nodes.js';
import { checkPath, waitOptions, type WaitOptions } from './validate.js';
import { raceSignal, waitSignal } from './waiting.js';

export const ITEM_PREFIX = 'item-';
/** Prefix of the ephemeral claim a take() creates with its delete. */
export const CLAIM_PREFIX = 'claim-';

/**
 * @example
 * const jobs = new DistributedQueue<{ url: string }>(client, '/queues/crawl');
 * await jobs.put({ url: 'https://example.com' });
 * const job = await jobs.take({ timeoutMs: 30_000 });
 */
export class DistributedQueue<T = unknown> {
  constructor(
    private readonly client: Client,
    /** The queue's node; items are its `item-<seq>` children. */
    readonly path: string,
  ) {
    checkPath('DistributedQueue', 'path', path);
  }

  /** Appends an item (JSON). Resolves with its node path. */
  async put(item: T): Promise<string> {
    const text = JSON.stringify(item);
    if (text === undefined) throw new TypeError('DistributedQueue.put(): `item` must be JSON-serialisable');
    const node = await createProtected(this.client, this.path, ITEM_PREFIX, { mode: 'persistentSequential', data: text, containers: false });
    return node.path;
  }

  /** Removes and returns the head, or undefined when the queue is empty. */
  async poll(): Promise<T | undefined> {
    return (await this.takeHead(undefined))?.item;
  }

  /** Removes and returns the head, waiting for one. */
  async take(opts?: WaitOptions): Promise<T> {
    const { signal, timeoutMs } = waitOptions('DistributedQueue.take()', opts);
    const wait = waitSignal(`queue ${this.path}`, signal, timeoutMs);
    try {
      for (;;) {
        const watch = new OneShotWatch();
        try {
          const got = await this.takeHead(watch, wait.signal);
          if (got) return got.item;
          await raceSignal(watch, wait.signal);
        } finally {
          void watch[Symbol.asyncIterator]().return?.();
        }
      }
    } finally {
      wait.dispose();
    }
  }

  /** How many items are queued now. */
  async size(): Promise<number> {
    try {
      return sortSequential(await this.client.getChildren(this.path), [ITEM_PREFIX]).length;
    } catch (e) {
      if (e instanceof NoNodeError) return 0;
      throw e;
    }
  }

  private async takeHead(watch: OneShotWatch | undefined, signal?: AbortSignal): Promise<{ item: T } | undefined> {
    let children: string[];
    try {
      children = await this.client.getChildren(this.path, { signal, ...(watch ? { watch } : {}) });
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      if (watch) await this.client.exists(this.path, { watch, signal });
      return undefined;
    }
    for (const n of sortSequential(children, [ITEM_PREFIX])) {
      const path = join(this.path, n.name);
      let data: Buffer;
      let version: number;
      try {
        const r = await this.client.getData(path, { signal });
        data = r.data;
        version = r.stat.version;
      } catch (e) {
        if (e instanceof NoNodeError) continue;
        throw e;
      }
      const claim = join(this.path, `${CLAIM_PREFIX}${this.client.sessionId.toString(16)}-${n.name}`);
      try {
        await this.client.multi(
          [
            { op: 'delete', path, version },
            { op: 'create', path: claim, mode: 'ephemeral' },
          ],
          { signal },
        );
      } catch (e) {
        if (e instanceof NoNodeError || e instanceof BadVersionError) continue; // another consumer took it
        if (!(e instanceof WardenError && e.outcomeUnknown)) throw e;
        // The reply was lost: the claim, made in the same transaction, says whether it happened.
        // (If the session expired meanwhile, waitForConnected rejects: the outcome stays unknown.)
        try {
          await this.client.waitForConnected({ signal });
        } catch (w) {
          throw w instanceof SessionExpiredError ? e : w;
        }
        if (!(await this.client.exists(claim, { signal }))) continue;
      }
      // The claim has done its job; it is ephemeral, so a failed delete costs nothing lasting.
      this.client.delete(claim).catch(() => undefined);
      return { item: JSON.parse(data.toString('utf8')) as T };
    }
    return undefined;
  }
}
