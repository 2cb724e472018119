/**
 * Service registration (the producer side of Curator's ServiceDiscovery): each instance is
 * an ephemeral node `<basePath>/<service>/<id>` holding its JSON record, so it disappears
 * when the process dies. The registry keeps the instances it was asked to register and
 * makes the ensemble match them: after a reconnect it checks each node, and after a
 * session expiry it gets a new session (when given a client factory) and registers every
 * instance again with its latest record.
 *
 * Invariants:
 * - `register`/`update` record the wanted state before any request, so an expiry in the
 *   middle of a registration is repaired by the next reconcile, never lost.
 * - A create whose reply was lost is adopted: the retry finds the node owned by our
 *   session (NODEEXISTS + same owner) and brings its data up to date.
 * - A node with our path owned by another session is a leftover (ids are unique per
 *   instance): it is replaced.
 */
import { BadVersionError, NodeExistsError, NoNodeError, WardenError, type Client, type StateEvent } from '../sdk/index.js';
import { ClientHolder, type ClientSource } from './client-source.js';
import { EventHub } from './event-hub.js';
import { ensurePath, join } from './paths.js';
import { checkInstance, encodeInstance, type InstanceSpec, type ServiceInstance } from './service-instance.js';
import { checkPath, knownKeys, optionsObject, stringOption } from './validate.js';
import { delay } from './waiting.js';

/** The parent of every service's node when no `basePath` is given: `/services`. */
export const DEFAULT_BASE_PATH = '/services';

/** Options of the {@link ServiceRegistry} constructor. */
export interface ServiceRegistryOptions {
  /** Where services live. @default '/services' */
  basePath?: string;
}

/**
 * What the registry's reconcile loop did: an instance's node now matches its record, a
 * pass failed (it is retried with backoff), or the registry moved to a new session after
 * an expiry and registered everything again.
 */
export type RegistryEvent =
  | {
      /** The instance's node was created, adopted or updated to match its record. */
      type: 'registered';
      /** The record now stored in the node. */
      instance: ServiceInstance;
    }
  | {
      /** A reconcile pass failed; it is retried (50 ms doubling up to 2 s) unless the session expired with no factory to renew it. */
      type: 'error';
      /** What the pass failed with. */
      error: Error;
    }
  | {
      /** After an expiry, the registry got a new session and registered every instance again. */
      type: 'renewed';
      /** The new session's id (0n if no client was available). */
      sessionId: bigint;
    };

/**
 * @example
 * const registry = new ServiceRegistry(() => connect({ servers }));   // a factory survives expiry
 * await registry.register({ name: 'api', id: 'api-1', address: '10.0.0.5', port: 8080, payload: { zone: 'a' } });
 * // ... on shutdown:
 * await registry.close();
 */
export class ServiceRegistry {
  /** The parent of every service's node (`<basePath>/<service>/<id>`). */
  readonly basePath: string;
  private readonly holder: ClientHolder;
  private readonly wanted = new Map<string, ServiceInstance>();
  private readonly hub = new EventHub<RegistryEvent>('service registry');
  private watched: Client | undefined;
  private offState: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(client: ClientSource, opts: ServiceRegistryOptions = {}) {
    const o = optionsObject('ServiceRegistry', opts);
    knownKeys('ServiceRegistry', o, ['basePath']);
    this.basePath = checkPath('ServiceRegistry', 'basePath', stringOption('ServiceRegistry', o, 'basePath', DEFAULT_BASE_PATH));
    this.holder = new ClientHolder(client, 'ServiceRegistry');
  }

  /** Registered, renewed and error events. */
  on(listener: (e: RegistryEvent) => void): () => void {
    return this.hub.on(listener);
  }

  /** Registers (or re-registers with a new record) an instance; resolves once it is in the ensemble. */
  async register<P>(instance: InstanceSpec<P>): Promise<ServiceInstance<P>> {
    this.open('register()');
    const spec = checkInstance<P>('ServiceRegistry.register()', instance);
    const record: ServiceInstance<P> = { ...spec, registeredAtMs: spec.registeredAtMs ?? Date.now() };
    this.wanted.set(key(record.name, record.id), record);
    await this.reconcile();
    return record;
  }

