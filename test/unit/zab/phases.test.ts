/**
 * Goal: discovery, synchronization and broadcast as DESIGN §3 and the Zab papers state
 * them, one sentence per test, including the ZOOKEEPER-3911 rule (a learner acks NEWLEADER
 * only once what it was synced with is durable) and ZooKeeper's protocol-spec issues 1-3.
 */
import { describe, expect, it } from 'vitest';
import type { DurableMsg, Effect, ImmediateMsg, Msg, ZabInit } from '../../../server/zab/types.js';
import { Cluster, entry, voters, type TestNode } from './harness.js';

const types = (n: TestNode, kind: Effect['kind']): Effect[] => n.effects.filter((e) => e.kind === kind);

// "Ack only after persist" is a property of the types: no durable message is an ImmediateMsg.
type NoDurableInSend = [Extract<ImmediateMsg, DurableMsg>] extends [never] ? true : false;
const noDurableInSend: NoDurableInSend = true;

describe('discovery', () => {
  it('the type of a plain send excludes every acknowledgement', () => {
    expect(noDurableInSend).toBe(true);
  });

  it('the new epoch is max(acceptedEpoch of a quorum) + 1, persisted as acceptedEpoch and currentEpoch', () => {
    const c = new Cluster(voters(3), {
      1: { acceptedEpoch: 7, currentEpoch: 4, snapshotZxid: 0n, entries: [] },
      2: { acceptedEpoch: 4, currentEpoch: 4, snapshotZxid: 0n, entries: [] },
      3: { acceptedEpoch: 4, currentEpoch: 4, snapshotZxid: 0n, entries: [] },
    }, [1, 3]);
    const leader = c.elect();
    expect(leader.zab.currentEpoch).toBe(8);
    c.startNode(2, { acceptedEpoch: 4, currentEpoch: 4, snapshotZxid: 0n, entries: [] });
    c.tick(5);
    for (const n of c.nodes.values()) {
      expect(n.persisted).toContainEqual({ kind: 'acceptedEpoch', epoch: 8 });
      expect(n.persisted).toContainEqual({ kind: 'currentEpoch', epoch: 8 });
      expect(n.zab.acceptedEpoch).toBe(8);
    }
  });

  it('ACKEPOCH leaves only inside the persist of the accepted epoch', () => {
    const c = new Cluster(voters(3));
    c.elect();
    const follower = [...c.nodes.values()].find((n) => n.zab.mode === 'follower')!;
    const ackEpochPersist = types(follower, 'persist').find((e) => e.kind === 'persist' && e.then.some((t) => t.msg.type === 'ackEpoch'));
    expect(ackEpochPersist).toMatchObject({ ops: [{ kind: 'acceptedEpoch' }] });
    expect(follower.effects.some((e) => e.kind === 'send' && (e.msg as Msg).type === 'ackEpoch')).toBe(false);
  });

  it('a learner refuses a leader whose epoch is below its acceptedEpoch', () => {
    const c = new Cluster(voters(3), { 3: { acceptedEpoch: 0, currentEpoch: 0, snapshotZxid: 0n, entries: [] } }, [3]);
    const learner = c.node(3);
    learner.zab.step(1, { type: 'vote', round: 1, state: 'leading', vote: { leader: 1, zxid: 0n, epoch: 0 } });
    learner.zab.step(2, { type: 'vote', round: 1, state: 'following', vote: { leader: 1, zxid: 0n, epoch: 0 } });
    expect(learner.zab.state).toBe('following');
    const info = learner.zab.ready().find((e) => e.kind === 'send' && e.msg.type === 'learnerInfo');
    const conn = info?.kind === 'send' && info.msg.type === 'learnerInfo' ? info.msg.conn : -1;
    learner.zab.acceptedEpoch = 3;
    learner.zab.step(1, { type: 'leaderInfo', conn, seq: 0, epoch: 2 });
    expect(learner.zab.state).toBe('looking');
  });
});

