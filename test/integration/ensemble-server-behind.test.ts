/**
 * Goal: single system image across servers of an ensemble (DESIGN §1, issue 3 item 5). A
 * follower that is connected but behind (the leader's link to it holds its bytes, as a
 * congested network would) keeps serving, yet refuses the reconnect of a client that has
 * already seen a newer zxid (SERVERBEHIND): that client moves on to the next server, or
 * waits until the follower has caught up, and its reads never go back in time. A fresh
 * client (no zxid seen) is served by the lagging follower.
 *
 * Every peer link runs through its own TCP proxy (test/support/nemesis/cluster.ts); the
 * leader -> follower quorum link is the one that lags. syncLimit is long (30 ticks of 1 s)
 * so that holding that link for a few seconds never gets the follower dropped: it stays a
 * follower, only behind.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../proto/codes.js';
import type { Client } from '../../sdk/index.js';
import { probeHandshake } from '../support/handshake-probe.js';
import { startCluster, type Cluster } from '../support/nemesis/cluster.js';
import type { TcpProxy } from '../support/nemesis/tcp-proxy.js';
import { closeAllClients, closeAllProxies, FaultProxy, killAllServers, nextState, openClient, removeTempDirs, tempDir, waitFor } from '../support/index.js';

let cluster: Cluster;
let leader: number;
let lagging: number;
let upToDate: number;
/** The leader -> lagging follower quorum link. */
let lagLink: TcpProxy;
/** Client-side proxies to each member's client port, so a test can move a client. */
const clientLink = new Map<number, FaultProxy>();

beforeAll(async () => {
  cluster = await startCluster(3, tempDir('warden-behind-'), {}, 'behind', { tickTime: 1000, initLimit: 30, syncLimit: 30, maxSessionTimeout: 60_000 });
  leader = await waitFor(() => cluster.leader(), { what: 'a leader', timeoutMs: 60_000 });
  [lagging, upToDate] = cluster.ids.filter((id) => id !== leader) as [number, number];
  lagLink = cluster.peerLinks.find((l) => l.from === leader && l.to === lagging)!.proxies[0]!;
  for (const id of cluster.ids) clientLink.set(id, await FaultProxy.start(cluster.proc(id).port));
  // A member listens once it has a quorum; a follower still syncing refuses (NOTSERVING).
  for (const id of cluster.ids) {
    await waitFor(async () => (await probeHandshake(direct(id))).kind === 'connected', { what: `member ${id} serves`, timeoutMs: 60_000 });
  }
}, 120_000);

afterEach(async () => {
  lagLink.heal();
  for (const p of clientLink.values()) p.unblock();
  await closeAllClients();
});

afterAll(async () => {
  await closeAllClients();
  await closeAllProxies();
  await killAllServers();
  await cluster?.close();
  await removeTempDirs();
});

const via = (...ids: number[]): string => ids.map((id) => clientLink.get(id)!.address).join(',');
const direct = (id: number): string => cluster.proc(id).address;

function open(servers: string): Promise<Client> {
  return openClient(servers, { shuffleServers: false, sessionTimeoutMs: 30_000, reconnectMinDelayMs: 20, reconnectMaxDelayMs: 200 });
}

/** Cuts the client off its current server (which stays up and refuses new connections). */
function moveOff(id: number): void {
  const p = clientLink.get(id)!;
  p.block();
  p.cut();
}

/** Reads /ctr's version in a loop until stopped; fails the test if a read ever goes back. */
function monotonicReads(c: Client): { stop: () => Promise<number[]> } {
  const seen: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const stat = await c.exists('/ctr', { timeoutMs: 2000 });
        if (stat) seen.push(stat.version);
      } catch {
        // disconnected: the read is retried on the next server
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return seen;
    },
  };
}

const isSorted = (xs: number[]): boolean => xs.every((x, i) => i === 0 || xs[i - 1]! <= x);