  /** Replaces the record's payload (and other fields) of a registered instance. */
  async update<P>(instance: InstanceSpec<P>): Promise<ServiceInstance<P>> {
    const spec = checkInstance<P>('ServiceRegistry.update()', instance);
    const old = this.wanted.get(key(spec.name, spec.id));
    if (!old) throw new Error(`ServiceRegistry.update(): ${spec.name}/${spec.id} is not registered`);
    return this.register({ ...spec, registeredAtMs: old.registeredAtMs });
  }

  /** Removes an instance. */
  async unregister(name: string, id: string): Promise<void> {
    this.open('unregister()');
    if (!this.wanted.delete(key(name, id))) return;
    const client = await this.holder.get();
    try {
      await client.delete(join(join(this.basePath, name), id));
    } catch (e) {
      if (!(e instanceof NoNodeError) && !(e instanceof WardenError && e.code === 'SESSIONEXPIRED')) throw e;
    }
  }

  /** The instances this registry keeps registered. */
  get instances(): ServiceInstance[] {
    return [...this.wanted.values()];
  }

  /** Unregisters everything and stops; closes the client only if it made it. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const inst of [...this.wanted.values()]) await this.unregister(inst.name, inst.id).catch(() => undefined);
    this.closed = true;
    this.offState?.();
    await this.running?.catch(() => undefined);
    await this.holder.closeOwned();
    this.hub.end();
  }

  private open(where: string): void {
    if (this.closed) throw new Error(`ServiceRegistry.${where}: the registry is closed`);
  }

  /** Runs the reconcile loop (one at a time); resolves when everything wanted is registered. */
  private reconcile(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    let backoffMs = 50;
    do {
      this.again = false;
      try {
        const client = await this.holder.get();
        this.follow(client);
        for (const inst of [...this.wanted.values()]) await this.ensure(client, inst);
        backoffMs = 50;
      } catch (e) {
        if (this.closed) return;
        this.hub.emit({ type: 'error', error: e instanceof Error ? e : new Error(String(e)) });
        if (!this.holder.renewable && this.holder.current?.state === 'expired') throw e;
        this.again = true;
        await delay(backoffMs);
        backoffMs = Math.min(2000, backoffMs * 2);
      }
    } while (this.again && !this.closed);
  }

  /** Reconcile again after a reconnect (check) or an expiry (new session). */
  private follow(client: Client): void {
    if (this.watched === client) return;
    this.offState?.();
    this.watched = client;
    this.offState = client.on('state', (e: StateEvent) => {
      if (this.closed || this.wanted.size === 0) return;
      if (e.state === 'reconnected' || (e.state === 'expired' && this.holder.renewable)) {
        void this.reconcile()
          .then(() => e.state === 'expired' && this.hub.emit({ type: 'renewed', sessionId: this.holder.current?.sessionId ?? 0n }))
          .catch(() => undefined);
      }
    });
  }

  private async ensure(client: Client, inst: ServiceInstance): Promise<void> {
    const parent = join(this.basePath, inst.name);
    const path = join(parent, inst.id);
    const data = encodeInstance(inst);
    for (let attempt = 1; ; attempt++) {
      try {
        const stat = await client.exists(path);
        if (stat && stat.ephemeralOwner === client.sessionId) {
          const { data: stored, stat: now } = await client.getData(path);
          if (!stored.equals(data)) await client.setData(path, data, { version: now.version });
          break;
        }
        if (stat) await client.delete(path, { version: stat.version });
        await client.create(path, data, { mode: 'ephemeral' });
        break;
      } catch (e) {
        if (e instanceof NoNodeError) await ensurePath(client, parent);
        // NODEEXISTS / BADVERSION: someone moved in between; a lost reply: look again.
        else if (!(e instanceof NodeExistsError) && !(e instanceof BadVersionError) && !(e instanceof WardenError && e.outcomeUnknown)) throw e;
        if (attempt >= 10) throw e;
        await client.waitForConnected();
      }
    }
    if (this.wanted.get(key(inst.name, inst.id)) === inst) this.hub.emit({ type: 'registered', instance: inst });
  }
}

function key(name: string, id: string): string {
  return `${name}/${id}`;
}
