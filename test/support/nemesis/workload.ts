/**
 * The client side of a fault run: workers that drive real SDK clients and record every
 * operation for the checkers.
 *  - register workers: getData / setData / setData-with-version on a few znodes, and creates
 *    of unique set elements under /set;
 *  - an ephemeral owner that creates and deletes ephemerals, and an observer that looks for
 *    them (session checks);
 *  - a watcher with a persistent watch on every register znode that also reads them (watch
 *    checks).
 * A session that expires is replaced by a new one, and the expiry is recorded.
 */
import { performance } from 'node:perf_hooks';
import { BadVersionError, connect, NodeExistsError, NoNodeError, type Client } from '../../../sdk/index.js';
import { HistoryRecorder, type OpRecord, type SetAdd, type WatchLogEntry, type Ephemeral, type Observation } from '../checker/index.js';
import type { Random } from '../random.js';

export interface WorkloadOptions {
  servers: () => string;
  keys: string[];
  registerWorkers: number;
  sessionTimeoutMs: number;
  requestTimeoutMs: number;
  /** set-element prefix, unique per run */
  tag: string;
  /**
   * sync before each read that a checker holds to real time. An ensemble member serves reads
   * from its own state, which may lag the leader (sequential consistency, as in ZooKeeper):
   * only sync + read is linearizable there.
   */
  syncReads: boolean;
}

export interface Recorded {
  ops: OpRecord[];
  adds: SetAdd[];
  ephemerals: Ephemeral[];
  observations: Observation[];
  expiredAtMs: Map<bigint, number>;
  aliveAtMs: Map<bigint, number>;
  watchStreams: Map<number, WatchLogEntry[]>;
  /** errors that were neither an answer nor a connection problem: worth a look */
  surprises: string[];
}

const now = (): number => performance.now();

/** Definite answers: the server decided and nothing changed (besides BADVERSION, a read of the version). */
function definite(e: unknown): boolean {
  return e instanceof BadVersionError || e instanceof NoNodeError || e instanceof NodeExistsError;
}

class Worker {
  client: Client | undefined;

  constructor(
    private readonly o: WorkloadOptions,
    private readonly rec: Recorded,
    private readonly name: string,
  ) {}

  async session(): Promise<Client> {
    if (this.client && this.client.state !== 'expired' && this.client.state !== 'closed') return this.client;
    if (this.client) await this.client.close().catch(() => undefined);
    const client = await connect({ servers: this.o.servers(), sessionTimeoutMs: this.o.sessionTimeoutMs, requestTimeoutMs: this.o.requestTimeoutMs, connectTimeoutMs: 3000 });
    const id = client.sessionId;
    client.on('state', (ev) => {
      if (ev.state === 'expired' && !this.rec.expiredAtMs.has(id)) this.rec.expiredAtMs.set(id, now());
    });
    this.client = client;
    return client;
  }

  alive(session: bigint, invokeMs: number): void {
    if ((this.rec.aliveAtMs.get(session) ?? -1) < invokeMs) this.rec.aliveAtMs.set(session, invokeMs);
  }

  async close(): Promise<void> {
    await this.client?.close().catch(() => undefined);
  }

  surprise(what: string, e: unknown): void {
    if (this.rec.surprises.length < 50) this.rec.surprises.push(`${this.name} ${what}: ${(e as Error).name}: ${(e as Error).message}`);
  }
}

export class Workload {
  readonly rec: Recorded = {
    ops: [],
    adds: [],
    ephemerals: [],
    observations: [],
    expiredAtMs: new Map(),
    aliveAtMs: new Map(),
    watchStreams: new Map(),
    surprises: [],
  };
  private readonly history = new HistoryRecorder(now);
  private stopping = false;
  private readonly workers: Worker[] = [];
  private setCounter = 0;

  constructor(
    private readonly o: WorkloadOptions,
    private readonly rnd: Random,
  ) {
    this.rec.ops = this.history.ops;
  }

