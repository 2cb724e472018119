/**
 * Goal: a 3-server ensemble on loopback serves one view: it elects one leader, a write made
 * through any server is read on every other after sync, the Status call reports mode,
 * epoch and peers, and a session created on one server survives moving to another (its
 * ephemerals with it), and closing it removes them on every server.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../sdk/index.js';
import { startEnsemble } from '../support/ensemble.js';
import { statusOf, waitStable } from '../support/ensemble-status.js';
import { closeAllClients, killAllServers, removeTempDirs } from '../support/index.js';

afterEach(async () => {
  await closeAllClients();
  await killAllServers();
});
afterAll(removeTempDirs);

describe('ensemble of 3', () => {
  it('elects one leader and shows every server the same writes after sync', async () => {
    const e = await startEnsemble({ voters: 3 });
    const leader = await waitStable(e);
    const statuses = await Promise.all([1, 2, 3].map((id) => statusOf(e, id)));
    expect(statuses.filter((s) => s?.mode === 'leader').map((s) => s?.serverId)).toEqual([leader]);
    expect(statuses.filter((s) => s?.mode === 'follower')).toHaveLength(2);
    for (const s of statuses) {
      expect(s!.epoch).toBeGreaterThan(0);
      expect(s!.peers.map((p) => p.id)).toEqual([1, 2, 3]);
    }

    const clients = await Promise.all([1, 2, 3].map((id) => connect({ servers: e.address(id), sessionTimeoutMs: 10_000 })));
    for (const [i, c] of clients.entries()) await c.create(`/from${i + 1}`, `v${i + 1}`);
    for (const c of clients) {
      // getChildren's `sync` option: sync and listing in one round trip, on every member.
      expect(await c.getChildren('/', { sync: true })).toEqual(expect.arrayContaining(['from1', 'from2', 'from3']));
      await c.sync('/');
      for (let i = 1; i <= 3; i++) expect((await c.getData(`/from${i}`)).data.toString()).toBe(`v${i}`);
    }
    // An ephemeral made through a follower is seen everywhere, and goes when its session closes.
    const follower = [1, 2, 3].find((id) => id !== leader)!;
    const f = clients[follower - 1]!;
    await f.create('/eph', 'e', { mode: 'ephemeral' });
    const other = clients[leader - 1]!;
    await other.sync('/');
    expect((await other.exists('/eph')) !== null).toBe(true);
    await f.close();
    await other.sync('/');
    expect(await other.exists('/eph')).toBeNull();
    for (const c of clients) if (c !== f) await c.close();
  });

  it('a session moves to another server within its timeout and keeps its ephemerals; closing it removes them everywhere', async () => {
    const e = await startEnsemble({ voters: 3 });
    const leader = await waitStable(e);
    const [a, b] = [1, 2, 3].filter((id) => id !== leader) as [number, number];
    const first = await connect({ servers: e.address(a), sessionTimeoutMs: 10_000 });
    await first.create('/mine', 'm', { mode: 'ephemeral' });
    const { sessionId, sessionPassword } = first;
    // The first server dies; the session resumes on another one.
    await e.member(a).kill('SIGKILL');
    const moved = await connect({ servers: e.address(b), sessionTimeoutMs: 10_000, sessionId, sessionPassword });
    expect(moved.sessionId).toBe(sessionId);
    await moved.sync('/');
    expect((await moved.getData('/mine')).data.toString()).toBe('m');
    await moved.setData('/mine', 'moved');
    const st = await statusOf(e, b);
    expect(st?.sessionCount).toBeGreaterThan(0);
    await moved.close();
    await first.close({ timeoutMs: 200 }).catch(() => {});
    const after = await connect({ servers: e.address(leader) });
    await after.sync('/');
    expect(await after.exists('/mine')).toBeNull();
    await after.close();
  });
});
