/**
 * Goal: the DataTree applies every txn kind as ZooKeeper's DataTree does: all 11 Stat
 * fields (czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner,
 * dataLength, numChildren, pzxid), the watch triggers each change reports, ephemerals per
 * session, containers and TTL reap candidates, the digest, and a snapshot round trip that
 * loses nothing (including /zookeeper, which `ls /` must show, as ZooKeeper does).
 */
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../../server/base/assert.js';
import { OPEN_ACL_UNSAFE } from '../../../server/tree/acl.js';
import { childCreates, DataTree } from '../../../server/tree/data-tree.js';
import type { NodeKind, SessionId, Txn, TxnEntry } from '../../../server/tree/types.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const OPEN = [...OPEN_ACL_UNSAFE];

/** Applies txns with zxids 1, 2, 3... and times 1000, 2000, ... (the leader's clock, carried in the header). */
class Driver {
  zxid = 0n;
  constructor(readonly tree = new DataTree()) {}
  apply(txn: Txn, sessionId: SessionId = 0n) {
    this.zxid += 1n;
    const entry: TxnEntry = { header: { sessionId, cxid: Number(this.zxid), zxid: this.zxid, timeMs: Number(this.zxid) * 1000 }, txn };
    return this.tree.apply(entry);
  }
  create(path: string, opts: { data?: string; kind?: NodeKind; owner?: SessionId; ttlMs?: number } = {}) {
    const parentPath = path.slice(0, path.lastIndexOf('/')) || '/';
    const parentCVersion = (this.tree.get(parentPath)?.stat.cversion ?? 0) + 1;
    const kind = opts.kind ?? 'persistent';
    return this.apply(
      { type: 'create', path, data: enc(opts.data ?? ''), acl: OPEN, kind, ephemeralOwner: opts.owner ?? 0n, parentCVersion, ttlMs: opts.ttlMs ?? 0 },
      opts.owner ?? 0n,
    );
  }
  children(path: string): string[] {
    return [...this.tree.get(path)!.children].sort();
  }
}

describe('a new tree', () => {
  it('has / with /zookeeper and /zookeeper/quota linked as children (ZooKeeper: ls / = [zookeeper])', () => {
    const d = new Driver();
    expect(d.children('/')).toEqual(['zookeeper']);
    expect(d.children('/zookeeper')).toEqual(['quota']);
    expect(d.tree.get('/')!.stat.numChildren).toBe(1);
    expect(d.tree.get('/zookeeper')!.stat.numChildren).toBe(1);
    expect(d.tree.nodeCount()).toBe(3);
    expect(d.tree.descendantCount('/')).toBe(2);
    expect(d.tree.lastZxid).toBe(0n);
  });

  it('serves cversion as ZooKeeper does for nodes holding system children (2 * creates - numChildren = -1)', () => {
    const d = new Driver();
    expect(d.tree.get('/')!.stat.cversion).toBe(-1);
    expect(childCreates(d.tree.get('/')!.stat.cversion, 1)).toBe(0);
  });
});

