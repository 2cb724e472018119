/**
 * Goal: sessions through the SDK. Connection states as events and as an async iterable;
 * close() deletes ephemerals at once; a cut connection reconnects to the same session
 * (also across a kill -9 and restart of the server within the timeout, and past a server
 * that is behind the client); a session that expires deletes its ephemerals, fires their
 * watches and fails the client with SESSIONEXPIRED; a frozen server is detected by pings;
 * a write whose answer is lost is reported outcome-unknown while reads are retried; call
 * timeouts and abort signals; client-side and server-side limits on outstanding requests
 * and connections.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  connect,
  ConnectionLossError,
  isRetryable,
  LimitExceededError,
  OperationTimeoutError,
  OutcomeUnknownError,
  SessionExpiredError,
  WardenError,
  type StateEvent,
  type WatchEvent,
} from '../../sdk/index.js';
import {
  closeAllClients,
  closeAllProxies,
  deferred,
  nextState,
  FaultProxy,
  freePort,
  killAllServers,
  openClient,
  removeTempDirs,
  startStandalone,
  waitFor,
} from '../support/index.js';

afterEach(async () => {
  await closeAllClients();
  await closeAllProxies();
  await killAllServers();
});
afterAll(removeTempDirs);

describe('connection states', () => {
  it('reports connected, disconnected, reconnected and closed, as events and as an iterable', async () => {
    const { server } = await startStandalone();
    const proxy = await FaultProxy.start(server.port);
    const c = await openClient(proxy.address, { sessionTimeoutMs: 10_000 });
    expect(c.state).toBe('connected');
    expect(c.sessionId).not.toBe(0n);
    expect(c.sessionTimeoutMs).toBe(4000); // maxSessionTimeout = 20 x tickTime 200
    expect(c.server).toBe(proxy.address);
    const iter = c.states();
    const events: StateEvent[] = [];
    c.on('state', (e) => events.push(e));
    const down = nextState(c, 'disconnected');
    proxy.cut();
    const d = await down;
    expect(d.sessionId).toBe(c.sessionId);
    expect(d.disconnectedAtMs).toBeGreaterThan(0);
    await nextState(c, 'reconnected');
    expect(c.disconnectedForMs).toBeUndefined();
    await c.close();
    expect(events.map((e) => e.state)).toEqual(['disconnected', 'reconnected', 'closed']);
    const fromIter: string[] = [];
    for await (const e of iter) fromIter.push(e.state);
    expect(fromIter).toEqual(['disconnected', 'reconnected', 'closed']);
    expect(c.state).toBe('closed');
  });

  it('negotiates the timeout into the server bounds', async () => {
    const { server } = await startStandalone();
    const low = await openClient(server.address, { sessionTimeoutMs: 10 });
    const high = await openClient(server.address, { sessionTimeoutMs: 999_999 });
    expect(low.sessionTimeoutMs).toBe(400);
    expect(high.sessionTimeoutMs).toBe(4000);
  });
});

describe('session lifetime', () => {
  it('close() deletes the session ephemerals at once and fires their watches', async () => {
    const { server } = await startStandalone();
    const a = await openClient(server.address);
    const b = await openClient(server.address);
    await a.create('/e1', null, { mode: 'ephemeral' });
    const deleted = deferred<WatchEvent>();
    await b.exists('/e1', { watch: (e) => deleted.resolve(e) });
    await a.close();
    expect(await b.exists('/e1')).toBeNull();
    expect((await deleted.promise).type).toBe('NodeDeleted');
    await expect(a.getData('/')).rejects.toBeInstanceOf(WardenError);
  });

  it('a cut connection reconnects to the same session; ephemerals and auth stay', async () => {
    const { server } = await startStandalone();
    const proxy = await FaultProxy.start(server.port);
    const a = await openClient(proxy.address, { sessionTimeoutMs: 10_000 });
    await a.addAuth('digest', 'u:p');
    await a.create('/keep', null, { mode: 'ephemeral', acl: [{ perms: 31, id: { scheme: 'auth', id: '' } }] });
    const id = a.sessionId;
    const back = nextState(a, 'reconnected');
    proxy.cut();
    await back;
    expect(a.sessionId).toBe(id);
    // readable only with the digest identity, which the client presented again
    expect((await a.getData('/keep')).stat.ephemeralOwner).toBe(id);
    expect((await a.whoAmI()).some((i) => i.scheme === 'digest' && i.id.startsWith('u:'))).toBe(true);
  });

  it('survives kill -9 and restart of the server within the timeout', async () => {
    const { server } = await startStandalone({ maxSessionTimeout: 20_000 });
    const a = await openClient(server.address, { sessionTimeoutMs: 20_000 });
    const b = await openClient(server.address, { sessionTimeoutMs: 20_000 });
    await a.create('/survivor', 'x', { mode: 'ephemeral' });
    const id = a.sessionId;
    const zxidBefore = a.lastZxid;
    const back = nextState(a, 'reconnected');
    await server.restart();
    await back;
    expect(a.sessionId).toBe(id);
    expect(a.lastZxid).toBeGreaterThanOrEqual(zxidBefore);
    expect((await b.getData('/survivor')).stat.ephemeralOwner).toBe(id);
    await a.setData('/survivor', 'y');
    expect((await b.getData('/survivor')).data.toString()).toBe('y');
  });

  it('re-registers one-shot and persistent watches on the restarted server', async () => {
    const { server } = await startStandalone({ maxSessionTimeout: 20_000 });
    const a = await openClient(server.address, { sessionTimeoutMs: 20_000 });
    await a.create('/rw', 'v0');
    const dataEvent = deferred<WatchEvent>();
    await a.getData('/rw', { watch: (e) => dataEvent.resolve(e) });
    const recursive: WatchEvent[] = [];
    await a.addWatch('/rw', 'persistentRecursive', { listener: (e) => recursive.push(e) });
    const back = nextState(a, 'reconnected');
    await server.restart();
    await back;
    const b = await openClient(server.address);
    const s = await b.setData('/rw', 'v1');
    await b.create('/rw/kid');
    expect(await dataEvent.promise).toMatchObject({ type: 'NodeDataChanged', path: '/rw', zxid: s.mzxid });
    await a.sync();
    expect(recursive.map((e) => `${e.type} ${e.path}`)).toEqual(['NodeDataChanged /rw', 'NodeCreated /rw/kid']);
  });

  it('aborting the connect signal closes the client and ends its session', async () => {
    const { server } = await startStandalone();
    const ac = new AbortController();
    const a = await openClient(server.address, { signal: ac.signal });
    const b = await openClient(server.address);
    await a.create('/by-signal', null, { mode: 'ephemeral' });
    const closed = nextState(a, 'closed');
    ac.abort();
    await closed;
    expect(await b.exists('/by-signal')).toBeNull();
    const early = new AbortController();
    early.abort(new Error('never mind'));
    await expect(connect({ servers: server.address, signal: early.signal })).rejects.toThrow('never mind');
  });

  it('waitForConnected waits through a reconnect and honours its timeout', async () => {
    const { server } = await startStandalone();
    const proxy = await FaultProxy.start(server.port);
    const a = await openClient(proxy.address, { sessionTimeoutMs: 4000 });
    await a.waitForConnected();
    const down = nextState(a, 'disconnected');
    proxy.block();
    proxy.cut();
    await down;
    await expect(a.waitForConnected({ timeoutMs: 100 })).rejects.toBeInstanceOf(OperationTimeoutError);
    const waiting = a.waitForConnected();
    proxy.unblock();
    await waiting;
    expect(a.state).toBe('connected');
    await Promise.all([a.close(), a.close()]);
    expect(a.state).toBe('closed');
  });

  it('close() while disconnected reaches a server and ends the session at once, ephemerals included', async () => {
    const { server } = await startStandalone();
    const proxy = await FaultProxy.start(server.port);
    // A long reconnect back-off keeps the client disconnected after the proxy is back.
    const a = await openClient(proxy.address, { sessionTimeoutMs: 20_000, reconnectMinDelayMs: 60_000, reconnectMaxDelayMs: 60_000 });
    const b = await openClient(server.address);
    await a.create('/closing-offline', null, { mode: 'ephemeral' });
    const down = nextState(a, 'disconnected');
    proxy.block();
    proxy.cut();
    await down;
    // The first reconnect attempt meets the blocked proxy; from then on the client waits.
    await waitFor(() => proxy.accepted >= 2, { what: 'a reconnect attempt' });
    expect(a.state).toBe('disconnected');
    // In the same turn, so no reconnect can slip in between: the server is reachable again.
    proxy.unblock();
    const closing = a.close({ timeoutMs: 5000 });
    expect(a.state).toBe('closing');
    await closing;
    expect(a.state).toBe('closed');
    // Gone now, not 20 s from now.
    expect(await b.exists('/closing-offline')).toBeNull();
  });

  it('expiry deletes ephemerals, fires watches, and fails the client with SESSIONEXPIRED', async () => {
    const { server } = await startStandalone();
    const proxy = await FaultProxy.start(server.port);
    const a = await openClient(proxy.address, { sessionTimeoutMs: 1000 });
    const b = await openClient(server.address);
    await a.create('/doomed', null, { mode: 'ephemeral' });
    const aWatch = deferred<WatchEvent>();
    await a.exists('/doomed', { watch: (e) => aWatch.resolve(e) });
    const bWatch = deferred<WatchEvent>();
    await b.exists('/doomed', { watch: (e) => bWatch.resolve(e) });
    const expired = nextState(a, 'expired');
    proxy.block();
    proxy.cut();
    expect((await bWatch.promise).type).toBe('NodeDeleted');
    expect(await b.exists('/doomed')).toBeNull();
    const pending = a.getData('/doomed');
    proxy.unblock();
    const e = await expired;
    expect(e.reason).toBeInstanceOf(SessionExpiredError);
    await expect(pending).rejects.toBeInstanceOf(SessionExpiredError);
    expect(await aWatch.promise).toMatchObject({ type: 'None', state: 'expired' });
    await expect(a.exists('/')).rejects.toBeInstanceOf(SessionExpiredError);
    expect(a.state).toBe('expired');
  });

  it('resumes a session by id and password from another client object', async () => {
    const { server } = await startStandalone();
    const proxy = await FaultProxy.start(server.port);
    const a = await openClient(proxy.address, { sessionTimeoutMs: 4000 });
    await a.create('/handover', null, { mode: 'ephemeral' });
    proxy.block();
    proxy.cut();
    const b = await openClient(server.address, { sessionId: a.sessionId, sessionPassword: a.sessionPassword, sessionTimeoutMs: 4000 });
    expect(b.sessionId).toBe(a.sessionId);
    expect(await b.getEphemerals()).toEqual(['/handover']);
    await expect(openClient(server.address, { sessionId: a.sessionId, sessionPassword: Buffer.from('wrong'), connectTimeoutMs: 3000 })).rejects.toBeInstanceOf(WardenError);
  });
});

describe('server list', () => {
  it('skips an unreachable server of the list', async () => {
    const { server } = await startStandalone();
    const dead = await freePort();
    const c = await openClient(`127.0.0.1:${dead},${server.address}`, { shuffleServers: false });
    expect(c.server).toBe(server.address);
  });

  it('a server behind the client refuses it (SERVERBEHIND), and the client waits for one that is not', async () => {
    const s1 = await startStandalone({ maxSessionTimeout: 30_000 });
    const s2 = await startStandalone();
    const c = await openClient(`${s1.server.address},${s2.server.address}`, { shuffleServers: false, sessionTimeoutMs: 30_000 });
    expect(c.server).toBe(s1.server.address);
    for (let i = 0; i < 20; i++) await c.create(`/ahead${i}`);
    const states: string[] = [];
    c.on('state', (e) => states.push(e.state));
    const down = nextState(c, 'disconnected');
    await s1.server.kill();
    await down;
    // s2 is reachable but behind: had it accepted, the unknown session would have expired.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(c.state).toBe('disconnected');
    const back = nextState(c, 'reconnected');
    await s1.server.restart();
    await back;
    expect(c.server).toBe(s1.server.address);
    expect(states).toEqual(['disconnected', 'reconnected']);
    expect(await c.exists('/ahead19')).not.toBeNull();
  });

  it('connect() fails with a ConnectionLossError when nothing answers', async () => {
    const dead = await freePort();
    const err = await connect({ servers: `127.0.0.1:${dead}`, connectTimeoutMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionLossError);
  });

  it('options are validated before anything is sent', async () => {
    await expect(connect({ servers: 'localhost:2181', sessionTimeoutMs: -5 })).rejects.toThrow(/`sessionTimeoutMs`/);
  });
});

describe('failures during requests', () => {
  it('detects a frozen server, reports the lost write as outcome-unknown and retries the read', async () => {
    // A frozen server's clock runs on: the session must be long enough to outlive the
    // client's detection time (2/3 of the timeout) with a margin for a loaded machine.
    const { server } = await startStandalone({ maxSessionTimeout: 12_000 });
    const c = await openClient(server.address, { sessionTimeoutMs: 6000 });
    await c.create('/frozen', 'data');
    const down = nextState(c, 'disconnected');
    server.pause();
    const write = c.create('/frozen/new').catch((e: unknown) => e);
    const read = c.getData('/frozen');
    await down;
    server.resume();
    const err = await write;
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect((err as OutcomeUnknownError).outcomeUnknown).toBe(true);
    expect(isRetryable(err)).toBe(false);
    expect((await read).data.toString()).toBe('data');
    expect(c.state).toBe('connected');
  });

  it('a protected create finds its own node after a lost answer', async () => {
    const { server } = await startStandalone({ maxSessionTimeout: 12_000 });
    const c = await openClient(server.address, { sessionTimeoutMs: 6000 });
    await c.create('/locks');
    const down = nextState(c, 'disconnected');
    server.pause();
    const created = c.create('/locks/lock-', null, { mode: 'ephemeralSequential', protected: true });
    await down;
    server.resume();
    const { path } = await created;
    expect(path).toMatch(new RegExp(`^/locks/_c_${c.clientId}-lock-\\d{10}$`));
    const mine = (await c.getChildren('/locks')).filter((n) => n.includes(c.clientId));
    expect(mine.length).toBe(1);
  });

  it('timeoutMs and signal end a call; a timed-out write is outcome-unknown', async () => {
    const { server } = await startStandalone();
    const c = await openClient(server.address, { sessionTimeoutMs: 4000 });
    await c.create('/t');
    server.pause();
    const t0 = Date.now();
    const read = await c.getData('/t', { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(read).toBeInstanceOf(OperationTimeoutError);
    expect((read as OperationTimeoutError).outcomeUnknown).toBe(false);
    const write = await c.setData('/t', 'x', { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(write).toBeInstanceOf(OperationTimeoutError);
    expect((write as OperationTimeoutError).outcomeUnknown).toBe(true);
    const ac = new AbortController();
    const aborted = c.exists('/t', { signal: ac.signal }).catch((e: unknown) => e);
    ac.abort(new Error('user gave up'));
    expect(((await aborted) as Error).message).toBe('user gave up');
    expect(Date.now() - t0).toBeLessThan(4000);
    server.resume();
    expect(await c.exists('/t')).not.toBeNull();
  });

  it('pings keep an idle session alive well past its timeout', async () => {
    const { server } = await startStandalone();
    // 1200 ms rather than the 400 ms minimum: a loaded CI machine can stall this process
    // for a few hundred ms, which would expire a 400 ms session for a reason other than pings.
    const a = await openClient(server.address, { sessionTimeoutMs: 1200 });
    const b = await openClient(server.address);
    await a.create('/idle', null, { mode: 'ephemeral' });
    const states: string[] = [];
    a.on('state', (e) => states.push(e.state));
    // Time passing is the point here, not a synchronisation.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(await b.exists('/idle')).not.toBeNull();
    expect(a.state).toBe('connected');
    expect(states.filter((s) => s === 'expired')).toEqual([]);
  });
});

describe('limits', () => {
  it('bounds the requests a client holds (maxPendingRequests)', async () => {
    const { server } = await startStandalone();
    const c = await openClient(server.address, { maxPendingRequests: 5 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => c.exists(`/p${i}`)));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as LimitExceededError);
    expect(refused.length).toBeGreaterThan(0);
    for (const e of refused) {
      expect(e).toBeInstanceOf(LimitExceededError);
      expect(e.limit).toBe('maxPendingRequests');
    }
    expect(c.pendingRequests).toBe(0);
  });

  it('the server refuses requests over its per-session and global outstanding limits', async () => {
    const perSession = await startStandalone({ maxSessionOutstanding: 3 });
    const c1 = await openClient(perSession.server.address, { maxPendingRequests: 5 });
    const r1 = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => c1.create(`/o${i}`)));
    const e1 = r1.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as LimitExceededError);
    expect(e1.length).toBeGreaterThan(0);
    expect(e1.every((e) => e instanceof LimitExceededError && e.limit === 'sessionOutstandingMax')).toBe(true);

    const global = await startStandalone({ globalOutstandingLimit: 3 });
    const c2 = await openClient(global.server.address);
    const r2 = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => c2.create(`/g${i}`)));
    const e2 = r2.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as LimitExceededError);
    expect(e2.length).toBeGreaterThan(0);
    expect(e2.every((e) => e instanceof LimitExceededError && e.limit === 'globalOutstandingLimit')).toBe(true);
    expect(c2.state).toBe('connected');
  });

  it('refuses connections over maxClientCnxns from one address', async () => {
    const { server } = await startStandalone({ maxClientCnxns: 2 });
    await openClient(server.address);
    await openClient(server.address);
    const err = await connect({ servers: server.address, connectTimeoutMs: 1500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as LimitExceededError).limit).toBe('maxClientCnxns');
  });
});
