/**
 * Goal: `leaderServes=no` keeps clients off the leader, as in ZooKeeper: the leader refuses
 * client sessions while followers serve reads and writes (which they forward to it), and a
 * client whose list starts with the leader ends up on a follower.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../sdk/index.js';
import { startEnsemble } from '../support/ensemble.js';
import { waitStable } from '../support/ensemble-status.js';
import { closeAllClients, killAllServers, removeTempDirs } from '../support/index.js';

afterEach(async () => {
  await closeAllClients();
  await killAllServers();
});
afterAll(removeTempDirs);

describe('leaderServes=no', () => {
  it('the leader refuses clients; followers serve them, writes included', async () => {
    const e = await startEnsemble({ voters: 3, extra: { leaderServes: 'no' } });
    const leader = await waitStable(e);
    const followers = [1, 2, 3].filter((id) => id !== leader);

    // Only the leader in the list: no session can be had.
    await expect(connect({ servers: e.address(leader), sessionTimeoutMs: 10_000, signal: AbortSignal.timeout(3000) })).rejects.toThrow();

    // The leader first, then a follower: the client lands on the follower and writes work.
    const c = await connect({ servers: [e.address(leader), e.address(followers[0]!)].join(','), sessionTimeoutMs: 10_000, shuffleServers: false });
    expect(c.server).toBe(e.address(followers[0]!));
    await c.create('/via-follower', 'v');
    const other = await connect({ servers: e.address(followers[1]!), sessionTimeoutMs: 10_000 });
    await other.sync('/');
    expect((await other.getData('/via-follower')).data.toString()).toBe('v');
    await c.close();
    await other.close();
  });
});