describe('create', () => {
  it('sets all 11 Stat fields of the new node and the parent fields', () => {
    const d = new Driver();
    d.create('/a');
    const { result, triggers } = d.create('/a/b', { data: 'hello' });
    expect(result).toEqual({
      type: 'create',
      path: '/a/b',
      stat: { czxid: 2n, mzxid: 2n, ctime: 2000, mtime: 2000, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 5, numChildren: 0, pzxid: 2n },
    });
    const a = d.tree.get('/a')!.stat;
    expect(a).toMatchObject({ czxid: 1n, mzxid: 1n, version: 0, cversion: 1, numChildren: 1, pzxid: 2n });
    expect(triggers).toEqual([
      { path: '/a/b', type: 'created', zxid: 2n },
      { path: '/a', type: 'childrenChanged', zxid: 2n },
    ]);
    expect(d.tree.lastZxid).toBe(2n);
  });

  it('records ephemerals under their owner, and only those', () => {
    const d = new Driver();
    d.create('/e1', { kind: 'ephemeral', owner: 7n });
    d.create('/e2', { kind: 'ephemeral', owner: 7n });
    d.create('/e3', { kind: 'ephemeral', owner: 8n });
    d.create('/p');
    expect([...d.tree.ephemeralsOf(7n)].sort()).toEqual(['/e1', '/e2']);
    expect([...d.tree.ephemeralsOf(8n)]).toEqual(['/e3']);
    expect(d.tree.ephemeralCount()).toBe(3);
    expect(d.tree.get('/e1')!.stat.ephemeralOwner).toBe(7n);
    expect(d.tree.get('/p')!.stat.ephemeralOwner).toBe(0n);
  });

  it('asserts on a txn that prep should never have made (missing parent, existing node, ephemeral parent)', () => {
    const d = new Driver();
    expect(() => d.create('/x/y')).toThrow(InvariantError);
    d.create('/a');
    expect(() => d.create('/a')).toThrow(InvariantError);
    d.create('/e', { kind: 'ephemeral', owner: 1n });
    expect(() => d.create('/e/c')).toThrow(InvariantError);
  });

  it('refuses a zxid that does not grow', () => {
    const d = new Driver();
    d.create('/a');
    const txn: Txn = { type: 'delete', path: '/a' };
    expect(() => d.tree.apply({ header: { sessionId: 0n, cxid: 0, zxid: 1n, timeMs: 0 }, txn })).toThrow(/must be above/);
  });
});

describe('delete, setData, setACL, check', () => {
  it('delete: parent cversion+1, pzxid, numChildren; triggers deleted and childrenChanged', () => {
    const d = new Driver();
    d.create('/a');
    d.create('/a/b');
    const { result, triggers } = d.apply({ type: 'delete', path: '/a/b' });
    expect(result).toEqual({ type: 'delete' });
    expect(d.tree.get('/a/b')).toBeUndefined();
    expect(d.tree.get('/a')!.stat).toMatchObject({ cversion: 2, numChildren: 0, pzxid: 3n, mzxid: 1n });
    expect(triggers).toEqual([
      { path: '/a/b', type: 'deleted', zxid: 3n },
      { path: '/a', type: 'childrenChanged', zxid: 3n },
    ]);
  });

  it('sequence numbers come from creates only (childCreates), as ZooKeeper\'s do', () => {
    const d = new Driver();
    d.create('/q');
    d.create('/q/n1');
    d.create('/q/n2');
    d.apply({ type: 'delete', path: '/q/n1' });
    const s = d.tree.get('/q')!.stat;
    expect(s.cversion).toBe(3);
    expect(childCreates(s.cversion, s.numChildren)).toBe(2);
  });

  it('delete of a node with children is an invariant violation', () => {
    const d = new Driver();
    d.create('/a');
    d.create('/a/b');
    expect(() => d.apply({ type: 'delete', path: '/a' })).toThrow(InvariantError);
  });

  it('setData: data, version, mzxid, mtime, dataLength; ctime and czxid stay', () => {
    const d = new Driver();
    d.create('/a', { data: 'x' });
    const { result, triggers } = d.apply({ type: 'setData', path: '/a', data: enc('four'), version: 1 });
    expect(result).toEqual({
      type: 'setData',
      stat: { czxid: 1n, mzxid: 2n, ctime: 1000, mtime: 2000, version: 1, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 4, numChildren: 0, pzxid: 1n },
    });
    expect(new TextDecoder().decode(d.tree.get('/a')!.data)).toBe('four');
    expect(triggers).toEqual([{ path: '/a', type: 'dataChanged', zxid: 2n }]);
  });

  it('setACL: acl and aversion, no mzxid change, no watch trigger', () => {
    const d = new Driver();
    d.create('/a');
    const acl = [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }];
    const { result, triggers } = d.apply({ type: 'setACL', path: '/a', acl, aversion: 1 });
    expect(result.type === 'setACL' && result.stat).toMatchObject({ aversion: 1, mzxid: 1n, version: 0 });
    expect(d.tree.get('/a')!.acl).toEqual(acl);
    expect(triggers).toEqual([]);
  });

  it('check and error change nothing but the zxid', () => {
    const d = new Driver();
    d.create('/a');
    const before = d.tree.digest();
    expect(d.apply({ type: 'check', path: '/a', version: 0 }).result).toEqual({ type: 'check' });
    expect(d.apply({ type: 'error', err: -101 }).result).toEqual({ type: 'error', err: -101 });
    expect(d.tree.lastZxid).toBe(3n);
    expect(d.tree.digest()).not.toBe(before); // the zxid is part of the digest
    expect(d.tree.get('/a')!.stat.mzxid).toBe(1n);
  });
});

