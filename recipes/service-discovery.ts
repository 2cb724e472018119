/**
 * Service discovery (the consumer side of Curator's ServiceDiscovery): one-off listings,
 * live caches fed by watches, and providers that pick an instance with a strategy, skip
 * instances reported as failing (`noteError`) for a cooldown, and optionally skip those
 * failing an SDK-side health check.
 */
import { NoNodeError } from '../sdk/index.js';
import { ClientHolder, type ClientSource } from './client-source.js';
import { HealthChecker, type HealthCheck } from './health-check.js';
import { join } from './paths.js';
import { DownInstances, DOWN_COOLDOWN_MS, DOWN_ERROR_THRESHOLD, roundRobin, type ProviderStrategy } from './provider-strategy.js';
import { ServiceCache } from './service-cache.js';
import { decodeInstance, type ServiceInstance } from './service-instance.js';
import { DEFAULT_BASE_PATH } from './service-registry.js';
import { checkName, checkPath, functionOption, intOption, knownKeys, optionsObject, stringOption } from './validate.js';
import { now } from './waiting.js';

/** Options of {@link ServiceDiscovery.provider}. */
export interface ServiceProviderOptions<P> {
  /** How to pick among the usable instances. @default roundRobin() */
  strategy?: ProviderStrategy<ServiceInstance<P>>;
  /** Errors (noteError) that take an instance out. @default 2 */
  downErrorThreshold?: number;
  /** How long an instance stays out after that. @default 30000 */
  downCooldownMs?: number;
  /** An SDK-side health check; failing instances are out until they pass. @default none */
  healthCheck?: HealthCheck;
  /** How often every instance is checked (when `healthCheck` is given). @default 10000 */
  healthCheckIntervalMs?: number;
  /** The budget of one check: its AbortSignal fires after this long. @default 2000 */
  healthCheckTimeoutMs?: number;
}

/**
 * @example
 * const discovery = new ServiceDiscovery(client);
 * const api = await discovery.provider('api', { strategy: roundRobin() });
 * const instance = api.getInstance();
 * try { await call(instance); } catch (e) { api.noteError(instance); }
 */
export class ServiceDiscovery {
  /** The parent of every service's node; must match the registry's. @default '/services' */
  readonly basePath: string;

  private readonly holder: ClientHolder;

  /**
   * `client` is a Client, or a function that connects one: with a function, the caches and
   * providers made here carry on after a session expiry on a new session (re-watching and
   * re-reading everything); with a Client they keep their last list once it has expired.
   */
  constructor(client: ClientSource, opts: { basePath?: string } = {}) {
    this.holder = new ClientHolder(client, 'ServiceDiscovery');
    const o = optionsObject('ServiceDiscovery', opts);
    knownKeys('ServiceDiscovery', o, ['basePath']);
    this.basePath = checkPath('ServiceDiscovery', 'basePath', stringOption('ServiceDiscovery', o, 'basePath', DEFAULT_BASE_PATH));
  }

  /** The names of the registered services (after a sync: every completed registration shows). */
  async services(): Promise<string[]> {
    try {
      return await (await this.holder.get()).getChildren(this.basePath, { sync: true });
    } catch (e) {
      if (e instanceof NoNodeError) return [];
      throw e;
    }
  }

  /**
   * The instances of `service` now (use cache() to follow changes). The listing follows a
   * sync, so every registration and unregistration that completed before the call shows,
   * whichever server it went through.
   */
  async list<P = unknown>(service: string): Promise<ServiceInstance<P>[]> {
    const parent = join(this.basePath, checkName('ServiceDiscovery.list()', 'service', service));
    const client = await this.holder.get();
    let ids: string[];
    try {
      ids = await client.getChildren(parent, { sync: true });
    } catch (e) {
      if (e instanceof NoNodeError) return [];
      throw e;
    }
    const out: ServiceInstance<P>[] = [];
    for (const id of ids.sort()) {
      try {
        const inst = decodeInstance<P>((await client.getData(join(parent, id))).data);
        if (inst) out.push(inst);
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
      }
    }
    return out;
  }

  /** A live cache of `service`'s instances. Close it when done. */
  async cache<P = unknown>(service: string): Promise<ServiceCache<P>> {
    const c = new ServiceCache<P>(this.holder, join(this.basePath, checkName('ServiceDiscovery.cache()', 'service', service)));
    await c.start();
    return c;
  }

  /**
   * Closes the client this discovery connected through its factory, if any (a Client
   * given to it stays open). Close the caches and providers first.
   */
  async close(): Promise<void> {
    await this.holder.closeOwned();
  }

  /** A provider over a live cache of `service`. Close it when done. */
  async provider<P = unknown>(service: string, opts: ServiceProviderOptions<P> = {}): Promise<ServiceProvider<P>> {
    const where = 'ServiceDiscovery.provider()';
    const o = optionsObject(where, opts);
    knownKeys(where, o, ['strategy', 'downErrorThreshold', 'downCooldownMs', 'healthCheck', 'healthCheckIntervalMs', 'healthCheckTimeoutMs']);
    if (o.strategy !== undefined && (typeof o.strategy !== 'object' || typeof (o.strategy as ProviderStrategy).pick !== 'function')) {
      throw new TypeError(`${where}: option \`strategy\` must be a ProviderStrategy (roundRobin(), randomPick(), sticky())`);
    }
    const down = new DownInstances(intOption(where, o, 'downErrorThreshold', DOWN_ERROR_THRESHOLD, 1), intOption(where, o, 'downCooldownMs', DOWN_COOLDOWN_MS, 0));
    const check = functionOption<HealthCheck>(where, o, 'healthCheck');
    const interval = intOption(where, o, 'healthCheckIntervalMs', 10_000, 1);
    const timeout = intOption(where, o, 'healthCheckTimeoutMs', 2000, 1);
    const cache = await this.cache<P>(service);
    const health = check ? new HealthChecker(check, () => cache.instances(), interval, timeout) : undefined;
    await health?.start();
    return new ServiceProvider<P>(cache, opts.strategy ?? roundRobin<ServiceInstance<P>>(), down, health);
  }
}

/**
 * Picks an instance of one service for each call, over a live {@link ServiceCache}:
 * instances reported failing (`noteError`) or failing the health check are skipped.
 * Made by {@link ServiceDiscovery.provider}; close it when done.
 */
export class ServiceProvider<P = unknown> {
  /** @internal use ServiceDiscovery.provider() */
  constructor(
    /** The live cache under this provider. */
    readonly cache: ServiceCache<P>,
    private readonly strategy: ProviderStrategy<ServiceInstance<P>>,
    private readonly down: DownInstances,
    private readonly health: HealthChecker | undefined,
  ) {}

  /** The usable instances: live, not cooled down, healthy. */
  getAllInstances(): ServiceInstance<P>[] {
    const t = now();
    return this.cache.instances().filter((i) => !this.down.isDown(i.id, t) && (this.health?.isHealthy(i.id) ?? true));
  }

  /** One instance chosen by the strategy, or undefined when none is usable. */
  getInstance(): ServiceInstance<P> | undefined {
    const all = this.getAllInstances();
    return all.length === 0 ? undefined : this.strategy.pick(all);
  }

  /** Reports a failed call to `instance`: enough of them cool it down. */
  noteError(instance: ServiceInstance<P>): void {
    this.down.noteError(instance.id, now());
  }

  /** Runs the health check on every instance now. */
  async checkHealth(): Promise<void> {
    await this.health?.round();
  }

  /** Stops the health checks and closes the cache under this provider. */
  async close(): Promise<void> {
    this.health?.stop();
    await this.cache.close();
  }
}