  /** Creates the register znodes and the parents (before any fault). */
  /**
   * Creates the znodes the workers use. Retried on connection problems until `timeoutMs`: an
   * ensemble that just formed on a loaded machine may still be syncing a member (NOTSERVING).
   */
  async setup(timeoutMs = 60_000): Promise<void> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      try {
        const c = await connect({ servers: this.o.servers(), sessionTimeoutMs: this.o.sessionTimeoutMs });
        try {
          for (const p of ['/set', '/eph', ...this.o.keys]) await c.create(p, '').catch((e: unknown) => (e instanceof NodeExistsError ? undefined : Promise.reject(e)));
          return;
        } finally {
          await c.close().catch(() => undefined);
        }
      } catch (e) {
        if (!isConnectionProblem(e) || performance.now() > until) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Runs every worker until stop(); resolves when all have finished their last operation. */
  run(): Promise<void> {
    const loops: Array<Promise<void>> = [];
    for (let i = 0; i < this.o.registerWorkers; i++) loops.push(this.registerLoop(i));
    loops.push(this.ephemeralLoop(), this.watchLoop(this.o.registerWorkers + 2));
    return Promise.all(loops).then(() => undefined);
  }

  stop(): void {
    this.stopping = true;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }

  private worker(name: string): Worker {
    const w = new Worker(this.o, this.rec, name);
    this.workers.push(w);
    return w;
  }

  /** Waits a little between operations of a worker (keeps the load bounded on 2 cores). */
  private async pace(): Promise<void> {
    await new Promise((r) => setTimeout(r, this.rnd.int(0, 15)));
  }

  private async connectOrWait(w: Worker): Promise<Client | undefined> {
    try {
      return await w.session();
    } catch {
      // the server is down or cut off: try again shortly
      await new Promise((r) => setTimeout(r, 100));
      return undefined;
    }
  }

  private async registerLoop(p: number): Promise<void> {
    const w = this.worker(`register-${p}`);
    const versions = new Map<string, number>();
    while (!this.stopping) {
      const c = await this.connectOrWait(w);
      if (!c) continue;
      if (this.rnd.chance(0.15)) await this.addElement(c, w);
      else await this.registerOp(c, w, p, versions);
      await this.pace();
    }
  }

  private async registerOp(c: Client, w: Worker, p: number, versions: Map<string, number>): Promise<void> {
    const key = this.rnd.pick(this.o.keys);
    const roll = this.rnd.next();
    const session = c.sessionId;
    if (roll < 0.4) {
      const op = this.history.invoke(p, key, { f: 'read' }, session);
      try {
        if (this.o.syncReads) await c.sync(key);
        const { data, stat } = await c.getData(key);
        this.history.ok(op, { value: data.toString(), version: stat.version }, { seenZxid: c.lastZxid });
        versions.set(key, stat.version);
        w.alive(session, op.invokeMs);
      } catch (e) {
        if (definite(e)) this.history.fail(op, (e as Error).name);
        else this.history.unknown(op, (e as Error).name);
      }
      return;
    }
    const value = `${p}-${op0(this.history.ops.length)}`;
    const cas = roll >= 0.7;
    const expectedVersion = this.rnd.chance(0.8) ? (versions.get(key) ?? 0) : this.rnd.int(0, 5);
    const op = this.history.invoke(p, key, cas ? { f: 'cas', expectedVersion, value } : { f: 'write', value }, session);
    try {
      const stat = await c.setData(key, value, cas ? { version: expectedVersion } : {});
      this.history.ok(op, { version: stat.version }, { zxid: stat.mzxid, seenZxid: c.lastZxid });
      versions.set(key, stat.version);
      w.alive(session, op.invokeMs);
    } catch (e) {
      if (e instanceof BadVersionError) {
        this.history.fail(op, e.name, { badVersion: true }, c.lastZxid);
        w.alive(session, op.invokeMs);
      } else if (definite(e)) this.history.fail(op, (e as Error).name);
      else this.history.unknown(op, (e as Error).name);
    }
  }

  private async addElement(c: Client, w: Worker): Promise<void> {
    const element = `e-${this.o.tag}-${this.setCounter++}`;
    const add: SetAdd = { element, outcome: 'unknown' };
    this.rec.adds.push(add);
    try {
      await c.create(`/set/${element}`, '');
      add.outcome = 'ok';
    } catch (e) {
      if (definite(e)) add.outcome = 'failed';
      else if (!isConnectionProblem(e)) w.surprise('create', e);
    }
  }

  private async ephemeralLoop(): Promise<void> {
    const owner = this.worker('ephemeral-owner');
    const observer = this.worker('ephemeral-observer');
    let n = 0;
    const mine: Ephemeral[] = [];
    while (!this.stopping) {
      const c = await this.connectOrWait(owner);
      if (!c) continue;
      const session = c.sessionId;
      // create one, sometimes delete an older one of this session
      const path = `/eph/${this.o.tag}-${n++}`;
      const invoke = now();
      try {
        await c.create(path, '', { mode: 'ephemeral' });
        const e: Ephemeral = { path, owner: session, createdMs: now() };
        this.rec.ephemerals.push(e);
        mine.push(e);
        owner.alive(session, invoke);
      } catch (e) {
        // An unknown create may exist or not: its owner is known, so only its deletion rule
        // cannot be judged without a createdMs; it is left out of the check.
        if (!isConnectionProblem(e) && !definite(e)) owner.surprise('create ephemeral', e);
      }
      const live = mine.filter((e) => e.owner === session && e.ownerDeleteInvokeMs === undefined);
      if (live.length > 3) {
        const victim = live[0]!;
        victim.ownerDeleteInvokeMs = now();
        await c.delete(victim.path).then(
          () => owner.alive(session, victim.ownerDeleteInvokeMs!),
          () => undefined,
        );
      }
      // the observer looks at a few recent ephemerals
      const oc = await this.connectOrWait(observer);
      if (oc) {
        for (const e of this.rec.ephemerals.slice(-4)) {
          const invokeMs = now();
          try {
            if (this.o.syncReads) await oc.sync(e.path);
            const stat = await oc.exists(e.path);
            const obs: Observation = { path: e.path, invokeMs, returnMs: now(), present: stat !== null };
            if (stat) obs.owner = stat.ephemeralOwner;
            this.rec.observations.push(obs);
          } catch (err) {
            if (!isConnectionProblem(err)) observer.surprise('exists', err);
          }
        }
      }
      await new Promise((r) => setTimeout(r, this.rnd.int(20, 80)));
    }
  }

  private async watchLoop(id: number): Promise<void> {
    const watcher = this.worker('watcher');
    const stream: WatchLogEntry[] = [];
    this.rec.watchStreams.set(id, stream);
    let watchedBy: Client | undefined;
    const registered = new Set<string>();
    while (!this.stopping) {
      const c = await this.connectOrWait(watcher);
      if (!c) continue;
      if (watchedBy !== c) {
        // a new session: the old one's watches ended where it last saw the ensemble
        if (watchedBy) stream.push({ kind: 'end', zxid: watchedBy.lastZxid });
        watchedBy = c;
        registered.clear();
      }
      if (registered.size < this.o.keys.length) {
        // Each key once per session (a second addWatch would add a second listener).
        try {
          for (const key of this.o.keys.filter((k) => !registered.has(k))) {
            await c.addWatch(key, 'persistent', {
              listener: (ev) => {
                // 'None' events report the session, not a change
                if (ev.type !== 'None') stream.push({ kind: 'event', path: ev.path, type: ev.type, zxid: ev.zxid });
              },
            });
            registered.add(key);
            stream.push({ kind: 'watch', path: key, fromZxid: c.lastZxid });
          }
        } catch (e) {
          if (!isConnectionProblem(e)) watcher.surprise('addWatch', e);
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
      }
      const key = this.rnd.pick(this.o.keys);
      try {
        const { stat } = await c.getData(key);
        stream.push({ kind: 'data', path: key, mzxid: stat.mzxid });
      } catch (e) {
        if (!isConnectionProblem(e)) watcher.surprise('getData', e);
      }
      await new Promise((r) => setTimeout(r, this.rnd.int(10, 40)));
    }
    // Catch up before ending: sync, then everything acknowledged so far has been seen.
    const c = watchedBy;
    if (c && c.state !== 'expired' && c.state !== 'closed') {
      try {
        await c.sync('/');
        for (const key of this.o.keys) {
          const { stat } = await c.getData(key);
          stream.push({ kind: 'data', path: key, mzxid: stat.mzxid });
        }
        stream.push({ kind: 'end', zxid: c.lastZxid });
      } catch {
        // without a final position the last watch window is not judged
      }
    }
  }

  /** Final reads of every register and of the set, through a fresh session, after healing. */
  async finalReads(servers: string): Promise<string[]> {
    const c = await connect({ servers, sessionTimeoutMs: this.o.sessionTimeoutMs, requestTimeoutMs: 20_000 });
    try {
      await c.sync('/');
      for (const key of this.o.keys) {
        const op = this.history.invoke(-1, key, { f: 'read' }, c.sessionId);
        const { data, stat } = await c.getData(key);
        this.history.ok(op, { value: data.toString(), version: stat.version }, { seenZxid: c.lastZxid });
      }
      return await c.getChildren('/set');
    } finally {
      await c.close();
    }
  }
}

function op0(n: number): string {
  return n.toString(36);
}

export function isConnectionProblem(e: unknown): boolean {
  const name = (e as Error)?.name ?? '';
  return /ConnectionLoss|OutcomeUnknown|Timeout|SessionExpired|NotServing|ServerBehind|Abort|Closed|SessionMoved/.test(name);
}
