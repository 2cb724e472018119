/**
 * Goal: the pipeline's ordering guarantees, driven synchronously with a replicator the test
 * controls. FIFO per connection (a read sees the writes sent before it and none after),
 * watch events before the replies that reflect them, replies only after commit, sessions
 * through txns, and the handshake refusals (behind, expired, wrong password). While writes
 * are refused (a full disk) every kind of write gets NOTREADONLY with the reason and reads
 * go on; dropped proposals end their connections with a connection loss naming the reason.
 */
import { describe, expect, it } from 'vitest';
import { Code } from '../../../proto/codes.js';
import { DEFAULT_LIMITS, type Limits } from '../../../server/base/limits.js';
import { Prepper } from '../../../server/request/prep.js';
import { RequestPipeline, type Connection, type Outgoing } from '../../../server/request/pipeline.js';
import { DataTree } from '../../../server/tree/data-tree.js';
import { Perms, type TxnEntry } from '../../../server/tree/types.js';
import { WatchManager } from '../../../server/watch/watch-manager.js';

const OPEN_ACL = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

class FakeConn implements Connection {
  frames: Outgoing[] = [];
  ended = false;
  constructor(
    readonly id: number,
    readonly clientIp = '127.0.0.1',
  ) {}
  send(out: Outgoing): void {
    if (!this.ended) this.frames.push(out);
  }
  end(): void {
    this.ended = true;
  }
  responses(): Array<Extract<Outgoing, { kind: 'response' }>> {
    return this.frames.filter((f): f is Extract<Outgoing, { kind: 'response' }> => f.kind === 'response');
  }
}

function setup(limits: Partial<Limits> = {}, refuseWrites?: () => string | undefined) {
  const tree = new DataTree();
  const proposed: TxnEntry[] = [];
  const opened: bigint[] = [];
  const closed: bigint[] = [];
  const pipeline = new RequestPipeline(
    tree,
    new Prepper(tree),
    new WatchManager({ ...DEFAULT_LIMITS, ...limits }, 0n),
    {
      limits: { ...DEFAULT_LIMITS, ...limits },
      extendedTypesEnabled: true,
      minSessionTimeoutMs: 4000,
      maxSessionTimeoutMs: 40000,
      propose: (e) => proposed.push(e),
      sessionOpened: (id) => opened.push(id),
      sessionClosed: (id) => closed.push(id),
      refuseWrites,
    },
    1,
  );
  let nextSession = 0x100n;
  let now = 1_700_000_000_000;
  const commitAll = (): void => {
    while (proposed.length > 0) pipeline.commit(proposed.shift()!, now);
  };
  const open = (connId: number): FakeConn => {
    const conn = new FakeConn(connId);
    pipeline.connect(conn, { sessionId: 0n, password: new Uint8Array(), timeoutMs: 10_000, lastZxidSeen: 0n }, enc('pw'), () => nextSession++, now);
    commitAll();
    expect(conn.frames[0]?.kind).toBe('connected');
    return conn;
  };
  return { tree, pipeline, proposed, opened, closed, commitAll, open, tick: (ms: number) => (now += ms), now: () => now };
}