describe('a follower that lags behind the leader', () => {
  it('refuses a client that has seen newer writes; the client goes on to the next server', async () => {
    const c = await open(via(upToDate, lagging, leader));
    expect(c.server).toBe(clientLink.get(upToDate)!.address);
    await c.create('/ctr').catch(() => undefined);
    lagLink.set({ kind: 'blackhole' });
    for (let i = 0; i < 5; i++) await c.setData('/ctr', `v${i}`);
    const { version: seenVersion } = (await c.exists('/ctr'))!;

    // The lagging follower cannot have those writes: it refuses this session's reconnect.
    const probe = await probeHandshake(direct(lagging), { sessionId: c.sessionId, password: c.sessionPassword, lastZxidSeen: c.lastZxid });
    expect(probe).toMatchObject({ kind: 'refused', err: Code.SERVERBEHIND });

    const reads = monotonicReads(c);
    const triedLagging = clientLink.get(lagging)!.accepted;
    const back = nextState(c, 'reconnected');
    moveOff(upToDate);
    await back;
    // The next server after the one it used is the lagging follower; it refused, so the
    // client is on the leader, the one after it.
    expect(clientLink.get(lagging)!.accepted).toBeGreaterThan(triedLagging);
    expect(c.server).toBe(clientLink.get(leader)!.address);
    expect((await c.exists('/ctr'))!.version).toBeGreaterThanOrEqual(seenVersion);
    const versions = await reads.stop();
    expect(isSorted(versions), `reads went back: ${versions.join(',')}`).toBe(true);
  });

  it('when the lagging follower is the only way left, the client waits until it has caught up', async () => {
    const c = await open(via(upToDate, lagging));
    expect(c.server).toBe(clientLink.get(upToDate)!.address);
    await c.create('/ctr').catch(() => undefined);
    lagLink.set({ kind: 'blackhole' });
    for (let i = 0; i < 5; i++) await c.setData('/ctr', `w${i}`);
    await c.create('/written-while-behind', 'x');
    const { version: seenVersion } = (await c.exists('/ctr'))!;

    const reads = monotonicReads(c);
    const states: string[] = [];
    c.on('state', (e) => states.push(e.state));
    const before = clientLink.get(lagging)!.accepted;
    moveOff(upToDate);
    // Two attempts on the lagging follower mean the first ended without a session.
    await waitFor(() => clientLink.get(lagging)!.accepted >= before + 2, { what: 'the client tried the lagging follower twice', timeoutMs: 20_000 });
    expect(c.state).toBe('disconnected');
    const probe = await probeHandshake(direct(lagging), { sessionId: c.sessionId, password: c.sessionPassword, lastZxidSeen: c.lastZxid });
    expect(probe).toMatchObject({ kind: 'refused', err: Code.SERVERBEHIND });

    const back = nextState(c, 'reconnected');
    lagLink.heal();
    await back;
    expect(c.server).toBe(clientLink.get(lagging)!.address);
    expect(states).toEqual(['disconnected', 'reconnected']);
    expect((await c.getData('/written-while-behind')).data.toString()).toBe('x');
    expect((await c.exists('/ctr'))!.version).toBeGreaterThanOrEqual(seenVersion);
    const versions = await reads.stop();
    expect(versions.length).toBeGreaterThan(0);
    expect(isSorted(versions), `reads went back: ${versions.join(',')}`).toBe(true);
  });

  it('serves a fresh client, which has seen nothing yet', async () => {
    const writer = await open(via(upToDate));
    // Behind by a second: the follower gets the session's creation, late.
    lagLink.set({ kind: 'delay', ms: 1000 });
    const fresh = await open(via(lagging));
    expect(fresh.server).toBe(clientLink.get(lagging)!.address);
    // Now hold the link: the follower cannot see this write, but it still answers.
    lagLink.set({ kind: 'blackhole' });
    await writer.create('/fresh-unseen');
    expect(await fresh.exists('/fresh-unseen')).toBeNull();
    const probe = await probeHandshake(direct(lagging), { lastZxidSeen: writer.lastZxid });
    expect(probe).toMatchObject({ kind: 'refused', err: Code.SERVERBEHIND });
    lagLink.heal();
    await fresh.sync('/');
    expect(await fresh.exists('/fresh-unseen')).not.toBeNull();
    expect(fresh.server).toBe(clientLink.get(lagging)!.address);
  });
});
