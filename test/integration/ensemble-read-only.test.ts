/**
 * Goal: read-only mode (DESIGN §1 Liveness: "with a minority, it serves no writes, and
 * reads only in read-only mode, if on"; ZooKeeper's readonlymode.enabled). A member cut off
 * from its quorum (every peer link of it blackholed) reports mode read-only and serves
 * reads to clients that accept it (canBeReadOnly), refuses their writes and syncs with
 * NotReadOnlyError, and refuses clients that do not accept it. A read-only client with
 * another server in its list finds the read-write side by itself and moves there; one
 * with only the cut-off member moves back to read-write when the member rejoins, keeping
 * the watch it set while read-only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchStatus } from '../../server/cli/status-client.js';
import { NotReadOnlyError, type Client } from '../../sdk/index.js';
import { startCluster, type Cluster } from '../support/nemesis/cluster.js';
import { closeAllClients, deferred, killAllServers, nextState, openClient, removeTempDirs, tempDir, waitFor } from '../support/index.js';

let cluster: Cluster;
let cutOff: number;
let other: number;

beforeAll(async () => {
  cluster = await startCluster(3, tempDir('warden-readonly-'), {}, 'readonly', { 'readonlymode.enabled': 'true', tickTime: 200, initLimit: 20, syncLimit: 10, maxSessionTimeout: 60_000 });
  const leader = await waitFor(() => cluster.leader(), { what: 'a leader', timeoutMs: 60_000 });
  [cutOff, other] = cluster.ids.filter((id) => id !== leader) as [number, number];
}, 120_000);

afterAll(async () => {
  await closeAllClients();
  await killAllServers();
  await cluster?.close();
  await removeTempDirs();
});

const direct = (id: number): string => cluster.proc(id).address;
const modeOf = async (id: number): Promise<string | undefined> => {
  const p = cluster.proc(id);
  return (await fetchStatus({ host: p.host, port: p.port }, 2000).catch(() => undefined))?.mode;
};
const links = (id: number) => cluster.peerLinks.filter((l) => l.from === id || l.to === id).flatMap((l) => l.proxies);

describe('read-only mode', () => {
  it('serves reads without a quorum, refuses writes, and hands clients back to the read-write side', async () => {
    const writer = await openClient(cluster.directAddress, { sessionTimeoutMs: 30_000 });
    await writer.create('/ro', 'v1');
    // the member to cut off has the write before it is cut off
    await waitFor(async () => {
      const c = await openClient(direct(cutOff));
      try {
        return (await c.exists('/ro')) !== null;
      } finally {
        await c.close();
      }
    }, { what: 'the write on the member to cut off' });

    for (const p of links(cutOff)) p.set({ kind: 'blackhole' });
    await waitFor(async () => (await modeOf(cutOff)) === 'read-only', { what: 'the cut-off member in read-only mode', timeoutMs: 60_000 });

    // A client that accepts a read-only server: reads work, writes and syncs are refused.
    const ro = await openClient(direct(cutOff), { canBeReadOnly: true, sessionTimeoutMs: 30_000, reconnectMinDelayMs: 20, reconnectMaxDelayMs: 200 });
    expect(ro.readOnly).toBe(true);
    expect((await ro.getData('/ro')).data.toString()).toBe('v1');
    await expect(ro.create('/ro/no', 'x')).rejects.toBeInstanceOf(NotReadOnlyError);
    await expect(ro.sync('/ro')).rejects.toBeInstanceOf(NotReadOnlyError);
    const changed = deferred<string>();
    await ro.getData('/ro', { watch: (e) => changed.resolve(e.type) });

    // A client that does not accept one is refused.
    await expect(openClient(direct(cutOff), { connectTimeoutMs: 1500 })).rejects.toThrow();

    // With a read-write server in its list, a read-only client finds it and moves there.
    const mover = await openClient(`${direct(cutOff)},${direct(other)}`, { canBeReadOnly: true, shuffleServers: false, sessionTimeoutMs: 30_000 });
    const states: string[] = [];
    mover.on('state', (e) => states.push(e.state));
    await waitFor(() => !mover.readOnly && mover.state === 'connected', { what: 'the client on the read-write side', timeoutMs: 60_000 });
    await mover.create('/ro/moved', 'yes');
    expect(mover.server).toBe(direct(other));
    expect(states).toContain('connected');

    // The member rejoins: its read-only clients are sent away and come back read-write
    // (a new session), keeping their watches.
    const back = nextState(ro, 'connected');
    for (const p of links(cutOff)) p.heal();
    await back;
    expect(ro.readOnly).toBe(false);
    expect(['follower', 'leader']).toContain(await modeOf(cutOff));
    await ro.create('/ro/after', 'rw');
    await writer.setData('/ro', 'v2');
    expect(await changed.promise).toBe('NodeDataChanged');
  });
});
