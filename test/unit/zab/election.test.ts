/**
 * Goal: fast leader election as DESIGN §3 states it, one sentence per test: votes are
 * (epoch, zxid, id), highest wins; a majority of agreeing votes ends it; observers never
 * vote and never count; a server that comes back joins the established leader.
 */
import { describe, expect, it } from 'vitest';
import { betterVote } from '../../../server/zab/election.js';
import { Quorum } from '../../../server/zab/quorum.js';
import { Cluster, entry, voters } from './harness.js';

describe('votes', () => {
  it('compare by epoch first, then zxid, then server id', () => {
    expect(betterVote({ leader: 1, zxid: 1n, epoch: 2 }, { leader: 3, zxid: 9n, epoch: 1 })).toBe(true);
    expect(betterVote({ leader: 1, zxid: 9n, epoch: 1 }, { leader: 3, zxid: 2n, epoch: 1 })).toBe(true);
    expect(betterVote({ leader: 3, zxid: 2n, epoch: 1 }, { leader: 1, zxid: 2n, epoch: 1 })).toBe(true);
    expect(betterVote({ leader: 1, zxid: 2n, epoch: 1 }, { leader: 1, zxid: 2n, epoch: 1 })).toBe(false);
  });

  it('a quorum is a majority of voters; observers never count', () => {
    const q = new Quorum(voters(3, 2));
    expect(q.size).toBe(2);
    expect(q.contains([4, 5, 1])).toBe(false);
    expect(q.contains([1, 2])).toBe(true);
    expect(q.committedIndex(new Map([[1, 5n], [2, 3n], [3, 1n], [4, 9n], [5, 9n]]))).toBe(3n);
  });
});

describe('fast leader election', () => {
  it('elects the voter with the highest id when histories are equal', () => {
    const c = new Cluster(voters(3));
    const leader = c.elect();
    expect(leader.id).toBe(3);
    expect(c.node(1).zab.mode).toBe('follower');
    expect(c.node(2).zab.mode).toBe('follower');
  });

  it('elects the voter with the longest history over a higher id', () => {
    const long = { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: [entry(0x100000001n), entry(0x100000002n)] };
    const short = { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: [entry(0x100000001n)] };
    const c = new Cluster(voters(3), { 1: long, 2: short, 3: short });
    expect(c.elect().id).toBe(1);
  });

  it('a newer currentEpoch beats a longer history of an older epoch', () => {
    const older = { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: [entry(0x100000001n), entry(0x100000002n)] };
    const newer = { acceptedEpoch: 2, currentEpoch: 2, snapshotZxid: 0n, entries: [entry(0x100000001n)] };
    const c = new Cluster(voters(3), { 1: newer, 2: older, 3: older });
    expect(c.elect().id).toBe(1);
  });

  it('observers never become leader even with the best history', () => {
    const best = { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: [entry(0x100000001n), entry(0x100000002n)] };
    const rest = { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: [entry(0x100000001n)] };
    const c = new Cluster(voters(3, 2), { 1: rest, 2: rest, 3: rest, 4: rest, 5: best });
    const leader = c.elect();
    expect(leader.id).toBe(3);
    expect(c.node(4).zab.mode).toBe('observer');
  });

  it('observers do not make a quorum: one voter of three plus two observers elects nobody', () => {
    const c = new Cluster(voters(3, 2), {}, [1, 4, 5]);
    c.tick(60);
    for (const id of [1, 4, 5]) expect(c.node(id).zab.mode).toBe('looking');
  });

  it('a lone voter is its own majority and leads at once', () => {
    const c = new Cluster(voters(1));
    expect(c.elect(5).id).toBe(1);
  });

  it('a server that starts late joins the established leader without a new election', () => {
    const c = new Cluster(voters(3), {}, [1, 2]);
    const leader = c.elect();
    const epoch = leader.zab.currentEpoch;
    c.startNode(3, { acceptedEpoch: 0, currentEpoch: 0, snapshotZxid: 0n, entries: [] });
    c.tick(5);
    expect(c.node(3).zab.mode).toBe('follower');
    expect(c.node(3).zab.leaderId).toBe(leader.id);
    expect(leader.zab.currentEpoch).toBe(epoch);
  });

  it('a follower that decides before its leader does retries the connection instead of re-electing', () => {
    const c = new Cluster(voters(3), {}, [3]);
    const f = c.node(3);
    // Server 3 has decided that 2 leads, but 2 is not up yet: its learnerInfo goes nowhere.
    f.zab.step(1, { type: 'vote', round: 1, state: 'following', vote: { leader: 2, zxid: 0n, epoch: 0 } });
    f.zab.step(2, { type: 'vote', round: 1, state: 'leading', vote: { leader: 2, zxid: 0n, epoch: 0 } });
    expect(f.zab.state).toBe('following');
    const info = f.zab.ready().find((e) => e.kind === 'send' && e.msg.type === 'learnerInfo');
    const conn = info?.kind === 'send' && info.msg.type === 'learnerInfo' ? info.msg.conn : -1;
    f.zab.step(2, { type: 'reset', conn });
    expect(f.zab.state).toBe('following');
    f.zab.tick();
    const again = f.zab.ready().filter((e) => e.kind === 'send' && e.msg.type === 'learnerInfo');
    expect(again).toHaveLength(1);
  });

  it('a LOOKING voter joins a leader that only it can make a majority', () => {
    const c = new Cluster(voters(3), {}, [1, 2]);
    const leader = c.elect();
    // The follower drops out (a new round of its own), the leader still leads alone-with-it.
    const other = c.node(leader.id === 1 ? 2 : 1);
    other.zab.lookAgain('test');
    c.run();
    c.tick(3);
    expect(other.zab.mode).toBe('follower');
    expect(other.zab.leaderId).toBe(leader.id);
  });
});