describe('RequestPipeline', () => {
  it('creates a session through a txn and answers the handshake after commit', () => {
    const t = setup();
    const conn = new FakeConn(1);
    t.pipeline.connect(conn, { sessionId: 0n, password: new Uint8Array(), timeoutMs: 999_999, lastZxidSeen: 0n }, enc('pw'), () => 0x42n, t.now());
    expect(conn.frames).toEqual([]);
    expect(t.proposed).toHaveLength(1);
    expect(t.proposed[0]?.txn.type).toBe('createSession');
    t.commitAll();
    const hello = conn.frames[0];
    expect(hello?.kind).toBe('connected');
    if (hello?.kind !== 'connected') throw new Error('unreachable');
    expect(hello.sessionId).toBe(0x42n);
    expect(hello.timeoutMs).toBe(40000); // clamped to maxSessionTimeout
    expect(t.opened).toEqual([0x42n]);
    expect(t.tree.sessions().has(0x42n)).toBe(true);
  });

  it('answers a write only after commit, and a read sent after it sees it', () => {
    const t = setup();
    const c = t.open(1);
    t.pipeline.submit(1, 1, { op: 'create', path: '/a', data: enc('v1'), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 }, t.now());
    t.pipeline.submit(1, 2, { op: 'getData', path: '/a', watch: false }, t.now());
    expect(c.responses()).toHaveLength(0); // the read waits behind the uncommitted write
    t.commitAll();
    const [create, read] = c.responses();
    expect(create?.xid).toBe(1);
    expect(create?.err).toBe(Code.OK);
    expect(read?.xid).toBe(2);
    expect(read?.err).toBe(Code.OK);
    expect(read?.body.kind === 'read' && read.body.result.op === 'getData' && dec(read.body.result.data)).toBe('v1');
  });

  it('runs a read between two pipelined writes of its session at exactly that point', () => {
    const t = setup();
    const c = t.open(1);
    t.pipeline.submit(1, 1, { op: 'create', path: '/x', data: enc('1'), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 }, t.now());
    t.pipeline.submit(1, 2, { op: 'getData', path: '/x', watch: false }, t.now());
    t.pipeline.submit(1, 3, { op: 'setData', path: '/x', data: enc('2'), version: -1 }, t.now());
    t.pipeline.submit(1, 4, { op: 'getData', path: '/x', watch: false }, t.now());
    t.commitAll();
    const rs = c.responses();
    expect(rs.map((r) => r.xid)).toEqual([1, 2, 3, 4]);
    const data = (i: number): string => {
      const b = rs[i]?.body;
      return b?.kind === 'read' && b.result.op === 'getData' ? dec(b.result.data) : '?';
    };
    expect(data(1)).toBe('1');
    expect(data(3)).toBe('2');
  });

  it('keeps replies in order when a write fails in prep behind a pending write', () => {
    const t = setup();
    const c = t.open(1);
    t.pipeline.submit(1, 1, { op: 'create', path: '/dup', data: enc(''), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 }, t.now());
    t.pipeline.submit(1, 2, { op: 'create', path: '/dup', data: enc(''), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 }, t.now());
    expect(c.responses()).toHaveLength(0); // the failure waits for the write before it
    t.commitAll();
    expect(c.responses().map((r) => [r.xid, r.err])).toEqual([
      [1, Code.OK],
      [2, Code.NODEEXISTS],
    ]);
  });

  it('sends the watch event before any reply that reflects the change', () => {
    const t = setup();
    const writer = t.open(1);
    const watcher = t.open(2);
    t.pipeline.submit(1, 1, { op: 'create', path: '/w', data: enc('a'), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 }, t.now());
    t.commitAll();
    t.pipeline.submit(2, 1, { op: 'getData', path: '/w', watch: true }, t.now());
    t.pipeline.submit(1, 2, { op: 'setData', path: '/w', data: enc('b'), version: -1 }, t.now());
    t.commitAll();
    t.pipeline.submit(2, 2, { op: 'getData', path: '/w', watch: false }, t.now());
    const kinds = watcher.frames.slice(1).map((f) => (f.kind === 'event' ? `event:${f.type}` : f.kind === 'response' ? `response:${f.xid}` : f.kind));
    expect(kinds).toEqual(['response:1', 'event:dataChanged', 'response:2']);
    expect(writer.responses().at(-1)?.err).toBe(Code.OK);
  });

  it('gives pipelined sequential creates distinct names, in order', () => {
    const t = setup();
    const c = t.open(1);
    for (let i = 1; i <= 5; i++) {
      t.pipeline.submit(1, i, { op: 'create', path: '/q-', data: enc(''), acl: OPEN_ACL, mode: 'persistentSequential', ttlMs: 0 }, t.now());
    }
    t.commitAll();
    const paths = c.responses().map((r) => (r.body.kind === 'op' && r.body.result.type === 'create' ? r.body.result.path : '?'));
    expect(paths).toEqual(['/q-0000000000', '/q-0000000001', '/q-0000000002', '/q-0000000003', '/q-0000000004']);
  });

  it('still commits a write whose client vanished, without answering it', () => {
    const t = setup();
    const c = t.open(1);
    t.pipeline.submit(1, 1, { op: 'create', path: '/gone', data: enc(''), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 }, t.now());
    t.pipeline.disconnect(1);
    t.commitAll();
    expect(t.tree.get('/gone')).toBeDefined();
    expect(c.responses()).toHaveLength(0);
  });

  it('keeps FIFO per session across a reconnect: a read on the new connection waits for the old one\'s writes', () => {
    const t = setup();
    const old = t.open(1);
    const hello = old.frames[0];
    if (hello?.kind !== 'connected') throw new Error('unreachable');
    t.pipeline.submit(1, 1, { op: 'create', path: '/late', data: enc('x'), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 }, t.now());
    expect(t.proposed).toHaveLength(1); // proposed, not yet durable
    t.pipeline.disconnect(1);
    const fresh = new FakeConn(2);
    t.pipeline.connect(fresh, { sessionId: hello.sessionId, password: hello.password, timeoutMs: 10_000, lastZxidSeen: 0n }, enc('unused'), () => 0n, t.now());
    expect(fresh.frames[0]?.kind).toBe('connected');
    t.pipeline.submit(2, 1, { op: 'exists', path: '/late', watch: false }, t.now());
    expect(fresh.responses()).toHaveLength(0); // held until the old connection's write is applied
    t.commitAll();
    const [exists] = fresh.responses();
    expect(exists?.body.kind === 'read' && exists.body.result.op === 'exists' && exists.body.result.stat !== null).toBe(true);
  });

  it('expires a session: its ephemerals go, watchers hear it, its stream is told', () => {
    const t = setup();
    const owner = t.open(1);
    const watcher = t.open(2);
    t.pipeline.submit(1, 1, { op: 'create', path: '/eph', data: enc(''), acl: OPEN_ACL, mode: 'ephemeral', ttlMs: 0 }, t.now());
    t.commitAll();
    t.pipeline.submit(2, 1, { op: 'exists', path: '/eph', watch: true }, t.now());
    const ownerSession = t.pipeline.sessionOf(1)!;
    t.pipeline.submitInternal(ownerSession, { op: 'closeSession' }, t.now());
    t.commitAll();
    expect(t.tree.get('/eph')).toBeUndefined();
    expect(watcher.frames.some((f) => f.kind === 'event' && f.type === 'deleted' && f.path === '/eph')).toBe(true);
    expect(owner.frames.at(-1)).toMatchObject({ kind: 'closed', err: Code.SESSIONEXPIRED });
    expect(owner.ended).toBe(true);
    expect(t.closed).toEqual([ownerSession]);
  });

  it('closes a session on request: reply, then closed, ephemerals deleted', () => {
    const t = setup();
    const c = t.open(1);
    t.pipeline.submit(1, 1, { op: 'create', path: '/e', data: enc(''), acl: OPEN_ACL, mode: 'ephemeral', ttlMs: 0 }, t.now());
    t.pipeline.submit(1, 2, { op: 'closeSession' }, t.now());
    t.commitAll();
    expect(c.frames.slice(1).map((f) => f.kind)).toEqual(['response', 'response', 'closed']);
    expect(c.frames.at(-1)).toMatchObject({ kind: 'closed', err: Code.OK });
    expect(t.tree.get('/e')).toBeUndefined();
  });

  it('refuses a reconnect to a server behind the client, an unknown session, a wrong password', () => {
    const t = setup();
    const c = t.open(1);
    const sessionId = t.pipeline.sessionOf(1)!;
    const behind = new FakeConn(10);
    t.pipeline.connect(behind, { sessionId, password: enc('pw'), timeoutMs: 10_000, lastZxidSeen: t.tree.lastZxid + 5n }, enc('x'), () => 1n, t.now());
    expect(behind.frames[0]).toMatchObject({ kind: 'closed', err: Code.SERVERBEHIND });
    const unknown = new FakeConn(11);
    t.pipeline.connect(unknown, { sessionId: 0xdeadn, password: enc('pw'), timeoutMs: 10_000, lastZxidSeen: 0n }, enc('x'), () => 1n, t.now());
    expect(unknown.frames[0]).toMatchObject({ kind: 'closed', err: Code.SESSIONEXPIRED });
    const wrong = new FakeConn(12);
    t.pipeline.connect(wrong, { sessionId, password: enc('nope'), timeoutMs: 10_000, lastZxidSeen: 0n }, enc('x'), () => 1n, t.now());
    expect(wrong.frames[0]).toMatchObject({ kind: 'closed', err: Code.AUTHFAILED });
    // the right password moves the session to the new stream and ends the old one
    const moved = new FakeConn(13);
    t.pipeline.connect(moved, { sessionId, password: enc('pw'), timeoutMs: 10_000, lastZxidSeen: t.tree.lastZxid }, enc('x'), () => 1n, t.now());
    expect(moved.frames[0]).toMatchObject({ kind: 'connected', sessionId });
    expect(c.ended).toBe(true);
  });

  it('answers over-limit requests with LIMITEXCEEDED naming the limit, in order', () => {
    const t = setup({ sessionOutstandingMax: 2 });
    const c = t.open(1);
    for (let i = 1; i <= 3; i++) {
      t.pipeline.submit(1, i, { op: 'create', path: `/n${i}`, data: enc(''), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 }, t.now());
    }
    t.commitAll();
    const rs = c.responses();
    expect(rs.map((r) => r.xid)).toEqual([1, 2, 3]);
    expect(rs[2]?.err).toBe(Code.LIMITEXCEEDED);
    expect(rs[2]?.message).toContain('sessionOutstandingMax=2');
  });
});

