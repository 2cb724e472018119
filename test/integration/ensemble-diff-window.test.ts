/**
 * Goal: how far back the leader brings a restarted follower up to date with a DIFF is
 * ZooKeeper's rule, set in zoo.cfg: the newest commitLogCount txns always, older ones only
 * while the txns to send are at most snapshotSizeFactor times the last snapshot's size;
 * past that, a SNAP. The same 40 missing txns go by DIFF or by SNAP depending on the keys,
 * and either way every acknowledged write ends up on every server.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Client } from '../../sdk/index.js';
import { startEnsemble } from '../support/ensemble.js';
import { waitStable } from '../support/ensemble-status.js';
import type { CfgValues } from '../support/zoo-cfg.js';
import { closeAllClients, killAllServers, openClient, removeTempDirs } from '../support/index.js';

afterEach(async () => {
  await closeAllClients();
  await killAllServers();
});
afterAll(removeTempDirs);

/** Starts 3 voters with `cfg`, kills a follower, writes 40 txns, restarts it; returns its output. */
async function catchUp(cfg: CfgValues): Promise<string> {
  const e = await startEnsemble({ voters: 3, extra: cfg });
  const leader = await waitStable(e);
  const follower = [1, 2, 3].find((id) => id !== leader)!;
  const c: Client = await openClient(e.address(leader), { sessionTimeoutMs: 10_000 });
  await c.create('/w');
  await e.member(follower).kill('SIGKILL');
  const names = Array.from({ length: 40 }, (_, i) => `n${i}`);
  for (const n of names) await c.create(`/w/${n}`, n);
  await e.start(follower);
  await waitStable(e);
  const f = await openClient(e.address(follower), { sessionTimeoutMs: 10_000 });
  await f.sync('/w');
  expect((await f.getChildren('/w')).sort()).toEqual([...names].sort());
  return e.member(follower).output();
}

describe('DIFF window', () => {
  it('past commitLogCount, a follower gets a SNAP when snapshotSizeFactor allows no more', async () => {
    const out = await catchUp({ commitLogCount: 10, snapshotSizeFactor: 0 });
    expect(out).toContain('installed a snapshot');
  }, 120_000);

  it('past commitLogCount, a follower still gets a DIFF while the txns are small next to the snapshot', async () => {
    const out = await catchUp({ commitLogCount: 10, snapshotSizeFactor: 10_000 });
    expect(out).not.toContain('installed a snapshot');
  }, 120_000);
});
