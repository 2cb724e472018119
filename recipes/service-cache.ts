/**
 * A live local list of one service's instances, fed by a persistent recursive watch on
 * the service's node (no polling): every creation, deletion or data change under it
 * re-reads that one instance; a `Resync` (events the server could not replay) or a
 * reconnect re-reads them all. Changes come as events and as an async iterable.
 */
import { NoNodeError, type Client, type WatchEvent } from '../sdk/index.js';
import type { ClientHolder } from './client-source.js';
import { delay } from './waiting.js';
import { join } from './paths.js';
import { decodeInstance, type ServiceInstance } from './service-instance.js';
import { WatchFedMirror } from './watch-fed-mirror.js';

/** A change to a {@link ServiceCache}'s list of instances. */
export type ServiceChange<P = unknown> =
  | {
      /** An instance appeared. */
      type: 'added';
      /** Its record. */
      instance: ServiceInstance<P>;
    }
  | {
      /** An instance's record changed. */
      type: 'updated';
      /** Its new record. */
      instance: ServiceInstance<P>;
    }
  | {
      /** An instance left: its node is gone, or its data is no longer an instance record. */
      type: 'removed';
      /** Its last known record. */
      instance: ServiceInstance<P>;
    };

/**
 * A live list of one service's instances, kept current by a watch; made by
 * {@link ServiceDiscovery.cache}. Reads are local; close it when done.
 */
export class ServiceCache<P = unknown> extends WatchFedMirror<ServiceChange<P>> {
  private readonly byId = new Map<string, ServiceInstance<P>>();

  private client!: Client;

  /** @internal use ServiceDiscovery.cache() */
  constructor(
    private readonly holder: ClientHolder,
    /** Path of the service's node (`<basePath>/<service>`), whose children are the instances. */
    readonly path: string,
  ) {
    super('service cache', `service cache ${path}`);
  }

  /** @internal registers the watch, then loads everything. */
  async start(): Promise<void> {
    await this.follow(await this.holder.get());
    this.tasks.run(() => this.reloadAll());
    await this.tasks.settled();
  }

  /**
   * Watches through `client`. After its session expires, the watch is gone with it: with a
   * factory behind the holder, the cache follows again on a new session and re-reads
   * everything (instances that left meanwhile are removed, new ones added).
   */
  private async follow(client: Client): Promise<void> {
    this.client = client;
    this.watch = await client.addWatch(this.path, 'persistentRecursive', { listener: (e) => this.onEvent(e) });
    this.offState?.();
    this.offState = client.on('state', (e) => {
      if (e.state === 'reconnected') this.tasks.run(() => this.reloadAll());
      if (e.state === 'expired' && this.holder.renewable) this.tasks.run(() => this.renew());
    });
  }

  /** Follows on a new session, retrying (50 ms doubling up to 2 s) until it works or the cache closes. */
  private async renew(): Promise<void> {
    for (let backoffMs = 50; !this.closed; backoffMs = Math.min(2000, backoffMs * 2)) {
      try {
        await this.follow(await this.holder.get());
        await this.reloadAll();
        return;
      } catch (e) {
        if (this.closed) return;
        process.emitWarning(`service cache ${this.path}: following on a new session failed, retrying: ${(e as Error).message}`, 'WardenRecipeWarning');
        await delay(backoffMs);
      }
    }
  }

  /** The instances now, sorted by id. */
  instances(): ServiceInstance<P>[] {
    return [...this.byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Changes from now on as an async iterable (ends on close()). */
  changes(opts: { signal?: AbortSignal; bufferSize?: number } = {}): AsyncIterableIterator<ServiceChange<P>> {
    return this.hub.iterate(opts);
  }

  private onEvent(e: WatchEvent): void {
    if (this.closed) return;
    if (e.type === 'Resync') return this.tasks.run(() => this.reloadAll());
    if (e.path === this.path || !e.path.startsWith(`${this.path}/`)) return;
    const id = e.path.slice(this.path.length + 1);
    if (id.includes('/')) return;
    this.tasks.run(() => this.reloadOne(id));
  }

  private async reloadAll(): Promise<void> {
    let ids: string[];
    try {
      // after a sync: a cache started after a registration completed starts with it
      ids = await this.client.getChildren(this.path, { sync: true });
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      ids = [];
    }
    for (const gone of [...this.byId.keys()].filter((id) => !ids.includes(id))) this.apply(gone, undefined);
    for (const id of ids) await this.reloadOne(id);
  }

  private async reloadOne(id: string): Promise<void> {
    try {
      const { data } = await this.client.getData(join(this.path, id));
      this.apply(id, decodeInstance<P>(data));
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      this.apply(id, undefined);
    }
  }

  private apply(id: string, inst: ServiceInstance<P> | undefined): void {
    const old = this.byId.get(id);
    if (!inst) {
      if (old) {
        this.byId.delete(id);
        this.hub.emit({ type: 'removed', instance: old });
      }
      return;
    }
    this.byId.set(id, inst);
    if (!old) this.hub.emit({ type: 'added', instance: inst });
    else if (JSON.stringify(old) !== JSON.stringify(inst)) this.hub.emit({ type: 'updated', instance: inst });
  }
}