describe('RequestPipeline: a refusal that rests on an uncommitted write', () => {
  // Found by the fault suite (seed 6): session B's setData with version 0 got BADVERSION
  // because A's setData (version 0 -> 1) was proposed but not yet durable; the answer went
  // out at once, and a third client then read version 0: a history that is not linearizable
  // (and had A's write never committed, B would have seen a write that never happened).
  it('holds the refusal until the write it saw commits', () => {
    const t = setup();
    const a = t.open(1);
    const b = t.open(2);
    t.pipeline.submit(1, 1, { op: 'create', path: '/x', data: enc('0'), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 }, t.now());
    t.commitAll();
    t.pipeline.submit(1, 2, { op: 'setData', path: '/x', data: enc('a'), version: -1 }, t.now());
    t.pipeline.submit(2, 1, { op: 'setData', path: '/x', data: enc('b'), version: 0 }, t.now());
    expect(b.responses()).toEqual([]);
    expect(t.proposed).toHaveLength(1);
    t.commitAll();
    expect(a.responses().at(-1)?.err).toBe(Code.OK);
    const refusal = b.responses().at(-1);
    expect(refusal?.err).toBe(Code.BADVERSION);
    expect(refusal?.zxid).toBe(t.tree.lastZxid);
  });

  it('answers a refusal at once when nothing is in flight', () => {
    const t = setup();
    const b = t.open(2);
    t.pipeline.submit(2, 1, { op: 'setData', path: '/nope', data: enc('b'), version: 0 }, t.now());
    expect(b.responses().at(-1)?.err).toBe(Code.NONODE);
  });

  it('drops a held refusal whose connection went away', () => {
    const t = setup();
    t.open(1);
    const b = t.open(2);
    t.pipeline.submit(1, 1, { op: 'create', path: '/x', data: enc('0'), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 }, t.now());
    t.commitAll();
    t.pipeline.submit(1, 2, { op: 'setData', path: '/x', data: enc('a'), version: -1 }, t.now());
    t.pipeline.submit(2, 1, { op: 'setData', path: '/x', data: enc('b'), version: 0 }, t.now());
    t.pipeline.disconnect(2);
    t.commitAll();
    expect(b.responses()).toEqual([]);
  });
});

