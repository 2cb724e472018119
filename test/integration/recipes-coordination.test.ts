/**
 * Goal: barriers, double barrier, config watch, shared counter, distributed queue and tree
 * cache against a real standalone server, each for what it promises: blocking until
 * released, all-in/all-out, last-known-good and compare-and-set, atomic increments under
 * contention, each item taken once in FIFO order, and a mirror that follows the subtree.
 */
import { describe, expect, it } from 'vitest';
import { BadVersionError, type Client } from '../../sdk/index.js';
import { Barrier } from '../../recipes/barrier.js';
import { ConfigWatch, type ConfigEvent } from '../../recipes/config-watch.js';
import { DistributedQueue } from '../../recipes/distributed-queue.js';
import { DoubleBarrier } from '../../recipes/double-barrier.js';
import { SharedCounter } from '../../recipes/shared-counter.js';
import { TreeCache, type TreeEvent } from '../../recipes/tree-cache.js';
import { deferred, waitFor } from '../support/index.js';
import { TARGETS, useTarget } from './recipes-support/targets.js';

describe.each(TARGETS)('%s', (name) => {
  const fx = useTarget(name);
  const client = (): Promise<Client> => fx.client();

  describe('Barrier', () => {
    it('blocks waiters while set and lets them all pass when removed', async () => {
      const [a, b, c] = await Promise.all([client(), client(), client()]);
      const gate = new Barrier(a, '/barriers/b1');
      await gate.set();
      let passed = 0;
      const waiters = [b, c].map((x) => new Barrier(x, '/barriers/b1').wait({ timeoutMs: 20_000 }).then(() => passed++));
      await expect(new Barrier(b, '/barriers/b1').wait({ timeoutMs: 200 })).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(passed).toBe(0);
      await gate.remove();
      await Promise.all(waiters);
      expect(passed).toBe(2);
      await new Barrier(c, '/barriers/b1').wait(); // open: at once
    });
  });

  describe('DoubleBarrier', () => {
    it('nobody gets past enter until all entered, nor past leave until all left', async () => {
      const cs = await Promise.all([client(), client(), client()]);
      const log: string[] = [];
      const barriers = cs.map((c, i) => new DoubleBarrier(c, '/barriers/double', { participants: 3, id: `p${i}` }));
      const first = barriers.slice(0, 2).map((b, i) => b.enter({ timeoutMs: 20_000 }).then(() => log.push(`in${i}`)));
      await waitFor(async () => (await cs[0]!.getChildren('/barriers/double')).length === 2, { what: 'two entered' });
      expect(log).toEqual([]);
      await Promise.all([...first, barriers[2]!.enter({ timeoutMs: 20_000 }).then(() => log.push('in2'))]);
      expect(log.sort()).toEqual(['in0', 'in1', 'in2']);

      log.length = 0;
      const leaving = barriers.slice(0, 2).map((b, i) => b.leave({ timeoutMs: 20_000 }).then(() => log.push(`out${i}`)));
      await expect(Promise.race([...leaving, new Promise((r) => setTimeout(() => r('still waiting'), 300))])).resolves.toBe('still waiting');
      expect(log).toEqual([]);
      await Promise.all([...leaving, barriers[2]!.leave({ timeoutMs: 20_000 })]);
      expect(log.sort()).toEqual(['out0', 'out1']);
      // the last leave went through cs[2]'s server: read after a sync
      expect(await cs[0]!.getChildren('/barriers/double', { sync: true })).toEqual([]);
    });

    it('requires participants', async () => {
      const a = await client();
      expect(() => new DoubleBarrier(a, '/x', {} as never)).toThrow(/`participants`/);
    });
  });

  describe('ConfigWatch', () => {
    interface Limits {
      maxConns: number;
    }
    const schema = (v: unknown): Limits => {
      if (typeof v !== 'object' || v === null || typeof (v as Limits).maxConns !== 'number') throw new Error('maxConns must be a number');
      return v as Limits;
    };

    it('follows valid changes, keeps the last good value on an invalid one, and updates by version', async () => {
      const [a, b] = await Promise.all([client(), client()]);
      const cfg = await ConfigWatch.open(a, '/config/limits', { schema, defaultValue: { maxConns: 10 } });
      fx.closeLater(cfg);
      expect(cfg.current).toEqual({ maxConns: 10 });
      const events: Array<ConfigEvent<Limits>> = [];
      cfg.on((e) => events.push(e));

      const writer = await ConfigWatch.open(b, '/config/limits', { schema });
      fx.closeLater(writer);
      await writer.update({ maxConns: 20 });
      await waitFor(() => cfg.current?.maxConns === 20, { what: 'first value seen' });

      await b.setData('/config/limits', '{"maxConns":"lots"}');
      await waitFor(() => events.some((e) => e.type === 'invalid'), { what: 'invalid reported' });
      expect(cfg.current).toEqual({ maxConns: 20 });
      expect(cfg.lastError?.message).toMatch(/maxConns must be a number/);

      await expect(cfg.update({ maxConns: 'x' } as unknown as Limits)).rejects.toMatchObject({ name: 'InvalidConfigError' });
      const stale = cfg.currentVersion;
      await cfg.update({ maxConns: 30 }, { version: cfg.version });
      await waitFor(() => cfg.current?.maxConns === 30, { what: 'CAS update seen' });
      await expect(cfg.update({ maxConns: 40 }, { version: stale })).rejects.toBeInstanceOf(BadVersionError);
      expect(events.filter((e) => e.type === 'changed').map((e) => (e.type === 'changed' ? e.value.maxConns : 0))).toEqual([20, 30]);
    });

    it('as an async iterable', async () => {
      const a = await client();
      const cfg = await ConfigWatch.open(a, '/config/iter', { schema });
      fx.closeLater(cfg);
      const it = cfg.changes();
      await cfg.update({ maxConns: 1 });
      const first = await it.next();
      expect(first.value).toMatchObject({ type: 'changed', value: { maxConns: 1 } });
      await it.return!();
      await expect(ConfigWatch.open(a, '/c', {} as never)).rejects.toThrow(/`schema`/);
    });
  });

  describe('SharedCounter', () => {
    it('increments atomically under contention and compare-and-sets by version', async () => {
      const cs = await Promise.all([client(), client(), client()]);
      await Promise.all(cs.map(async (c) => {
        const counter = new SharedCounter(c, '/counters/c1');
        for (let i = 0; i < 10; i++) await counter.increment();
      }));
      const counter = new SharedCounter(cs[0]!, '/counters/c1');
      fx.closeLater(counter);
      const { value, version } = await counter.get();
      expect(value).toBe(30);
      expect(await counter.trySet(100, version)).toBe(true);
      expect(await counter.trySet(200, version)).toBe(false);
      const reached = counter.waitFor((v) => v >= 105, { timeoutMs: 20_000 });
      await new SharedCounter(cs[1]!, '/counters/c1').increment(5);
      expect(await reached).toBe(105);
    });
  });

  describe('DistributedQueue', () => {
    it('delivers each item once, in order, to competing consumers; take waits for a put', async () => {
      const [p, c1, c2] = await Promise.all([client(), client(), client()]);
      const q = new DistributedQueue<number>(p, '/queues/q1');
      for (let i = 0; i < 10; i++) await q.put(i);
      expect(await q.size()).toBe(10);
      const got: number[] = [];
      await Promise.all([c1, c2].map(async (c) => {
        const mine = new DistributedQueue<number>(c, '/queues/q1');
        for (let item = await mine.poll(); item !== undefined; item = await mine.poll()) got.push(item);
      }));
      expect(got.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const single = new DistributedQueue<number>(c1, '/queues/q1');
      const fifo: number[] = [];
      for (let i = 0; i < 3; i++) await q.put(100 + i);
      for (let i = 0; i < 3; i++) fifo.push(await single.take());
      expect(fifo).toEqual([100, 101, 102]);
      const waiting = single.take({ timeoutMs: 20_000 });
      await q.put(7);
      expect(await waiting).toBe(7);
      await expect(single.take({ timeoutMs: 200 })).rejects.toMatchObject({ name: 'TimeoutError' });
    });
  });

  describe('TreeCache', () => {
    it('mirrors a subtree and reports additions, updates and removals', async () => {
      const [a, b] = await Promise.all([client(), client()]);
      await b.create('/tree', 'root');
      await b.create('/tree/x', '1');
      const tree = await TreeCache.open(a, '/tree');
      fx.closeLater(tree);
      expect(tree.paths()).toEqual(['/tree', '/tree/x']);
      const events: TreeEvent[] = [];
      const removedY = deferred<void>();
      tree.on((e) => {
        events.push(e);
        if (e.type === 'removed' && e.path === '/tree/y') removedY.resolve();
      });
      await b.create('/tree/y', 'a');
      await b.create('/tree/y/z', 'deep');
      await b.setData('/tree/x', '2');
      await waitFor(() => tree.get('/tree/x')?.data.toString() === '2' && tree.get('/tree/y/z') !== undefined, { what: 'changes mirrored' });
      expect(tree.children('/tree')).toEqual(['x', 'y']);
      expect(tree.children('/tree/y')).toEqual(['z']);
      await b.delete('/tree/y/z');
      await b.delete('/tree/y');
      await removedY.promise;
      expect(tree.paths()).toEqual(['/tree', '/tree/x']);
      expect(events.map((e) => `${e.type}:${'path' in e ? e.path : ''}`)).toEqual(['added:/tree/y', 'added:/tree/y/z', 'updated:/tree/x', 'removed:/tree/y/z', 'removed:/tree/y']);
    });
  });
});
