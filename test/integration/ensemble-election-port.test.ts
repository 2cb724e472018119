/**
 * Goal: the two ports of `server.N=host:quorumPort:electionPort` carry what ZooKeeper's do:
 * votes over the election port, leader sessions (sync, proposals, commits) over the quorum
 * port. With every election link blackholed, a running ensemble keeps committing (its
 * leader sessions do not need votes), but once the leader is killed the others cannot elect
 * a new one; healed, they elect at once and nothing acknowledged is lost.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../support/nemesis/cluster.js';
import { closeAllClients, killAllServers, openClient, removeTempDirs, tempDir, waitFor } from '../support/index.js';

let cluster: Cluster | undefined;

afterAll(async () => {
  await closeAllClients();
  await killAllServers();
  await cluster?.close();
  await removeTempDirs();
});

describe('election port', () => {
  it('carries the votes: without it no new leader is elected; the quorum port alone keeps a running leader', async () => {
    const c = (cluster = await startCluster(3, tempDir('warden-election-port-'), {}, 'election-port', { tickTime: 200, initLimit: 20, syncLimit: 10 }));
    const leader = await waitFor(() => c.leader(), { what: 'a leader', timeoutMs: 60_000 });
    const others = c.ids.filter((id) => id !== leader);
    const client = await openClient(others.map((id) => c.proc(id).address).join(','), { sessionTimeoutMs: 30_000 });
    await client.create('/before', 'x');

    const electionLinks = c.peerLinks.map((l) => l.proxies[1]!);
    for (const p of electionLinks) p.set({ kind: 'blackhole' });
    // The leader's sessions with its followers ride the quorum port: writes still commit.
    await client.create('/during', 'y');

    await c.proc(leader).kill();
    // Give the survivors many election rounds (tickTime 200 ms): still no leader.
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline) {
      expect(await c.leader()).toBeUndefined();
      await new Promise((r) => setTimeout(r, 250));
    }

    for (const p of electionLinks) p.heal();
    const next = await waitFor(() => c.leader(), { what: 'a new leader once votes flow', timeoutMs: 60_000 });
    expect(others).toContain(next);
    await client.create('/after', 'z');
    await client.sync('/');
    expect(await client.getChildren('/')).toEqual(expect.arrayContaining(['before', 'during', 'after']));
  });
});
