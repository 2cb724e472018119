/**
 * Goal: the mutex, read-write lock and semaphore against a real standalone server: mutual
 * exclusion, arrival order, reentrancy, tryAcquire, timeouts that leave nothing behind,
 * fencing tokens that grow, and each waiter watching only its predecessor.
 */
import { describe, expect, it } from 'vitest';
import type { Client } from '../../sdk/index.js';
import { Mutex } from '../../recipes/lock.js';
import { ReadWriteLock } from '../../recipes/read-write-lock.js';
import { Semaphore } from '../../recipes/semaphore.js';
import { waitFor } from '../support/index.js';
import { TARGETS, useTarget } from './recipes-support/targets.js';

describe.each(TARGETS)('%s', (name) => {
  const fx = useTarget(name);

  const client = (): Promise<Client> => fx.client();
  let n = 0;
  const fresh = (): string => `/locks/t${++n}`;

  describe('Mutex', () => {
    it('excludes, hands over in arrival order, and the token grows', async () => {
      const path = fresh();
      const [a, b, c] = await Promise.all([client(), client(), client()]);
      const first = await new Mutex(a, path).acquire();
      const order: string[] = [];
      const pb = new Mutex(b, path).acquire().then((h) => (order.push('b'), h));
      await waitFor(async () => (await a.getChildren(path)).length === 2, { what: 'b queued' });
      const pc = new Mutex(c, path).acquire().then((h) => (order.push('c'), h));
      await waitFor(async () => (await a.getChildren(path)).length === 3, { what: 'c queued' });
      expect(order).toEqual([]);
      await first.release();
      expect(first.signal.aborted).toBe(true);
      const hb = await pb;
      expect(order).toEqual(['b']);
      expect(hb.token).toBeGreaterThan(first.token);
      await hb.release();
      const hc = await pc;
      expect(hc.token).toBeGreaterThan(hb.token);
      await hc.release();
      // c released through its own server: a's server may not have applied that yet
      expect(await a.getChildren(path, { sync: true })).toEqual([]);
    });

    it('is reentrant for the same object, and only the last release lets go', async () => {
      const path = fresh();
      const [a, b] = await Promise.all([client(), client()]);
      const m = new Mutex(a, path);
      const h1 = await m.acquire();
      const h2 = await m.acquire();
      expect(h2).toBe(h1);
      expect((await a.getChildren(path)).length).toBe(1);
      await h1.release();
      expect(m.isHeld).toBe(true);
      expect(await new Mutex(b, path).tryAcquire()).toBeUndefined();
      await h2.release();
      expect(m.isHeld).toBe(false);
      const other = await new Mutex(b, path).tryAcquire();
      expect(other).toBeDefined();
      await other!.release();
    });

    it('tryAcquire and a timed-out acquire leave no node behind', async () => {
      const path = fresh();
      const [a, b] = await Promise.all([client(), client()]);
      const h = await new Mutex(a, path).acquire();
      expect(await new Mutex(b, path).tryAcquire()).toBeUndefined();
      await expect(new Mutex(b, path).acquire({ timeoutMs: 300 })).rejects.toMatchObject({ name: 'TimeoutError' });
      const ac = new AbortController();
      const waiting = new Mutex(b, path).acquire({ signal: ac.signal });
      await waitFor(async () => (await a.getChildren(path)).length === 2, { what: 'queued' });
      ac.abort(new Error('changed my mind'));
      await expect(waiting).rejects.toThrow('changed my mind');
      await waitFor(async () => (await a.getChildren(path)).length === 1, { what: 'waiter node deleted' });
      await h.release();
    });

    it('a holder that closes its client frees the lock and its signal fires', async () => {
      const path = fresh();
      const [a, b] = await Promise.all([client(), client()]);
      const h = await new Mutex(a, path).acquire();
      const next = new Mutex(b, path).acquire();
      await a.close();
      expect(h.signal.aborted).toBe(true);
      expect(h.lost).toBe('session-ended');
      await (await next).release();
    });

    it('fence() makes a write to Warden depend on still holding the lock', async () => {
      const path = fresh();
      const a = await client();
      const data = `/fenced-data-${n}`;
      await a.create(data, 'v0');
      const lock = await new Mutex(a, path).acquire();
      await a.multi(lock.fence([{ op: 'setData', path: data, data: 'v1' }]));
      await a.delete(lock.path); // the lock node is gone (as after an expiry)
      await expect(a.multi(lock.fence([{ op: 'setData', path: data, data: 'v2' }]))).rejects.toMatchObject({ code: 'NONODE' });
      expect((await a.getData(data)).data.toString()).toBe('v1');
      await lock.release();
    });

    it('validates its options with a TypeError naming them', async () => {
      const a = await client();
      expect(() => new Mutex(a, 'relative')).toThrow(/`path`/);
      expect(() => new Mutex(a, '/x', { lostAfterMs: -1 })).toThrow(/`lostAfterMs`/);
      expect(() => new Mutex(a, '/x', { lostAfer: 5 } as never)).toThrow(/unknown option `lostAfer`/);
      await expect(new Mutex(a, '/x').acquire({ timeoutMs: -5 })).rejects.toThrow(/`timeoutMs`/);
      await expect(new Mutex(a, '/x', { lostAfterMs: 10 ** 9 }).acquire()).rejects.toThrow(/`lostAfterMs`/);
    });
  });

  describe('ReadWriteLock', () => {
    it('readers share, a writer waits for them, later readers wait for the writer', async () => {
      const path = fresh();
      const [a, b, c, d] = await Promise.all([client(), client(), client(), client()]);
      const r1 = await new ReadWriteLock(a, path).readLock.acquire();
      const r2 = await new ReadWriteLock(b, path).readLock.acquire();
      let wrote = false;
      const w = new ReadWriteLock(c, path).writeLock.acquire().then((h) => ((wrote = true), h));
      await waitFor(async () => (await a.getChildren(path)).length === 3, { what: 'writer queued' });
      expect(await new ReadWriteLock(d, path).readLock.tryAcquire()).toBeUndefined();
      await r1.release();
      expect(wrote).toBe(false);
      await r2.release();
      const hw = await w;
      expect(wrote).toBe(true);
      await hw.release();
      const r3 = await new ReadWriteLock(d, path).readLock.tryAcquire();
      expect(r3).toBeDefined();
      await r3!.release();
    });

    it('the write holder may also read', async () => {
      const path = fresh();
      const a = await client();
      const rw = new ReadWriteLock(a, path);
      const w = await rw.writeLock.acquire();
      const r = await rw.readLock.acquire({ timeoutMs: 10_000 });
      await r.release();
      await w.release();
    });
  });

  describe('Semaphore', () => {
    it('grants maxLeases at once and hands a returned lease to the next waiter', async () => {
      const path = fresh();
      const cs = await Promise.all([client(), client(), client()]);
      const l1 = await new Semaphore(cs[0]!, path, { maxLeases: 2 }).acquire();
      const l2 = await new Semaphore(cs[1]!, path, { maxLeases: 2 }).acquire();
      expect(await new Semaphore(cs[2]!, path, { maxLeases: 2 }).tryAcquire()).toBeUndefined();
      const third = new Semaphore(cs[2]!, path, { maxLeases: 2 }).acquire();
      await waitFor(async () => (await cs[0]!.getChildren(path)).length === 3, { what: 'third queued' });
      await l1.release();
      const l3 = await third;
      expect(l3.token).toBeGreaterThan(l2.token);
      await Promise.all([l2.release(), l3.release()]);
    });

    it('requires maxLeases', async () => {
      const a = await client();
      expect(() => new Semaphore(a, '/s', {} as never)).toThrow(/`maxLeases`/);
      expect(() => new Semaphore(a, '/s', { maxLeases: 0 })).toThrow(/`maxLeases`/);
    });
  });
});
