/**
 * Goal: service registration and discovery against a real standalone server: instances
 * as ephemeral JSON nodes, listings, a watch-fed cache with change events, providers with
 * strategies, error cooldown and health checks, and re-registration with the latest
 * record after a session expiry, including one that hits during registration.
 */
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../sdk/index.js';
import { roundRobin } from '../../recipes/provider-strategy.js';
import type { ServiceChange } from '../../recipes/service-cache.js';
import { ServiceDiscovery } from '../../recipes/service-discovery.js';
import { ServiceRegistry } from '../../recipes/service-registry.js';
import type { ServiceInstance } from '../../recipes/service-instance.js';
import { tcpCheck } from '../../recipes/health-check.js';
import { expireSession } from '../../recipes/testing.js';
import { waitFor } from '../support/index.js';
import { TARGETS, useTarget } from './recipes-support/targets.js';

describe.each(TARGETS)('%s', (name) => {
  const fx = useTarget(name);
  const client = (): Promise<Client> => fx.client();

  describe('registry and listing', () => {
    it('registers ephemeral JSON records that list back and vanish with the session', async () => {
      const [p, c] = await Promise.all([client(), client()]);
      const reg = new ServiceRegistry(p, { basePath: '/svc1' });
      await reg.register({ name: 'api', id: 'api-1', address: '10.0.0.1', port: 8080, tags: ['blue'], metadata: { zone: 'a' }, payload: { weight: 3 } });
      await reg.register({ name: 'api', id: 'api-2', address: '10.0.0.2', port: 8080 });
      const d = new ServiceDiscovery(c, { basePath: '/svc1' });
      expect(await d.services()).toEqual(['api']);
      const list = await d.list<{ weight: number }>('api');
      expect(list.map((i) => i.id)).toEqual(['api-1', 'api-2']);
      expect(list[0]).toMatchObject({ address: '10.0.0.1', port: 8080, tags: ['blue'], metadata: { zone: 'a' }, payload: { weight: 3 } });
      expect((await c.exists('/svc1/api/api-1'))!.ephemeralOwner).toBe(p.sessionId);
      await reg.unregister('api', 'api-2');
      expect((await d.list('api')).map((i) => i.id)).toEqual(['api-1']);
      await p.close();
      expect(await d.list('api')).toEqual([]);
    });

    it('validates instances and options with TypeErrors naming them', async () => {
      const p = await client();
      const reg = new ServiceRegistry(p);
      await expect(reg.register({ name: 'a/b', id: 'x', address: 'h' })).rejects.toThrow(/`name`/);
      await expect(reg.register({ name: 'a', id: 'x', address: 'h', port: 70000 })).rejects.toThrow(/`port`/);
      expect(() => new ServiceRegistry(p, { basePath: 'rel' })).toThrow(/`basePath`/);
      await expect(new ServiceDiscovery(p).provider('a', { strategy: 5 as never })).rejects.toThrow(/`strategy`/);
    });
  });

  describe('cache and provider', () => {
    it('follows additions, updates and removals through watches, as events and an async iterable', async () => {
      const [p, c] = await Promise.all([client(), client()]);
      const reg = new ServiceRegistry(p, { basePath: '/svc2' });
      await reg.register({ name: 'db', id: 'db-1', address: 'h1' });
      const cache = await new ServiceDiscovery(c, { basePath: '/svc2' }).cache('db');
      fx.closeLater(cache);
      expect(cache.instances().map((i) => i.id)).toEqual(['db-1']);
      const seen: string[] = [];
      const iter = cache.changes();
      const consumer = (async () => {
        for await (const ch of iter as AsyncIterable<ServiceChange>) {
          seen.push(`${ch.type}:${ch.instance.id}`);
          if (seen.length === 3) break;
        }
      })();
      await reg.register({ name: 'db', id: 'db-2', address: 'h2' });
      await reg.update({ name: 'db', id: 'db-1', address: 'h1', payload: { v: 2 } });
      await reg.unregister('db', 'db-2');
      await consumer;
      expect(seen).toEqual(['added:db-2', 'updated:db-1', 'removed:db-2']);
      expect(cache.instances()).toMatchObject([{ id: 'db-1', payload: { v: 2 } }]);
    });

    it('round-robins, cools down an instance after noted errors, and skips unhealthy ones', async () => {
      const [p, c] = await Promise.all([client(), client()]);
      const listening: Server = await new Promise((resolve) => {
        const s = createServer((sock) => sock.destroy()).listen(0, '127.0.0.1', () => resolve(s));
      });
      const livePort = (listening.address() as { port: number }).port;
      try {
        const reg = new ServiceRegistry(p, { basePath: '/svc3' });
        await reg.register({ name: 'web', id: 'w1', address: '127.0.0.1', port: livePort });
        await reg.register({ name: 'web', id: 'w2', address: '127.0.0.1', port: livePort });
        const d = new ServiceDiscovery(c, { basePath: '/svc3' });
        const provider = await d.provider('web', { strategy: roundRobin<ServiceInstance>(), downErrorThreshold: 2, downCooldownMs: 60_000 });
        fx.closeLater(provider);
        expect([1, 2, 3].map(() => provider.getInstance()!.id)).toEqual(['w1', 'w2', 'w1']);
        const w2 = provider.getAllInstances().find((i) => i.id === 'w2')!;
        provider.noteError(w2);
        provider.noteError(w2);
        expect([1, 2].map(() => provider.getInstance()!.id)).toEqual(['w1', 'w1']);

        // a third instance whose port nobody listens on fails the TCP health check
        const closed: Server = await new Promise((resolve) => {
          const s = createServer().listen(0, '127.0.0.1', () => resolve(s));
        });
        const deadPort = (closed.address() as { port: number }).port;
        await new Promise<void>((resolve) => closed.close(() => resolve()));
        await reg.register({ name: 'web', id: 'w3', address: '127.0.0.1', port: deadPort });
        const checked = await d.provider('web', { healthCheck: tcpCheck(), healthCheckIntervalMs: 60_000 });
        fx.closeLater(checked);
        expect(checked.getAllInstances().map((i) => i.id)).toEqual(['w1', 'w2']);
      } finally {
        await new Promise<void>((resolve) => listening.close(() => resolve()));
      }
    });
  });

  describe('session expiry', () => {
    it('re-registers every instance with its latest record, also when the expiry hits during registration', async () => {
      const observer = await client();
      const made: Client[] = [];
      const reg = new ServiceRegistry(async () => {
        const c = await client();
        made.push(c);
        return c;
      }, { basePath: '/svc4' });
      fx.closeLater(reg);
      await reg.register({ name: 'api', id: 'a1', address: 'h', payload: { v: 1 } });
      const first = made[0]!;
      await reg.update({ name: 'api', id: 'a1', address: 'h', payload: { v: 2 } });

      // expiry during a registration: register a second instance and expire at once
      const registering = reg.register({ name: 'api', id: 'a2', address: 'h', payload: { v: 1 } });
      await expireSession(first, fx.target.connectString);
      await registering;
      const d = new ServiceDiscovery(observer, { basePath: '/svc4' });
      await waitFor(async () => (await d.list('api')).length === 2, { what: 'both instances back' });
      const list = await d.list<{ v: number }>('api');
      expect(list.map((i) => [i.id, i.payload?.v])).toEqual([['a1', 2], ['a2', 1]]);
      expect(made.length).toBeGreaterThanOrEqual(2);
      const owner = (await observer.exists('/svc4/api/a1'))!.ephemeralOwner;
      expect(owner).not.toBe(first.sessionId);
      expect(owner).toBe(made[made.length - 1]!.sessionId);
    });

    it("a discovery made with a factory keeps its caches following on a new session after its own expires", async () => {
      const producer = await client();
      const reg = new ServiceRegistry(producer, { basePath: '/svc5' });
      fx.closeLater(reg);
      await reg.register({ name: 'api', id: 'a1', address: 'h1' });
      const made: Client[] = [];
      const d = new ServiceDiscovery(async () => {
        const c = await client();
        made.push(c);
        return c;
      }, { basePath: '/svc5' });
      const cache = await d.cache('api');
      fx.closeLater(cache, d);
      expect(cache.instances().map((i) => i.id)).toEqual(['a1']);
      const first = made[0]!;
      await expireSession(first, fx.target.connectString);
      // changes while (and after) the cache's session is gone: the cache must catch up
      await reg.register({ name: 'api', id: 'a2', address: 'h2' });
      await reg.unregister('api', 'a1');
      await waitFor(() => cache.instances().map((i) => i.id).join() === 'a2', { what: 'the cache on its new session' });
      expect(made.length).toBe(2);
      expect(first.state).toBe('expired');
      // and it is watching again, not just re-read once
      await reg.register({ name: 'api', id: 'a3', address: 'h3' });
      await waitFor(() => cache.instances().map((i) => i.id).join() === 'a2,a3', { what: 'a3 through the new watch' });
      expect(await d.services()).toEqual(['api']);
    });
  });
});
