/**
 * Goal: locks stay safe under the faults issue 4 names, against a standalone server and a
 * real 3-server ensemble:
 * - a holder process frozen (SIGSTOP) past its session timeout: another client gets the
 *   lock, the frozen holder's signal fires when it resumes, and a fencing resource refuses
 *   its stale token; without the fencing check the stale write really lands after the new
 *   holder's (so the fenced half of the test can fail);
 * - kill -9 of the server a holder is connected to: no second holder while the first can
 *   still be sure (its signal fires before anyone else acquires); standalone: the signal
 *   fires while the server is down and the lock moves on after the restart; ensemble: the
 *   holder moves to another member and keeps the lock, or loses it and its node goes;
 * - a create whose reply is lost: the contender node is adopted, never orphaned.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../sdk/index.js';
import { FencingGuard, StaleTokenError, parseToken } from '../../recipes/fencing.js';
import { Mutex } from '../../recipes/lock.js';
import { parseNodeName } from '../../recipes/sequential-nodes.js';
import { closeAllClients, deferred, killAllServers, openClient, removeTempDirs, waitFor } from '../support/index.js';
import { startTarget, TARGETS, type Target } from './recipes-support/targets.js';
import { now } from '../../recipes/waiting.js';
import { DropProxy } from './recipes-support/drop-proxy.js';

const HOLDER = join(dirname(fileURLToPath(import.meta.url)), 'recipes-support', 'lock-holder.mjs');

const children = new Set<ChildProcess>();

interface HolderEvent {
  event: string;
  token?: string;
  reason?: string;
}

/** A lock holder in a child process, with its JSON-line events as an awaitable queue. */
function startHolder(servers: string, path: string, sessionTimeoutMs: number): { child: ChildProcess; next(event: string): Promise<HolderEvent>; send(line: string): void } {
  const child = spawn(process.execPath, [HOLDER, servers, path, String(sessionTimeoutMs)], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  const seen: HolderEvent[] = [];
  const waiters: Array<{ event: string; d: ReturnType<typeof deferred<HolderEvent>> }> = [];
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const e = JSON.parse(line) as HolderEvent;
    const w = waiters.findIndex((x) => x.event === e.event);
    if (w >= 0) waiters.splice(w, 1)[0]!.d.resolve(e);
    else seen.push(e);
  });
  child.once('exit', (code, signal) => {
    for (const w of waiters.splice(0)) w.d.reject(new Error(`holder exited (${code ?? signal}) before '${w.event}': ${err}`));
  });
  return {
    child,
    next(event) {
      const i = seen.findIndex((x) => x.event === event);
      if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0]!);
      const d = deferred<HolderEvent>();
      waiters.push({ event, d });
      return d.promise;
    },
    send(line) {
      child.stdin!.write(`${line}\n`);
    },
  };
}

/** A resource that logs accepted writes; with a guard it refuses stale tokens. */
class Resource {
  readonly accepted: bigint[] = [];
  constructor(private readonly guard?: FencingGuard) {}
  write(token: bigint): void {
    this.guard?.check('resource', token);
    this.accepted.push(token);
  }
  /** A write that landed after a write with a larger token: two holders overlapped. */
  get overlapped(): boolean {
    return this.accepted.some((t, i) => this.accepted.slice(0, i).some((earlier) => earlier > t));
  }
}

function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