describe('RequestPipeline: writes refused (a full disk)', () => {
  const REASON = 'disk full: no space left for the txn log in /data/log';

  it('answers writes with NOTREADONLY and the reason while reads, watches and pings go on; writes work again after', () => {
    let refusal: string | undefined;
    const t = setup({}, () => refusal);
    const a = t.open(1);
    t.pipeline.submit(1, 1, { op: 'create', path: '/x', data: enc('0'), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 }, t.now());
    t.commitAll();
    refusal = REASON;
    t.pipeline.submit(1, 2, { op: 'setData', path: '/x', data: enc('1'), version: -1 }, t.now());
    t.pipeline.submit(1, 3, { op: 'getData', path: '/x', watch: true }, t.now());
    t.pipeline.submit(1, 4, { op: 'multi', ops: [{ op: 'delete', path: '/x', version: -1 }] }, t.now());
    expect(t.proposed).toHaveLength(0);
    const [w, r, m] = a.responses().slice(-3);
    expect([w?.xid, w?.err, w?.message]).toEqual([2, Code.NOTREADONLY, REASON]);
    expect([r?.xid, r?.err]).toEqual([3, Code.OK]);
    expect([m?.xid, m?.err]).toEqual([4, Code.NOTREADONLY]);
    refusal = undefined;
    t.pipeline.submit(1, 5, { op: 'setData', path: '/x', data: enc('2'), version: -1 }, t.now());
    t.commitAll();
    expect(a.frames.filter((f) => f.kind === 'event')).toHaveLength(1); // the watch set while refused
    expect(a.responses().at(-1)).toMatchObject({ xid: 5, err: Code.OK });
    expect(dec(t.tree.get('/x')!.data)).toBe('2');
  });

  it('refuses internal writes (expiry, reaping) and new sessions with the reason', () => {
    let refusal: string | undefined;
    const t = setup({}, () => refusal);
    t.open(1);
    refusal = REASON;
    const answers: Array<[number, string]> = [];
    t.pipeline.submitInternal(0x100n, { op: 'closeSession' }, t.now(), (err, message) => answers.push([err, message]));
    expect(answers).toEqual([[Code.NOTREADONLY, REASON]]);
    expect(t.proposed).toHaveLength(0);
    const fresh = new FakeConn(9);
    t.pipeline.connect(fresh, { sessionId: 0n, password: new Uint8Array(), timeoutMs: 10_000, lastZxidSeen: 0n }, enc('pw'), () => 0x999n, t.now());
    expect(fresh.frames).toEqual([{ kind: 'closed', err: Code.NOTREADONLY, message: REASON }]);
    expect(fresh.ended).toBe(true);
    // Once writes are accepted again, the expiry goes through.
    refusal = undefined;
    t.pipeline.submitInternal(0x100n, { op: 'closeSession' }, t.now());
    t.commitAll();
    expect(t.closed).toEqual([0x100n]);
  });

  it("refuses a learner's forwarded write at the leader with the reason", () => {
    const t = setup({}, () => REASON);
    const refusals: Array<[number, string]> = [];
    t.pipeline.submitForwarded(
      { kind: 'write', sessionId: 0x7n, cxid: 3, op: { op: 'create', path: '/y', data: enc(''), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 }, auth: [], clientIp: '' },
      t.now(),
      (err, message) => refusals.push([err, message]),
    );
    expect(refusals).toEqual([[Code.NOTREADONLY, REASON]]);
    expect(t.proposed).toHaveLength(0);
  });

  it('drops proposals that will not be answered with a connection loss naming the reason (outcome unknown)', () => {
    const t = setup();
    const a = t.open(1);
    const b = t.open(2);
    t.pipeline.submit(1, 1, { op: 'create', path: '/lost', data: enc(''), acl: OPEN_ACL, mode: 'persistent', ttlMs: 0 }, t.now());
    expect(t.proposed).toHaveLength(1);
    t.pipeline.abandonPending(REASON);
    expect(a.frames.at(-1)).toEqual({ kind: 'closed', err: Code.CONNECTIONLOSS, message: `${REASON}; reconnect` });
    expect(a.ended).toBe(true);
    expect(a.responses()).toEqual([]); // never a success or a failure
    expect(b.ended).toBe(false); // nothing of b's was pending
  });
});