describe('multi', () => {
  it('applies every op at one zxid and returns per-op results and all triggers', () => {
    const d = new Driver();
    d.create('/a');
    const { result, triggers } = d.apply({
      type: 'multi',
      txns: [
        { type: 'create', path: '/a/b', data: enc(''), acl: OPEN, kind: 'persistent', ephemeralOwner: 0n, parentCVersion: 1, ttlMs: 0 },
        { type: 'setData', path: '/a', data: enc('v'), version: 1 },
        { type: 'check', path: '/a', version: 1 },
      ],
    });
    expect(result.type).toBe('multi');
    expect(result.type === 'multi' && result.results.map((r) => r.type)).toEqual(['create', 'setData', 'check']);
    expect(triggers.map((t) => `${t.type} ${t.path} ${t.zxid}`)).toEqual(['created /a/b 2', 'childrenChanged /a 2', 'dataChanged /a 2']);
  });

  it('a failed multi (all error txns) changes nothing but the zxid', () => {
    const d = new Driver();
    d.create('/a');
    const { result } = d.apply({ type: 'multi', txns: [{ type: 'error', err: 0 }, { type: 'error', err: -101 }] });
    expect(result).toEqual({ type: 'multi', results: [{ type: 'error', err: 0 }, { type: 'error', err: -101 }] });
    expect(d.tree.nodeCount()).toBe(4);
  });
});

describe('sessions', () => {
  it('createSession records timeout and password; closeSession deletes its ephemerals with triggers', () => {
    const d = new Driver();
    d.apply({ type: 'createSession', timeoutMs: 5000, password: enc('pw') }, 9n);
    expect(d.tree.sessions().get(9n)).toEqual({ timeoutMs: 5000, password: enc('pw') });
    d.create('/p');
    d.create('/p/e1', { kind: 'ephemeral', owner: 9n });
    d.create('/e2', { kind: 'ephemeral', owner: 9n });
    d.create('/other', { kind: 'ephemeral', owner: 10n });
    const { result, triggers } = d.apply({ type: 'closeSession' }, 9n);
    expect(result).toEqual({ type: 'closeSession', deletedPaths: ['/e2', '/p/e1'] });
    expect(d.tree.sessions().has(9n)).toBe(false);
    expect(d.tree.ephemeralsOf(9n).size).toBe(0);
    expect(d.tree.get('/other')).toBeDefined();
    expect(d.tree.get('/p')!.stat).toMatchObject({ numChildren: 0, pzxid: d.zxid });
    expect(triggers.filter((t) => t.type === 'deleted').map((t) => t.path)).toEqual(['/e2', '/p/e1']);
    expect(triggers.filter((t) => t.type === 'childrenChanged').map((t) => t.path)).toEqual(['/', '/p']);
  });
});

describe('containers and TTL nodes', () => {
  it('a container is a candidate only once it had a child and has none', () => {
    const d = new Driver();
    d.create('/c', { kind: 'container' });
    expect(d.tree.reapCandidates(1e12)).toEqual([]);
    d.create('/c/x');
    expect(d.tree.reapCandidates(1e12)).toEqual([]);
    d.apply({ type: 'delete', path: '/c/x' });
    expect(d.tree.reapCandidates(0)).toEqual(['/c']);
    d.apply({ type: 'delete', path: '/c' });
    expect(d.tree.reapCandidates(1e12)).toEqual([]);
  });

  it('a TTL node is a candidate when childless and unmodified for longer than its TTL', () => {
    const d = new Driver();
    d.create('/t', { kind: 'ttl', ttlMs: 500 }); // mtime 1000
    expect(d.tree.reapCandidates(1500)).toEqual([]);
    expect(d.tree.reapCandidates(1501)).toEqual(['/t']);
    d.apply({ type: 'setData', path: '/t', data: enc('x'), version: 1 }); // mtime 2000
    expect(d.tree.reapCandidates(2400)).toEqual([]);
    d.create('/t/child');
    expect(d.tree.reapCandidates(1e12)).toEqual([]);
  });
});

