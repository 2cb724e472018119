/**
 * Goal: watches through the SDK behave as ZooKeeper's, with Warden's additions: one-shot
 * data/exist/child watches as callbacks or awaitable objects, each event carrying the zxid
 * of its change and arriving before any response that reflects the change; persistent and
 * recursive watches as async iterables; removal; the per-session watch limit; and, across
 * a reconnect, one-shot watches re-set with the last zxid and persistent watches replayed,
 * or told to resync when the server's history does not reach back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LimitExceededError, NoWatcherError, OneShotWatch, OverflowError, type WatchEvent } from '../../sdk/index.js';
import {
  closeAllClients,
  closeAllProxies,
  nextState,
  FaultProxy,
  killAllServers,
  openClient,
  removeTempDirs,
  startStandalone,
  waitFor,
  type Standalone,
} from '../support/index.js';

let srv: Standalone;

beforeAll(async () => {
  srv = await startStandalone({ maxWatchesPerSession: 50 });
});
afterEach(async () => {
  await closeAllClients();
  await closeAllProxies();
});
afterAll(async () => {
  await killAllServers();
  removeTempDirs();
});

function collector(): { events: WatchEvent[]; fn: (e: WatchEvent) => void } {
  const events: WatchEvent[] = [];
  return { events, fn: (e) => events.push(e) };
}

describe('one-shot watches', () => {
  it('a data watch fires once with the zxid of the change', async () => {
    const c = await openClient(srv.server.address);
    await c.create('/w1', 'a');
    const got = collector();
    await c.getData('/w1', { watch: got.fn });
    const s1 = await c.setData('/w1', 'b');
    await c.setData('/w1', 'c');
    await c.sync();
    expect(got.events).toEqual([{ type: 'NodeDataChanged', path: '/w1', zxid: s1.mzxid }]);
  });

  it('exists on a missing node watches for its creation; getChildren for children; deletion fires both kinds', async () => {
    const c = await openClient(srv.server.address);
    const created = new OneShotWatch();
    expect(await c.exists('/w2', { watch: created })).toBeNull();
    const { stat } = await c.create('/w2');
    expect(await created).toEqual({ type: 'NodeCreated', path: '/w2', zxid: stat.czxid });

    const kids = new OneShotWatch();
    await c.getChildren('/w2', { watch: kids });
    const child = await c.create('/w2/k');
    expect(await kids).toEqual({ type: 'NodeChildrenChanged', path: '/w2', zxid: child.stat.czxid });

    const data = collector();
    const children = collector();
    await c.exists('/w2/k', { watch: data.fn });
    await c.getChildren('/w2/k', { watch: children.fn });
    await c.delete('/w2/k');
    expect(data.events.map((e) => e.type)).toEqual(['NodeDeleted']);
    expect(children.events.map((e) => e.type)).toEqual(['NodeDeleted']);
  });

  it('delivers the event before the response of the write that caused it (same client)', async () => {
    const c = await openClient(srv.server.address);
    await c.create('/w3', 'a');
    const order: string[] = [];
    await c.getData('/w3', { watch: () => order.push('event') });
    await c.setData('/w3', 'b').then(() => order.push('response'));
    expect(order).toEqual(['event', 'response']);
  });

  it('a reader never sees new data before the event for it (another client writes)', async () => {
    const reader = await openClient(srv.server.address);
    const writer = await openClient(srv.server.address);
    await writer.create('/w4', '0');
    let eventSeen = false;
    await reader.getData('/w4', { watch: () => (eventSeen = true) });
    const write = writer.setData('/w4', '1');
    for (;;) {
      const { data } = await reader.getData('/w4');
      if (data.toString() === '1') {
        expect(eventSeen).toBe(true);
        break;
      }
      expect(eventSeen).toBe(false);
    }
    await write;
  });

  it('leaving a for-await over a one-shot watch unregisters it locally', async () => {
    const c = await openClient(srv.server.address);
    await c.create('/w5');
    const w = new OneShotWatch();
    await c.getData('/w5', { watch: w });
    expect(w.registered).toBe(true);
    const loop = (async () => {
      for await (const _ of w) break;
    })();
    w.close();
    await loop;
    await expect(c.removeWatches('/w5', 'data', { local: true })).rejects.toBeInstanceOf(NoWatcherError);
  });

  it('a one-shot watch closed before it fires is removed at the server too, unless another local watch shares it', async () => {
    const c = await openClient(srv.server.address);
    await c.create('/ab');
    // The session may hold 50 watches: 60 abandoned ones fit only if each left the server.
    for (let i = 0; i < 60; i++) {
      const w = new OneShotWatch();
      await c.exists(`/ab/n${i}`, { watch: w });
      w.close();
    }
    // Two local watchers behind one server watch: closing one keeps the other's events.
    const kept = collector();
    const dropped = new OneShotWatch();
    await c.getData('/ab', { watch: dropped });
    await c.getData('/ab', { watch: kept.fn });
    dropped.close();
    await c.setData('/ab', 'x');
    await waitFor(() => kept.events.length === 1, { what: 'the kept watcher fires' });
    expect(kept.events[0]!.type).toBe('NodeDataChanged');
    // A watch that fired is not "removed" again: the next one registers and fires normally.
    const again = new OneShotWatch();
    await c.getData('/ab', { watch: again });
    await c.setData('/ab', 'y');
    expect((await again).type).toBe('NodeDataChanged');
  });

  it('a OneShotWatch given to a call that failed rejects instead of waiting forever', async () => {
    const c = await openClient(srv.server.address);
    const w = new OneShotWatch();
    await expect(c.getData('/never-there', { watch: w })).rejects.toThrow(/NONODE/);
    expect(w.registered).toBe(false);
    await expect(w).rejects.toThrow(/closed before it fired/);
  });

  it('removeWatches removes at the server and tells the local watcher', async () => {
    const c = await openClient(srv.server.address);
    await c.create('/w6');
    const got = collector();
    await c.getData('/w6', { watch: got.fn });
    await c.removeWatches('/w6', 'data');
    expect(got.events.map((e) => e.type)).toEqual(['DataWatchRemoved']);
    await expect(c.removeWatches('/w6', 'data')).rejects.toBeInstanceOf(NoWatcherError);
    await c.setData('/w6', 'x');
    await c.sync();
    expect(got.events.length).toBe(1);
  });

  it('refuses watches above the per-session limit with LIMITEXCEEDED naming it', async () => {
    const c = await openClient(srv.server.address);
    await c.create('/lim');
    for (let i = 0; i < 50; i++) await c.exists(`/lim/n${i}`, { watch: () => {} });
    const err = await c.exists('/lim/over', { watch: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as LimitExceededError).limit).toBe('watchesPerSessionMax');
    // The refused read registered nothing locally either.
    await expect(c.removeWatches('/lim/over', 'data', { local: true })).rejects.toBeInstanceOf(NoWatcherError);
  });
});

describe('persistent watches', () => {
  it('a persistent watch sees every change of its node, including children, in order', async () => {
    const c = await openClient(srv.server.address);
    const w = await c.addWatch('/p1', 'persistent');
    const { stat } = await c.create('/p1', 'a');
    const s2 = await c.setData('/p1', 'b');
    const kid = await c.create('/p1/k');
    await c.delete('/p1/k');
    await c.delete('/p1');
    const seen: WatchEvent[] = [];
    for await (const e of w) {
      seen.push(e);
      if (seen.length === 5) break;
    }
    expect(seen.map((e) => e.type)).toEqual(['NodeCreated', 'NodeDataChanged', 'NodeChildrenChanged', 'NodeChildrenChanged', 'NodeDeleted']);
    expect(seen[0]!.zxid).toBe(stat.czxid);
    expect(seen[1]!.zxid).toBe(s2.mzxid);
    expect(seen[2]!.zxid).toBe(kid.stat.czxid);
    // break closed it: the server has no such watch any more
    await waitFor(async () => (await c.removeWatches('/p1', 'persistent').then(() => false, (e: unknown) => e instanceof NoWatcherError)), { what: 'watch removed at the server' });
  });

  it('a recursive watch sees the whole subtree but no children-changed events', async () => {
    const c = await openClient(srv.server.address);
    const got = collector();
    const w = await c.addWatch('/r1', 'persistentRecursive', { listener: got.fn });
    await c.create('/r1');
    await c.create('/r1/a');
    await c.create('/r1/a/b', 'x');
    await c.setData('/r1/a/b', 'y');
    await c.delete('/r1/a/b');
    await c.create('/r1x');
    await c.sync();
    expect(got.events.map((e) => `${e.type} ${e.path}`)).toEqual([
      'NodeCreated /r1',
      'NodeCreated /r1/a',
      'NodeCreated /r1/a/b',
      'NodeDataChanged /r1/a/b',
      'NodeDeleted /r1/a/b',
    ]);
    await w.close();
    await c.create('/r1/after');
    await c.sync();
    expect(got.events.length).toBe(5);
  });
});

describe('bounded watch buffers', () => {
  it('a persistent watch consumer that falls behind gets its buffer, then an OverflowError', async () => {
    const c = await openClient(srv.server.address);
    const w = await c.addWatch('/ovf', 'persistentRecursive', { bufferSize: 3 });
    await c.create('/ovf');
    for (let i = 0; i < 5; i++) await c.create(`/ovf/n${i}`);
    const seen: string[] = [];
    const err = await (async () => {
      for await (const e of w) seen.push(e.path);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['/ovf', '/ovf/n0', '/ovf/n1']);
    expect(err).toBeInstanceOf(OverflowError);
    // the overflowed watch unregistered itself, at the server too
    await waitFor(async () => c.removeWatches('/ovf', 'persistentRecursive').then(() => false, (e: unknown) => e instanceof NoWatcherError), { what: 'watch removed' });
  });
});

describe('watches across a reconnect', () => {
  it('re-sets one-shot watches with the last zxid: a change made meanwhile fires at once', async () => {
    const proxy = await FaultProxy.start(srv.server.port);
    const a = await openClient(proxy.address, { sessionTimeoutMs: 10_000 });
    const b = await openClient(srv.server.address);
    await b.create('/rw1', 'a');
    await b.create('/rw2');
    const dataW = new OneShotWatch();
    const existW = new OneShotWatch();
    const childW = new OneShotWatch();
    await a.getData('/rw1', { watch: dataW });
    await a.exists('/rw-new', { watch: existW });
    await a.getChildren('/rw2', { watch: childW });
    const disconnected = nextState(a, 'disconnected');
    proxy.block();
    proxy.cut();
    await disconnected;
    const s = await b.setData('/rw1', 'b');
    const created = await b.create('/rw-new');
    await b.create('/rw2/kid');
    const reconnected = nextState(a, 'reconnected');
    proxy.unblock();
    const e = await reconnected;
    expect(e.sessionId).toBe(a.sessionId);
    expect(await dataW).toMatchObject({ type: 'NodeDataChanged', path: '/rw1', zxid: s.mzxid });
    expect(await existW).toMatchObject({ type: 'NodeCreated', path: '/rw-new', zxid: created.stat.czxid });
    expect(await childW).toMatchObject({ type: 'NodeChildrenChanged', path: '/rw2' });
  });

  it('replays the events a persistent watch missed, in order, after the reconnect', async () => {
    const proxy = await FaultProxy.start(srv.server.port);
    const a = await openClient(proxy.address, { sessionTimeoutMs: 10_000 });
    const b = await openClient(srv.server.address);
    const w = await a.addWatch('/replay', 'persistentRecursive');
    await b.create('/replay');
    const first = await w[Symbol.asyncIterator]().next();
    expect(first.value).toMatchObject({ type: 'NodeCreated', path: '/replay' });
    const disconnected = nextState(a, 'disconnected');
    proxy.block();
    proxy.cut();
    await disconnected;
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await b.create(`/replay/n${i}`)).stat.czxid);
    await b.setData('/replay/n0', 'changed');
    proxy.unblock();
    const seen: WatchEvent[] = [];
    for await (const e of w) {
      seen.push(e);
      if (seen.length === 6) break;
    }
    expect(seen.map((e) => `${e.type} ${e.path}`)).toEqual([
      'NodeCreated /replay/n0',
      'NodeCreated /replay/n1',
      'NodeCreated /replay/n2',
      'NodeCreated /replay/n3',
      'NodeCreated /replay/n4',
      'NodeDataChanged /replay/n0',
    ]);
    expect(seen.slice(0, 5).map((e) => e.zxid)).toEqual(made);
  });

  it('sends RESYNC when the server history no longer reaches back to the client', async () => {
    const small = await startStandalone({ watchHistorySize: 2 });
    const proxy = await FaultProxy.start(small.server.port);
    const a = await openClient(proxy.address, { sessionTimeoutMs: 10_000 });
    const b = await openClient(small.server.address);
    const got = collector();
    await a.addWatch('/rs', 'persistentRecursive', { listener: got.fn });
    await b.create('/rs');
    await waitFor(() => got.events.length === 1, { what: 'first event' });
    const disconnected = nextState(a, 'disconnected');
    proxy.block();
    proxy.cut();
    await disconnected;
    for (let i = 0; i < 6; i++) await b.create(`/rs/n${i}`);
    proxy.unblock();
    await waitFor(() => got.events.some((e) => e.type === 'Resync'), { what: 'resync event' });
    const resync = got.events.find((e) => e.type === 'Resync')!;
    expect(resync.path).toBe('/rs');
    // What the client must do on RESYNC: re-read. It then sees every child.
    expect((await a.getChildren('/rs')).length).toBe(6);
  });
});