describe('synchronization', () => {
  const history = (n: number, epoch = 1) => Array.from({ length: n }, (_, i) => entry((BigInt(epoch) << 32n) | BigInt(i + 1)));

  it('a learner missing the tail gets a DIFF of exactly the missing txns', () => {
    const c = new Cluster(voters(3), {
      1: { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: history(2) },
      2: { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: history(5) },
      3: { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: history(5) },
    });
    c.elect();
    const sync = c.sent(3, 'sync').find((s) => s.to === 1)!.msg;
    expect(sync).toMatchObject({ mode: 'diff', newLeaderZxid: 0x100000005n });
    expect(sync.type === 'sync' && sync.entries.map((e) => e.zxid)).toEqual([0x100000003n, 0x100000004n, 0x100000005n]);
  });

  it('a learner with an uncommitted tail from an old epoch is TRUNCated to the leader history', () => {
    const c = new Cluster(voters(3), {
      1: { acceptedEpoch: 2, currentEpoch: 2, snapshotZxid: 0n, entries: [...history(2), ...history(1, 2)] },
      2: { acceptedEpoch: 3, currentEpoch: 3, snapshotZxid: 0n, entries: [...history(2), entry(0x300000001n)] },
      3: { acceptedEpoch: 3, currentEpoch: 3, snapshotZxid: 0n, entries: [...history(2), entry(0x300000001n)] },
    });
    const leader = c.elect();
    expect(leader.id).toBe(3);
    const sync = c.sent(3, 'sync').find((s) => s.to === 1)!.msg;
    expect(sync).toMatchObject({ mode: 'trunc', truncZxid: 0x100000002n });
    expect(c.node(1).persisted).toContainEqual({ kind: 'truncate', zxid: 0x100000002n });
    expect(c.node(1).zab.lastZxid).toBe(0x300000001n);
  });

  it('a learner behind what the leader keeps in memory gets a SNAP', () => {
    const c = new Cluster(voters(3), {
      1: { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: [] },
      2: { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0x100000004n, entries: history(6).slice(4) },
      3: { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0x100000004n, entries: history(6).slice(4) },
    });
    c.elect();
    const sync = c.sent(3, 'sync').find((s) => s.to === 1)!.msg;
    expect(sync.type === 'sync' && sync.mode).toBe('snap');
    expect(types(c.node(1), 'install')).toHaveLength(1);
  });

  it('a learner further behind than commitLogCount gets a DIFF while the missing txns are within the byte limit, a SNAP past it', () => {
    const inits = (): Record<number, ZabInit> => ({
      1: { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: history(1) },
      2: { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: history(8) },
      3: { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: history(8) },
    });
    // 7 missing txns of 13 bytes each ("txn-10000000N"): 91 bytes, more than logRetainMax=2 of them
    const small = new Cluster(voters(3), inits(), undefined, { logRetainMax: 2, diffBytesMax: () => 91 });
    small.elect();
    const diff = small.sent(3, 'sync').find((s) => s.to === 1)!.msg;
    expect(diff).toMatchObject({ mode: 'diff' });
    expect(diff.type === 'sync' && diff.entries).toHaveLength(7);
    const big = new Cluster(voters(3), inits(), undefined, { logRetainMax: 2, diffBytesMax: () => 90 });
    big.elect();
    expect(big.sent(3, 'sync').find((s) => s.to === 1)!.msg).toMatchObject({ mode: 'snap' });
    expect(types(big.node(1), 'install')).toHaveLength(1);
    expect(big.node(1).zab.lastZxid).toBe(0x100000008n);
  });

  it('a learner to TRUNC gets a SNAP instead when the txns after the TRUNC point are over the limits', () => {
    const inits = (): Record<number, ZabInit> => ({
      1: { acceptedEpoch: 2, currentEpoch: 2, snapshotZxid: 0n, entries: [...history(2), ...history(1, 2)] },
      2: { acceptedEpoch: 3, currentEpoch: 3, snapshotZxid: 0n, entries: [...history(2), ...history(4, 3)] },
      3: { acceptedEpoch: 3, currentEpoch: 3, snapshotZxid: 0n, entries: [...history(2), ...history(4, 3)] },
    });
    const c = new Cluster(voters(3), inits(), undefined, { logRetainMax: 2, diffBytesMax: () => 0 });
    expect(c.elect().id).toBe(3);
    expect(c.sent(3, 'sync').find((s) => s.to === 1)!.msg).toMatchObject({ mode: 'snap' });
    expect(c.node(1).zab.lastZxid).toBe(0x300000004n);
    const roomy = new Cluster(voters(3), inits(), undefined, { logRetainMax: 5 });
    roomy.elect();
    expect(roomy.sent(3, 'sync').find((s) => s.to === 1)!.msg).toMatchObject({ mode: 'trunc', truncZxid: 0x100000002n });
  });

  it('NEWLEADER is acked only after the synced txns and currentEpoch are durable (ZOOKEEPER-3911)', () => {
    const c = new Cluster(voters(3), {
      1: { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: [] },
      2: { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: history(3) },
      3: { acceptedEpoch: 1, currentEpoch: 1, snapshotZxid: 0n, entries: history(3) },
    });
    c.autoPersist = false;
    for (let i = 0; i < 40 && !c.sent(1, 'ackNewLeader').length; i++) {
      c.tick();
      for (const id of [2, 3]) c.flushPersists(id);
      // Server 1 persists everything but its sync: hold the batch that carries the NEWLEADER ack.
      const n1 = c.node(1);
      while (n1.pendingPersists.length > 0 && !n1.pendingPersists[0]!.slots.some((s) => s.msg.type === 'ackNewLeader')) c.flushPersists(1);
      if (n1.pendingPersists.length > 0) break;
    }
    const n1 = c.node(1);
    const held = n1.pendingPersists[0]!;
    expect(held.ops.map((o) => o.kind)).toEqual(['append', 'currentEpoch']);
    c.run();
    // The ack is still unsent: the leader has not heard it.
    const leader = [...c.nodes.values()].find((n) => n.zab.state === 'leading')!;
    expect(leader.zab.connectedPeers()).toContain(1);
    expect(n1.zab.mode).toBe('looking');
    expect(n1.applied).toHaveLength(0);
    c.flushPersists(1);
    c.run();
    expect(n1.zab.mode).toBe('follower');
    expect(n1.applied.map((e) => e.zxid)).toEqual([0x100000001n, 0x100000002n, 0x100000003n]);
  });

  it('the leader serves only once a quorum has acked NEWLEADER', () => {
    const c = new Cluster(voters(3), {}, [3]);
    c.tick(30);
    expect(c.node(3).zab.canPropose).toBe(false);
    c.startNode(2, { acceptedEpoch: 0, currentEpoch: 0, snapshotZxid: 0n, entries: [] });
    const leader = c.elect();
    expect(leader.zab.canPropose).toBe(true);
  });

  it('a learner that joins between NEWLEADER and UPTODATE misses no proposal or commit (spec issues 1 and 3)', () => {
    const c = new Cluster(voters(3), {}, [2, 3]);
    const leader = c.elect();
    c.write(leader, 'a');
    // Server 1 joins; its sync is sent, then more writes commit before it acks NEWLEADER.
    c.autoPersist = false;
    c.startNode(1, { acceptedEpoch: 0, currentEpoch: 0, snapshotZxid: 0n, entries: [] });
    c.flushPersists(1);
    for (let i = 0; i < 5; i++) {
      c.run();
      c.flushPersists(2);
      c.flushPersists(3);
      c.tick();
      c.flushPersists(2);
      c.flushPersists(3);
      if (c.sent(leader.id, 'sync').some((s) => s.to === 1)) break;
    }
    c.write(leader, 'b');
    c.flushPersists(leader.id);
    c.flushPersists(leader.id === 2 ? 3 : 2);
    c.run();
    c.autoPersist = true;
    c.flushPersists(1);
    c.run();
    c.tick(2);
    expect(c.node(1).zab.mode).toBe('follower');
    expect(c.node(1).applied.map((e) => new TextDecoder().decode(e.data))).toEqual(['a', 'b']);
  });
});