describe.each(TARGETS)('%s', (name) => {
  let target: Target;
  beforeAll(async () => {
    target = await startTarget(name);
  });
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    children.clear();
    await closeAllClients();
  });
  afterAll(async () => {
    await killAllServers();
    removeTempDirs();
  });

  describe('a holder frozen past its session timeout', () => {
    it('loses the lock to another client, learns it on resume, and the fenced resource refuses its token', async () => {
      const path = '/faults/sigstop';
      const holder = startHolder(target.connectString, path, 2000);
      const acquired = await holder.next('acquired');
      const staleToken = parseToken(acquired.token!);

      const fenced = new Resource(new FencingGuard());
      const unfenced = new Resource();
      fenced.write(staleToken);
      unfenced.write(staleToken);

      process.kill(holder.child.pid!, 'SIGSTOP');
      try {
        const b = await openClient(target.connectString);
        const lock = await new Mutex(b, path).acquire({ timeoutMs: 30_000 });
        expect(lock.token).toBeGreaterThan(staleToken);
        fenced.write(lock.token);
        unfenced.write(lock.token);
      } finally {
        process.kill(holder.child.pid!, 'SIGCONT');
      }

      const lost = await holder.next('lost');
      expect(['unconfirmed', 'session-ended', 'node-gone']).toContain(lost.reason);

      // The stale holder writes anyway (as code that ignores its signal would).
      holder.send('write');
      const w = await holder.next('write');
      const token = parseToken(w.token!);
      unfenced.write(token);
      expect(unfenced.overlapped).toBe(true); // without fencing, the overlap is real
      expect(() => fenced.write(token)).toThrow(StaleTokenError);
      expect(fenced.overlapped).toBe(false);
    });
  });

  describe('kill -9 of the server the holder is connected to', () => {
    it('never lets a second holder in while the first can still be sure', async () => {
      const path = '/faults/kill9';
      const a = await openClient(target.connectString, { sessionTimeoutMs: 4000 });
      const held = await new Mutex(a, path).acquire();
      let firedAt: number | undefined;
      held.signal.addEventListener('abort', () => (firedAt = now()));
      const victim = target.processAt(a.server!);
      await victim.kill('SIGKILL');
      if (!target.replicated) {
        await waitFor(() => firedAt !== undefined, { what: 'the holder gives up while its server is down' });
        expect(held.lost).toBe('unconfirmed');
        await victim.restart();
      }
      const b = await openClient(target.connectString);
      const acquiring = new Mutex(b, path).acquire({ timeoutMs: 30_000 }).then((h) => ({ h, at: now() }));
      if (target.replicated) {
        // Either the holder reconnected to another member in time and still holds, or it
        // lost the lock; if it holds, it lets go now.
        await waitFor(() => held.lost !== undefined || (a.state === 'connected' && a.server !== undefined && held.check()), { what: 'holder settled' });
        if (held.lost === undefined) await held.release();
      }
      const { h: next, at } = await acquiring;
      expect(firedAt).toBeDefined();
      expect(firedAt!).toBeLessThanOrEqual(at);
      expect(next.token).toBeGreaterThan(held.token);
      await next.release();
      if (target.replicated) await victim.restart();
    });
  });

  describe('a create whose reply is lost', () => {
    let proxy: DropProxy | undefined;
    afterEach(async () => {
      await proxy?.close();
      proxy = undefined;
    });

    it('is found and adopted on retry: one node, the holder\'s, and none left after release', async () => {
      const path = '/faults/lost-reply';
      const observer: Client = await openClient(target.connectString);
      await observer.create('/faults', null).catch(() => undefined);
      await observer.create(path, null).catch(() => undefined);
      proxy = await DropProxy.start(hostPort(target.connectString.split(',')[0]!));
      const a = await openClient(proxy.address, { sessionTimeoutMs: 4000 });
      proxy.dropReplies();
      const acquiring = new Mutex(a, path).acquire({ timeoutMs: 30_000 });
      await waitFor(async () => (await observer.getChildren(path)).length === 1, { what: 'the create applied at the server' });
      proxy.cutAndHeal();
      const lock = await acquiring;
      const kids = await observer.getChildren(path);
      expect(kids).toHaveLength(1);
      expect(lock.path).toBe(`${path}/${kids[0]}`);
      expect(parseNodeName(kids[0]!).protectedId).toBeDefined();
      expect((await observer.exists(lock.path))!.ephemeralOwner).toBe(a.sessionId);
      await lock.release();
      expect(await observer.getChildren(path, { sync: true })).toEqual([]);
    });
  });
});
