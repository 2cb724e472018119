/**
 * Goal: every client operation through the SDK against a real standalone server, with
 * ZooKeeper's semantics and error codes: create modes, Stat fields, versions, children,
 * multi/multiRead, path rules, ephemerals, containers, TTL nodes and the data size limit.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BadArgumentsError,
  BadVersionError,
  LimitExceededError,
  NoChildrenForEphemeralsError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  OneShotWatch,
  RuntimeInconsistencyError,
  type Client,
  type MultiError,
  type Stat,
} from '../../sdk/index.js';
import { closeAllClients, killAllServers, openClient, removeTempDirs, startStandalone, waitFor, type Standalone } from '../support/index.js';

let srv: Standalone;
let client: Client;

beforeAll(async () => {
  srv = await startStandalone({ 'znode.container.checkIntervalMs': 100 });
});
afterAll(async () => {
  await closeAllClients();
  await killAllServers();
  removeTempDirs();
});
afterEach(async () => {
  await closeAllClients();
});

async function fresh(): Promise<Client> {
  client = await openClient(srv.server.address);
  return client;
}

function statInvariants(s: Stat): void {
  for (const k of ['czxid', 'mzxid', 'ctime', 'mtime', 'version', 'cversion', 'aversion', 'ephemeralOwner', 'dataLength', 'numChildren', 'pzxid'] as const) {
    expect(s[k], k).not.toBeUndefined();
  }
}

describe('create', () => {
  it('returns the path and a complete Stat for a persistent node', async () => {
    const c = await fresh();
    const before = Date.now();
    const { path, stat } = await c.create('/p1', 'hello');
    expect(path).toBe('/p1');
    statInvariants(stat);
    expect(stat.czxid).toBeGreaterThan(0n);
    expect(stat.mzxid).toBe(stat.czxid);
    expect(stat.pzxid).toBe(stat.czxid);
    expect(stat.version).toBe(0);
    expect(stat.cversion).toBe(0);
    expect(stat.aversion).toBe(0);
    expect(stat.ephemeralOwner).toBe(0n);
    expect(stat.dataLength).toBe(5);
    expect(stat.numChildren).toBe(0);
    expect(stat.ctime).toBe(stat.mtime);
    expect(stat.ctime).toBeGreaterThanOrEqual(before - 5000);
    expect(stat.ctime).toBeLessThanOrEqual(Date.now() + 5000);
    expect(c.lastZxid).toBeGreaterThanOrEqual(stat.czxid);
  });

  it('keeps every Stat field right through data, child and ACL changes', async () => {
    const c = await fresh();
    const created = (await c.create('/stat', 'a')).stat;
    const afterSet = await c.setData('/stat', 'bcd');
    expect(afterSet.version).toBe(1);
    expect(afterSet.mzxid).toBeGreaterThan(created.mzxid);
    expect(afterSet.czxid).toBe(created.czxid);
    expect(afterSet.mtime).toBeGreaterThanOrEqual(created.mtime);
    expect(afterSet.ctime).toBe(created.ctime);
    expect(afterSet.dataLength).toBe(3);
    expect(afterSet.pzxid).toBe(created.pzxid);
    const child = (await c.create('/stat/kid')).stat;
    const parent = (await c.exists('/stat'))!;
    expect(parent.numChildren).toBe(1);
    expect(parent.cversion).toBe(1);
    expect(parent.pzxid).toBe(child.czxid);
    expect(parent.mzxid).toBe(afterSet.mzxid);
    expect(parent.version).toBe(1);
    await c.delete('/stat/kid');
    const afterDelete = (await c.exists('/stat'))!;
    expect(afterDelete.cversion).toBe(2);
    expect(afterDelete.numChildren).toBe(0);
    expect(afterDelete.pzxid).toBeGreaterThan(child.czxid);
    const afterAcl = await c.setACL('/stat', [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]);
    expect(afterAcl.aversion).toBe(1);
    expect(afterAcl.version).toBe(1);
  });

  it('appends a 10-digit sequence from the parent counter', async () => {
    const c = await fresh();
    await c.create('/seq');
    const a = await c.create('/seq/job-', 'x', { mode: 'persistentSequential' });
    const b = await c.create('/seq/job-', 'x', { mode: 'ephemeralSequential' });
    await c.create('/seq/plain');
    const d = await c.create('/seq/', null, { mode: 'persistentSequential' });
    expect(a.path).toMatch(/^\/seq\/job-\d{10}$/);
    expect(a.path).toBe('/seq/job-0000000000');
    expect(b.path).toBe('/seq/job-0000000001');
    expect(d.path).toBe('/seq/0000000003');
    expect(b.stat.ephemeralOwner).toBe(c.sessionId);
  });

  it('fails with NODEEXISTS, NONODE for a missing parent, BADARGUMENTS for bad paths', async () => {
    const c = await fresh();
    await c.create('/dup');
    await expect(c.create('/dup')).rejects.toBeInstanceOf(NodeExistsError);
    const missing = await c.create('/no/parent').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NoNodeError);
    expect((missing as NoNodeError).code).toBe('NONODE');
    expect((missing as NoNodeError).path).toBe('/no/parent');
    for (const bad of ['', 'rel', '/trailing/', '/a//b', '/a/./b', '/a/../b', '/nul\u0000x', '/zookeeper/mine']) {
      const err = await c.create(bad).catch((e: unknown) => e);
      expect(err, JSON.stringify(bad)).toBeInstanceOf(BadArgumentsError);
    }
    await expect(c.getData('/a//b')).rejects.toBeInstanceOf(BadArgumentsError);
    await expect(c.delete('/')).rejects.toBeInstanceOf(BadArgumentsError);
  });

  it('ephemeral nodes belong to the session and cannot have children', async () => {
    const c = await fresh();
    const { stat } = await c.create('/eph', 'e', { mode: 'ephemeral' });
    expect(stat.ephemeralOwner).toBe(c.sessionId);
    await expect(c.create('/eph/kid')).rejects.toBeInstanceOf(NoChildrenForEphemeralsError);
    await expect(c.create('/eph/kid-', null, { mode: 'ephemeralSequential' })).rejects.toBeInstanceOf(NoChildrenForEphemeralsError);
    expect(await c.getEphemerals()).toContain('/eph');
  });

  it('reaps a container after its last child goes, not before it had one', async () => {
    const c = await fresh();
    await c.create('/box', null, { mode: 'container' });
    await c.create('/box/item');
    await c.create('/empty-box', null, { mode: 'container' });
    await c.delete('/box/item');
    await waitFor(async () => (await c.exists('/box')) === null, { what: 'container reaped' });
    expect(await c.exists('/empty-box')).not.toBeNull();
  });

  it('expires a TTL node left unmodified and childless, keeps one with a child', async () => {
    const c = await fresh();
    const { stat } = await c.create('/ttl', 'x', { mode: 'persistentWithTtl', ttlMs: 300 });
    expect(stat.ephemeralOwner).toBe(0n);
    const seq = await c.create('/ttl-seq-', 'x', { mode: 'persistentSequentialWithTtl', ttlMs: 300 });
    expect(seq.path).toMatch(/^\/ttl-seq-\d{10}$/);
    await c.create('/ttl-parent', null, { mode: 'persistentWithTtl', ttlMs: 300 });
    await c.create('/ttl-parent/kid');
    await waitFor(async () => (await c.exists('/ttl')) === null && (await c.exists(seq.path)) === null, { what: 'TTL nodes gone' });
    expect(await c.exists('/ttl-parent')).not.toBeNull();
    await expect(c.create('/ttl-bad', null, { mode: 'persistentWithTtl' })).rejects.toBeInstanceOf(BadArgumentsError);
  });

  it('refuses data above the limit with LIMITEXCEEDED naming it', async () => {
    const c = await fresh();
    const err = await c.create('/big', Buffer.alloc(1024 * 1024)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as LimitExceededError).limit).toBe('dataBytesMax');
    expect((err as LimitExceededError).value).toBe(1024 * 1024 - 1);
    await c.create('/big', Buffer.alloc(1024 * 1024 - 1));
    expect((await c.getData('/big')).data.length).toBe(1024 * 1024 - 1);
    await expect(c.setData('/big', Buffer.alloc(1024 * 1024))).rejects.toBeInstanceOf(LimitExceededError);
  });
});

describe('reads, updates and deletes', () => {
  it('exists, getData, setData with versions', async () => {
    const c = await fresh();
    expect(await c.exists('/rw')).toBeNull();
    await expect(c.getData('/rw')).rejects.toBeInstanceOf(NoNodeError);
    await expect(c.setData('/rw', 'x')).rejects.toBeInstanceOf(NoNodeError);
    await c.create('/rw', 'v0');
    const s1 = await c.setData('/rw', 'v1', { version: 0 });
    await expect(c.setData('/rw', 'v2', { version: 0 })).rejects.toBeInstanceOf(BadVersionError);
    await c.setData('/rw', 'v2', { version: -1 });
    const { data, stat } = await c.getData('/rw');
    expect(data.toString()).toBe('v2');
    expect(stat.version).toBe(2);
    expect(s1.version).toBe(1);
    await c.setData('/rw', null);
    expect((await c.getData('/rw')).data.length).toBe(0);
  });

  it('delete checks version, emptiness and existence', async () => {
    const c = await fresh();
    await c.create('/del');
    await c.create('/del/kid');
    await expect(c.delete('/del')).rejects.toBeInstanceOf(NotEmptyError);
    await expect(c.delete('/del/kid', { version: 3 })).rejects.toBeInstanceOf(BadVersionError);
    await c.delete('/del/kid', { version: 0 });
    await c.delete('/del');
    await expect(c.delete('/del')).rejects.toBeInstanceOf(NoNodeError);
  });

  it('getChildren sorted, with the parent Stat on request; getAllChildrenNumber counts descendants', async () => {
    const c = await fresh();
    await c.create('/kids');
    for (const n of ['b', 'a', 'c']) await c.create(`/kids/${n}`);
    await c.create('/kids/a/deep');
    expect(await c.getChildren('/kids')).toEqual(['a', 'b', 'c']);
    const withStat = await c.getChildren('/kids', { withStat: true });
    expect(withStat.children).toEqual(['a', 'b', 'c']);
    expect(withStat.stat.numChildren).toBe(3);
    expect(withStat.stat.cversion).toBe(3);
    expect(await c.getAllChildrenNumber('/kids')).toBe(4);
    await expect(c.getChildren('/nokids')).rejects.toBeInstanceOf(NoNodeError);
  });

  it('getEphemerals lists only this session\'s ephemerals under a prefix', async () => {
    const c = await fresh();
    const other = await openClient(srv.server.address);
    await c.create('/eph-a', null, { mode: 'ephemeral' });
    await c.create('/eph-b', null, { mode: 'ephemeral' });
    await other.create('/eph-c', null, { mode: 'ephemeral' });
    expect((await c.getEphemerals('/eph-')).sort()).toEqual(['/eph-a', '/eph-b']);
    expect(await other.getEphemerals()).toEqual(['/eph-c']);
  });

  it('sync answers; a read after it sees writes acknowledged to another client', async () => {
    const c = await fresh();
    const other = await openClient(srv.server.address);
    await other.create('/synced', 'yes');
    await c.sync('/synced');
    expect((await c.getData('/synced')).data.toString()).toBe('yes');
    await expect(c.sync('bad')).rejects.toBeInstanceOf(BadArgumentsError);
  });

  it('getChildren with `sync` lists after a sync, in one call', async () => {
    const c = await fresh();
    const other = await openClient(srv.server.address);
    await other.create('/synced-list');
    await other.create('/synced-list/a');
    expect(await c.getChildren('/synced-list', { sync: true })).toEqual(['a']);
    const { children, stat } = await c.getChildren('/synced-list', { sync: true, withStat: true });
    expect(children).toEqual(['a']);
    expect(stat.numChildren).toBe(1);
    await expect(c.getChildren('/synced-list/none', { sync: true })).rejects.toBeInstanceOf(NoNodeError);
    // @ts-expect-error a wrong type is refused at run time too
    await expect(c.getChildren('/synced-list', { sync: 'yes' })).rejects.toThrow(/option `sync` must be a boolean/);
  });
});

describe('multi and multiRead', () => {
  it('applies all ops and returns per-op results', async () => {
    const c = await fresh();
    await c.create('/m');
    const results = await c.multi([
      { op: 'create', path: '/m/a', data: '1' },
      { op: 'create', path: '/m/s-', mode: 'persistentSequential' },
      { op: 'setData', path: '/m/a', data: '2', version: 0 },
      { op: 'check', path: '/m', version: 0 },
      { op: 'delete', path: '/m/a', version: 1 },
    ]);
    expect(results.map((r) => r.op)).toEqual(['create', 'create', 'setData', 'check', 'delete']);
    expect(results[1]).toMatchObject({ op: 'create', path: '/m/s-0000000001' });
    expect(results[2]).toMatchObject({ op: 'setData', stat: { version: 1 } });
    expect(await c.getChildren('/m')).toEqual(['s-0000000001']);
  });

  it('applies nothing when one op fails, and says which and why', async () => {
    const c = await fresh();
    await c.create('/mf', 'x');
    const err = (await c
      .multi([
        { op: 'create', path: '/mf/new' },
        { op: 'setData', path: '/mf', data: 'y' },
        { op: 'check', path: '/mf', version: 9 },
        { op: 'delete', path: '/mf' },
      ])
      .catch((e: unknown) => e)) as MultiError;
    expect(err).toBeInstanceOf(BadVersionError);
    expect(err.failedOp).toBe(2);
    expect(err.results.map((r) => r.code)).toEqual(['OK', 'OK', 'BADVERSION', 'RUNTIMEINCONSISTENCY']);
    expect(await c.exists('/mf/new')).toBeNull();
    expect((await c.getData('/mf')).data.toString()).toBe('x');
    expect(new RuntimeInconsistencyError('x').code).toBe('RUNTIMEINCONSISTENCY');
  });

  it('multiRead returns each result or its own error', async () => {
    const c = await fresh();
    await c.create('/mr', 'd');
    await c.create('/mr/k');
    const results = await c.multiRead([
      { op: 'getData', path: '/mr' },
      { op: 'getChildren', path: '/mr' },
      { op: 'getData', path: '/mr/none' },
    ]);
    expect(results[0]).toMatchObject({ op: 'getData' });
    expect(results[0]!.op === 'getData' && results[0]!.data.toString()).toBe('d');
    expect(results[1]).toMatchObject({ op: 'getChildren', children: ['k'] });
    expect(results[2]!.op === 'error' && results[2]!.error).toBeInstanceOf(NoNodeError);
  });
});

describe('pipelining', () => {
  it('keeps hundreds of requests in flight on one stream, answered in call order', async () => {
    const c = await fresh();
    await c.create('/pipe');
    const calls = Array.from({ length: 300 }, (_, i) => (i % 3 === 2 ? c.getChildren('/pipe').then((k) => k.length) : c.create('/pipe/n-', String(i), { mode: 'persistentSequential' }).then((r) => r.path)));
    expect(c.pendingRequests).toBeGreaterThan(1);
    const results = await Promise.all(calls);
    const paths = results.filter((r): r is string => typeof r === 'string');
    expect(paths).toEqual([...paths].sort());
    expect(new Set(paths).size).toBe(200);
    // each read saw exactly the creates sent before it (FIFO per session)
    results.forEach((r, i) => {
      if (typeof r === 'number') expect(r).toBe(Math.floor(i / 3) * 2 + 2);
    });
  });
});

describe('chroot', () => {
  it('roots every path at the connect string path and returns paths relative to it', async () => {
    const outside = await fresh();
    await outside.create('/app');
    const c = await openClient(`${srv.server.address}/app`);
    const events: string[] = [];
    await c.addWatch('/', 'persistentRecursive', { listener: (e) => events.push(`${e.type} ${e.path}`) });
    const { path } = await c.create('/job-', 'x', { mode: 'ephemeralSequential' });
    expect(path).toMatch(/^\/job-\d{10}$/);
    expect(await outside.exists(`/app${path}`)).not.toBeNull();
    expect(await c.getEphemerals()).toEqual([path]);
    expect(await c.getChildren('/')).toEqual([path.slice(1)]);
    const [made] = await c.multi([{ op: 'create', path: '/m', data: 'y' }]);
    expect(made).toMatchObject({ op: 'create', path: '/m' });
    const seen = new OneShotWatch();
    await c.getData('/m', { watch: seen });
    await outside.setData('/app/m', 'z');
    expect(await seen).toMatchObject({ type: 'NodeDataChanged', path: '/m' });
    expect((await c.multiRead([{ op: 'getData', path: '/m' }]))[0]).toMatchObject({ op: 'getData' });
    await expect(c.getData('/nope')).rejects.toMatchObject({ code: 'NONODE', path: '/nope' });
    await expect(c.create('rel')).rejects.toBeInstanceOf(BadArgumentsError);
    await c.sync('/');
    expect(events).toEqual([`NodeCreated ${path}`, 'NodeCreated /m', 'NodeDataChanged /m']);
  });
});

describe('client-side validation', () => {
  it('rejects with a TypeError naming the bad argument before sending anything', async () => {
    const c = await fresh();
    await expect(c.create('/x', 5 as unknown as string)).rejects.toThrow(TypeError);
    await expect(c.create('/x', null, { mode: 'nope' as 'persistent' })).rejects.toThrow(/`mode`/);
    await expect(c.delete('/x', { version: -2 })).rejects.toThrow(/`version`/);
    await expect(c.getData('/x', { timeoutMs: -1 })).rejects.toThrow(/`timeoutMs`/);
    await expect(c.exists('/x', { watch: 'yes' as unknown as () => void })).rejects.toThrow(/`watch`/);
    await expect(c.addWatch('/x', 'sideways' as 'persistent')).rejects.toThrow(/`mode`/);
    expect(await c.exists('/x')).toBeNull();
  });
});