describe('digest and snapshots', () => {
  function busyTree(): Driver {
    const d = new Driver();
    d.apply({ type: 'createSession', timeoutMs: 4000, password: enc('secret') }, 5n);
    d.create('/a', { data: 'alpha' });
    d.create('/a/b');
    d.create('/a/b/c', { data: 'deep' });
    d.create('/e', { kind: 'ephemeral', owner: 5n });
    d.create('/c', { kind: 'container' });
    d.create('/t', { kind: 'ttl', ttlMs: 100 });
    d.apply({ type: 'setData', path: '/a', data: enc('beta'), version: 1 });
    d.apply({ type: 'setACL', path: '/a/b', acl: [{ perms: 1, id: { scheme: 'ip', id: '10.0.0.0/8' } }], aversion: 1 });
    d.create('/c/x');
    d.apply({ type: 'delete', path: '/c/x' });
    return d;
  }

  it('equal histories give equal digests; any difference changes it', () => {
    const a = busyTree();
    const b = busyTree();
    expect(a.tree.digest()).toBe(b.tree.digest());
    b.apply({ type: 'setData', path: '/a/b/c', data: enc('deep'), version: 1 });
    expect(a.tree.digest()).not.toBe(b.tree.digest());
  });

  it('a snapshot round trip keeps every node, Stat, ACL, kind, session, ephemeral and the digest', () => {
    const d = busyTree();
    const copy = DataTree.fromSnapshot(d.tree.lastZxid, [...d.tree.snapshotRecords()]);
    expect(copy.digest()).toBe(d.tree.digest());
    expect(copy.lastZxid).toBe(d.tree.lastZxid);
    expect(copy.nodeCount()).toBe(d.tree.nodeCount());
    expect([...copy.get('/')!.children].sort()).toEqual(['a', 'c', 'e', 't', 'zookeeper']);
    expect([...copy.get('/zookeeper')!.children]).toEqual(['quota']);
    for (const path of ['/', '/zookeeper', '/zookeeper/quota', '/a', '/a/b', '/a/b/c', '/e', '/c', '/t']) {
      const x = d.tree.get(path)!;
      const y = copy.get(path)!;
      expect(y.stat, path).toEqual(x.stat);
      expect(y.acl, path).toEqual(x.acl);
      expect(y.kind, path).toBe(x.kind);
      expect(y.ttlMs, path).toBe(x.ttlMs);
      expect(Buffer.from(y.data).equals(Buffer.from(x.data)), path).toBe(true);
    }
    expect([...copy.ephemeralsOf(5n)]).toEqual(['/e']);
    const session = copy.sessions().get(5n)!;
    expect(session.timeoutMs).toBe(4000);
    expect(Buffer.from(session.password).toString()).toBe('secret');
    expect(copy.reapCandidates(1e12)).toEqual(d.tree.reapCandidates(1e12));
    // and the copy keeps working: the same next txn gives the same tree
    const next: Txn = { type: 'closeSession' };
    const d2 = new Driver(copy);
    d2.zxid = d.zxid;
    d.apply(next, 5n);
    d2.apply(next, 5n);
    expect(copy.digest()).toBe(d.tree.digest());
  });

  it('fromSnapshot refuses records that do not fit', () => {
    const d = busyTree();
    const records = [...d.tree.snapshotRecords()];
    const withoutRoot = records.filter((_, i) => i !== 1); // record 0 is the session, 1 is "/"
    expect(() => DataTree.fromSnapshot(1n, withoutRoot)).toThrow(/before its parent|no root/);
    expect(() => DataTree.fromSnapshot(1n, [])).toThrow(/no root/);
    expect(() => DataTree.fromSnapshot(1n, [new Uint8Array([0xff, 0xff, 0xff])])).toThrow();
  });
});