describe('broadcast', () => {
  it('a proposal commits only once a majority of voters has acked it, in zxid order', () => {
    const c = new Cluster(voters(3));
    const leader = c.elect();
    c.autoPersist = false;
    const followers = [...c.nodes.values()].filter((n) => n !== leader);
    const e1 = c.write(leader, 'one');
    const e2 = c.write(leader, 'two');
    c.flushPersists(leader.id);
    c.run();
    expect(leader.applied).toHaveLength(0);
    c.flushPersists(followers[0]!.id);
    c.run();
    expect(leader.applied.map((e) => e.zxid)).toEqual([e1.zxid, e2.zxid]);
    expect(followers[0]!.applied.map((e) => e.zxid)).toEqual([e1.zxid, e2.zxid]);
    // The slow follower applies commits, though it has not persisted yet: commit is cumulative.
    expect(followers[1]!.applied.map((e) => e.zxid)).toEqual([e1.zxid, e2.zxid]);
  });

  it('observers get INFORM of committed txns, never proposals, and their acks never count', () => {
    const c = new Cluster(voters(1, 1));
    const leader = c.elect();
    expect(leader.id).toBe(1);
    c.tick(5);
    c.write(leader, 'x');
    expect(c.sent(1, 'proposal').filter((s) => s.to === 2)).toHaveLength(0);
    expect(c.sent(1, 'inform').filter((s) => s.to === 2)).toHaveLength(1);
    expect(c.node(2).applied).toHaveLength(1);
    expect(c.sent(2, 'ack')).toHaveLength(0);
  });

  it('a duplicated proposal is ignored; a gap in the leader stream ends the session', () => {
    const c = new Cluster(voters(3));
    const leader = c.elect();
    const f = [...c.nodes.values()].find((n) => n !== leader)!;
    const p = c.write(leader, 'p');
    const proposal = c.sent(leader.id, 'proposal').find((s) => s.to === f.id)!.msg;
    f.zab.step(leader.id, proposal);
    expect(f.zab.mode).toBe('follower');
    expect(f.zab.lastZxid).toBe(p.zxid);
    if (proposal.type !== 'proposal') throw new Error('not a proposal');
    f.zab.step(leader.id, { ...proposal, seq: proposal.seq + 100 });
    expect(f.zab.mode).toBe('looking');
  });

  it('a follower that lags past syncLimit is dropped, and the leader keeps its quorum', () => {
    const c = new Cluster(voters(3));
    const leader = c.elect();
    const [a, b] = [...c.nodes.values()].filter((n) => n !== leader);
    c.isolate(a!.id);
    c.tick(8);
    expect(leader.zab.connectedPeers()).not.toContain(a!.id);
    expect(leader.zab.canPropose).toBe(true);
    expect(b!.zab.mode).toBe('follower');
  });

  it('the leader steps down when it loses its quorum, and a minority never commits', () => {
    const c = new Cluster(voters(3));
    const leader = c.elect();
    c.isolate(leader.id);
    c.write(leader, 'lost');
    c.tick(8);
    expect(leader.zab.mode).toBe('looking');
    expect(leader.applied).toHaveLength(0);
    // The other two elect a new leader in a later epoch.
    const next = [...c.nodes.values()].find((n) => n.zab.canPropose)!;
    expect(next).toBeDefined();
    expect(next.zab.currentEpoch).toBeGreaterThan(leader.zab.currentEpoch);
  });
});
