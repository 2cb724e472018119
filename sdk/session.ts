/**
 * The session engine behind a Client: it owns the current connection, the requests in
 * flight, the local watch table, pings and reconnects.
 *
 * Invariants:
 * - Frames of one connection are handled strictly in arrival order and synchronously, so a
 *   watch callback runs before the promise of any later response settles ("watch before
 *   data"), and a watch is registered locally before the next frame is looked at.
 * - Requests are sent in call order; many may be in flight (pipelining); replies are
 *   matched by xid.
 * - A write that was sent and met a connection loss fails with OutcomeUnknownError and is
 *   never sent again by this layer. Requests not yet sent wait for the next connection.
 * - After a reconnect, before any queued request: the auth identities again, then
 *   SetWatches with the last zxid seen, so the server fires what changed meanwhile.
 * - `expired` and `closed` are final: every pending call fails, every watcher gets a
 *   `None` event with that state, and the connection is dropped.
 */
import pRetry, { AbortError } from 'p-retry';
import { performance } from 'node:perf_hooks';
import { randomInt } from 'node:crypto';
import { Code } from '../proto/codes.js';
import { encodeClose, encodePing, encodeRequest, encodeSetWatches, type RequestOp, type ServerMessage } from './codec.js';
import { Connection, formatAddress, probeReadWrite, type Hello } from './connection.js';
import {
  AuthFailedError,
  ClientClosedError,
  ConnectionLossError,
  LimitExceededError,
  OperationTimeoutError,
  OutcomeUnknownError,
  SessionExpiredError,
  WardenError,
} from './errors.js';
import type { ResolvedOptions, ServerAddress } from './options.js';
import { StateHub, type StateEvent } from './states.js';
import type { ConnectionState, WatchEvent, Watcher } from './types.js';
import { WatchRegistry } from './watches.js';
import { Chroot } from './chroot.js';

export type Response = Extract<ServerMessage, { kind: 'response' }>;

interface Pending {
  op: RequestOp | { op: 'setWatches' } | { op: 'close' };
  write: boolean;
  /** counts against maxPendingRequests (internal frames do not) */
  user: boolean;
  xid: number;
  sent: boolean;
  abandoned: boolean;
  /** Runs synchronously in frame order with the reply. */
  reply(msg: Response): void;
  fail(err: WardenError): void;
}

/**
 * The client's state now (see `client.state`): 'connecting' until the first handshake,
 * then 'connected' or 'disconnected' (trying to reconnect); 'closing' during `close()`;
 * 'expired' or 'closed' once the session has ended (final).
 */
export type Phase = 'connecting' | 'connected' | 'disconnected' | 'closing' | 'expired' | 'closed';

/** The read-only client's search for a read-write server: first pause, longest pause, one probe's budget. */
const READ_WRITE_SEARCH_MIN_MS = 100;
const READ_WRITE_SEARCH_MAX_MS = 60_000;
const READ_WRITE_PROBE_TIMEOUT_MS = 2000;

const WRITE_OPS = new Set(['create', 'delete', 'setData', 'setACL', 'multi']);

/** Refusals that no other attempt can change: the session is gone or not ours. */
function isFinal(err: unknown): boolean {
  return err instanceof SessionExpiredError || err instanceof AuthFailedError;
}

export class Session {
  readonly watches = new WatchRegistry();
  readonly states = new StateHub();
  /** Watch tables hold server paths; events are handed out with the client's paths. */
  readonly chroot: Chroot;

  private phase: Phase = 'connecting';
  private conn: Connection | undefined;
  private server: ServerAddress | undefined;
  private sessionId: bigint;
  private password: Uint8Array;
  private timeoutMs: number;
  private zxid = 0n;
  private nextXid = 1;
  private pingNonce = 0n;
  private serverIndex: number;
  private readonly inflight = new Map<number, Pending>();
  private readonly queue: Pending[] = [];
  private userPending = 0;
  private readonly auth: Array<{ scheme: string; auth: Uint8Array }>;
  private pingTimer: NodeJS.Timeout | undefined;
  /** connected to a server in read-only mode (no quorum): reads only, and searching for a read-write one */
  private readOnly = false;
  /**
   * A session a read-only server made is known to that server alone: until a read-write
   * server has been seen, every handshake asks for a new session (ZooKeeper's rule).
   */
  private seenReadWrite: boolean;
  private rwSearch: NodeJS.Timeout | undefined;
  private lastHeardAt = 0;
  private disconnectedAt: { wallMs: number; monoMs: number } | undefined;
  private readonly lifetime = new AbortController();
  private closeWaiter: (() => void) | undefined;
  private markEnded!: () => void;
  /** Resolves once the session is final (closed or expired). */
  readonly ended = new Promise<void>((resolve) => (this.markEnded = resolve));

  constructor(private readonly opts: ResolvedOptions) {
    this.chroot = new Chroot(opts.chroot);
    this.sessionId = opts.sessionId;
    this.password = opts.sessionPassword;
    this.seenReadWrite = opts.sessionId !== 0n;
    this.timeoutMs = opts.sessionTimeoutMs;
    this.auth = opts.auth.map((a) => ({ ...a }));
    this.serverIndex = opts.shuffleServers ? randomInt(opts.servers.length) : 0;
  }

  // ------------------------------------------------------------------ read-only facts

  get state(): Phase {
    return this.phase;
  }
  get id(): bigint {
    return this.sessionId;
  }
  get sessionPassword(): Uint8Array {
    return this.password;
  }
  get sessionTimeoutMs(): number {
    return this.timeoutMs;
  }
  get lastZxid(): bigint {
    return this.zxid;
  }
  get isReadOnly(): boolean {
    return this.readOnly && this.phase === 'connected';
  }
  get currentServer(): string | undefined {
    return this.conn && this.phase === 'connected' && this.server ? formatAddress(this.server) : undefined;
  }
  get disconnectedAtMs(): number | undefined {
    return this.disconnectedAt?.wallMs;
  }
  get disconnectedForMs(): number | undefined {
    return this.disconnectedAt ? performance.now() - this.disconnectedAt.monoMs : undefined;
  }
  get pendingRequests(): number {
    return this.userPending;
  }

  // ------------------------------------------------------------------ start and stop

  /** The first handshake: tries the servers until `connectTimeoutMs`, then fails. */
  async start(): Promise<void> {
    const deadline = performance.now() + this.opts.connectTimeoutMs;
    const outer = this.opts.signal;
    const onOuterAbort = (): void => {
      void this.close();
    };
    if (outer?.aborted) throw outer.reason;
    let lastError: unknown;
    const attemptSignal = outer ? AbortSignal.any([outer, this.lifetime.signal]) : this.lifetime.signal;
    try {
      await pRetry(
        async () => {
          const left = deadline - performance.now();
          if (left <= 0) throw new AbortError(this.connectFailure(lastError));
          try {
            await this.handshakeRound(Math.max(1, left), attemptSignal);
          } catch (e) {
            lastError = e;
            if (e instanceof SessionExpiredError || e instanceof AuthFailedError) throw new AbortError(e);
            if (performance.now() >= deadline) throw new AbortError(this.connectFailure(e));
            throw e;
          }
        },
        {
          retries: Infinity,
          minTimeout: this.opts.reconnectMinDelayMs,
          maxTimeout: this.opts.reconnectMaxDelayMs,
          factor: 2,
          randomize: true,
          signal: attemptSignal,
          // The caller awaits connect(): the wait between attempts must keep the process
          // alive, or a script whose server is briefly down exits (code 13) mid-connect.
          unref: false,
          shouldRetry: ({ error }) => this.phase === 'connecting' && !isFinal(error),
        },
      );
    } catch (e) {
      this.shutdown('closed', e instanceof Error ? e : undefined, new ClientClosedError('connect() failed'));
      if (outer?.aborted) throw outer.reason;
      throw e;
    }
    outer?.addEventListener('abort', onOuterAbort, { once: true });
  }

  private connectFailure(last: unknown): Error {
    if (last instanceof WardenError && !(last instanceof ConnectionLossError)) return last;
    const list = this.opts.servers.map(formatAddress).join(',');
    return new ConnectionLossError(`could not connect to any of ${list} within ${this.opts.connectTimeoutMs} ms`, { cause: last });
  }

  /**
   * One pass over the server list, starting after the last server used, each with a
   * handshake deadline. Resolves on the first handshake; rejects with the last refusal.
   * SERVERBEHIND and unreachable servers just move the pass on.
   */
  private async handshakeRound(budgetMs: number, signal: AbortSignal): Promise<void> {
    const n = this.opts.servers.length;
    let last: unknown;
    for (let i = 0; i < n; i++) {
      if (signal.aborted) throw new AbortError(new ClientClosedError());
      const addr = this.opts.servers[this.serverIndex % n]!;
      this.serverIndex = (this.serverIndex + 1) % n;
      const perServer = Math.max(1000, Math.min(budgetMs, Math.floor(this.timeoutMs / n)));
      try {
        const { conn, hello } = await Connection.open(
          addr,
          {
            sessionId: this.seenReadWrite ? this.sessionId : 0n,
            password: this.seenReadWrite ? this.password : new Uint8Array(0),
            timeoutMs: this.opts.sessionTimeoutMs,
            lastZxidSeen: this.zxid,
            readOnly: this.opts.canBeReadOnly,
          },
          perServer,
          signal,
          this.opts.tls,
        );
        if (this.phase === 'closing' || this.phase === 'closed' || this.phase === 'expired') {
          conn.close();
          throw new AbortError(new ClientClosedError());
        }
        this.established(conn, addr, hello);
        return;
      } catch (e) {
        if (e instanceof AbortError || e instanceof SessionExpiredError || e instanceof AuthFailedError) throw e;
        last = e;
      }
    }
    throw last;
  }

  private established(conn: Connection, addr: ServerAddress, hello: Hello): void {
    const sameSession = this.sessionId !== 0n && this.sessionId === hello.sessionId;
    const wasDisconnected = this.phase === 'disconnected';
    this.readOnly = hello.readOnly;
    if (!hello.readOnly) this.seenReadWrite = true;
    this.conn = conn;
    this.server = addr;
    this.sessionId = hello.sessionId;
    this.password = hello.password;
    this.timeoutMs = hello.timeoutMs;
    this.phase = 'connected';
    this.disconnectedAt = undefined;
    this.lastHeardAt = performance.now();
    conn.attach({
      message: (msg) => this.onMessage(conn, msg),
      ended: (reason) => this.onEnded(conn, reason),
    });
    // Before anything queued: who we are, then what we watch.
    for (const a of this.auth) this.sendInternal({ op: 'addAuth', scheme: a.scheme, auth: a.auth });
    // Also on a new session that replaces a read-only one: the watches carry over.
    if (!this.watches.isEmpty()) this.sendSetWatches();
    for (const p of this.queue.splice(0)) if (!p.abandoned) this.transmit(p);
    this.startPings();
    if (hello.readOnly) {
      this.startReadWriteSearch();
      this.emit('connectedReadOnly');
    } else {
      this.stopReadWriteSearch();
      this.emit(wasDisconnected && sameSession ? 'reconnected' : 'connected');
    }
  }

  /**
   * Ends the session: sends CloseSession and waits (bounded) for the server's answer, so
   * the session's ephemerals are gone when this resolves. Idempotent.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.phase === 'closing') return this.ended;
    if (this.phase === 'closed' || this.phase === 'expired') return;
    const deadline = performance.now() + timeoutMs;
    // Disconnected from a session the ensemble knows: reach a server to end it now, as
    // ZooKeeper's client does, instead of leaving its ephemerals until the timeout.
    const reach = this.phase === 'disconnected' && this.seenReadWrite && this.sessionId !== 0n;
    let conn = this.phase === 'connected' ? this.conn : undefined;
    this.phase = 'closing';
    this.lifetime.abort(new ClientClosedError());
    if (!conn && reach) conn = await this.reachToClose(deadline);
    if (conn && conn.isOpen) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
        this.closeWaiter = () => {
          clearTimeout(timer);
          resolve();
        };
        const xid = this.nextXid++;
        this.inflight.set(xid, {
          op: { op: 'close' },
          write: true,
          user: false,
          xid,
          sent: true,
          abandoned: false,
          reply: () => this.closeWaiter?.(),
          fail: () => this.closeWaiter?.(),
        });
        conn.send(encodeClose(xid));
      });
    }
    this.shutdown('closed', undefined, new ClientClosedError());
  }

  /**
   * close() while disconnected: one pass over the servers with the session's id and
   * password, within the close's deadline. The connection is only used to send the close;
   * nothing queued is sent and no watch is re-set. Undefined when no server took it (the
   * session then ends at its timeout, as before).
   */
  private async reachToClose(deadline: number): Promise<Connection | undefined> {
    const n = this.opts.servers.length;
    for (let i = 0; i < n; i++) {
      const left = Math.floor(deadline - performance.now());
      if (left <= 0) return undefined;
      const addr = this.opts.servers[this.serverIndex % n]!;
      this.serverIndex = (this.serverIndex + 1) % n;
      try {
        const { conn } = await Connection.open(
          addr,
          { sessionId: this.sessionId, password: this.password, timeoutMs: this.opts.sessionTimeoutMs, lastZxidSeen: this.zxid, readOnly: false },
          Math.min(left, Math.max(1000, Math.floor(this.timeoutMs / n))),
          AbortSignal.timeout(left),
          this.opts.tls,
        );
        this.conn = conn;
        conn.attach({
          message: (msg) => this.onMessage(conn, msg),
          ended: (reason) => this.onEnded(conn, reason),
        });
        return conn;
      } catch {
        // expired meanwhile, behind, unreachable: the next server, or the timeout ends it
      }
    }
    return undefined;
  }

  /** Final: fail everything, tell every watcher, drop the connection, emit the state. */
  private shutdown(state: 'closed' | 'expired', reason: Error | undefined, failWith: WardenError): void {
    if (this.phase === 'closed' || this.phase === 'expired') return;
    this.phase = state;
    this.stopReadWriteSearch();
    this.lifetime.abort(failWith);
    this.stopPings();
    this.conn?.close();
    this.conn = undefined;
    this.failAll(() => failWith, true);
    const zxid = this.zxid;
    for (const w of this.watches.clear()) this.callWatcher(w, { type: 'None', path: '', zxid, state });
    this.emit(state, reason);
    this.markEnded();
  }

  // ------------------------------------------------------------------ requests

  /**
   * Sends a request (or queues it until connected) and settles with `complete(reply)`,
   * which runs synchronously in frame order (that is where watches get registered).
   */
  submit<T>(op: RequestOp, complete: (msg: Response) => T, signal: AbortSignal | undefined, timeoutMs: number): Promise<T> {
    if (this.phase === 'expired') return Promise.reject(new SessionExpiredError(`session 0x${this.sessionId.toString(16)} has expired`));
    if (this.phase === 'closed' || this.phase === 'closing') return Promise.reject(new ClientClosedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.userPending >= this.opts.maxPendingRequests) {
      return Promise.reject(new LimitExceededError(`limit maxPendingRequests=${this.opts.maxPendingRequests} exceeded: too many requests in flight or waiting for a connection`));
    }
    const write = WRITE_OPS.has(op.op);
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (p.user) {
          p.user = false;
          this.userPending--;
        }
      };
      const giveUp = (err: unknown): void => {
        if (p.abandoned) return;
        p.abandoned = true;
        cleanup();
        const i = this.queue.indexOf(p);
        if (i >= 0) this.queue.splice(i, 1);
        reject(err);
      };
      const onAbort = (): void => giveUp(signal!.reason);
      const p: Pending = {
        op,
        write,
        user: true,
        xid: 0,
        sent: false,
        abandoned: false,
        reply: (msg) => {
          if (p.abandoned) return;
          p.abandoned = true;
          cleanup();
          try {
            resolve(complete(msg));
          } catch (e) {
            reject(e);
          }
        },
        fail: (err) => {
          if (p.abandoned) return;
          p.abandoned = true;
          cleanup();
          reject(err);
        },
      };
      this.userPending++;
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          const path = 'path' in op ? op.path : undefined;
          giveUp(
            new OperationTimeoutError(`${op.op}${path ? ` ${path}` : ''} got no answer within ${timeoutMs} ms${p.sent && write ? '; it may or may not have been applied' : ''}`, {
              path,
              outcomeUnknown: p.sent && write,
            }),
          );
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.phase === 'connected') this.transmit(p);
      else this.queue.push(p);
    });
  }

  /** Remembers an identity so that every later connection presents it again. */
  rememberAuth(scheme: string, auth: Uint8Array): void {
    if (this.auth.some((a) => a.scheme === scheme && Buffer.compare(a.auth, auth) === 0)) return;
    this.auth.push({ scheme, auth });
  }

  private transmit(p: Pending): void {
    const conn = this.conn!;
    p.xid = this.nextXid++;
    p.sent = true;
    this.inflight.set(p.xid, p);
    conn.send(encodeRequest(p.xid, p.op as RequestOp));
  }

  private sendInternal(op: RequestOp): void {
    const xid = this.nextXid++;
    this.inflight.set(xid, { op, write: false, user: false, xid, sent: true, abandoned: false, reply: () => {}, fail: () => {} });
    this.conn!.send(encodeRequest(xid, op));
  }

  private sendSetWatches(): void {
    const xid = this.nextXid++;
    this.inflight.set(xid, {
      op: { op: 'setWatches' },
      write: false,
      user: false,
      xid,
      sent: true,
      abandoned: false,
      reply: (msg) => {
        if (msg.err !== Code.OK) process.emitWarning(`re-registering watches failed: ${msg.message}`, 'WardenWatchWarning');
      },
      fail: () => {},
    });
    this.conn!.send(encodeSetWatches(xid, this.zxid, this.watches.lists()));
  }

  // ------------------------------------------------------------------ frames

  private onMessage(conn: Connection, msg: ServerMessage): void {
    if (conn !== this.conn) return;
    this.lastHeardAt = performance.now();
    switch (msg.kind) {
      case 'response': {
        this.seen(msg.zxid);
        const p = this.inflight.get(msg.xid);
        if (!p) return;
        this.inflight.delete(msg.xid);
        p.reply(msg);
        return;
      }
      case 'event': {
        this.seen(msg.zxid);
        const event: WatchEvent = { type: msg.type, path: this.chroot.toClient(msg.path), zxid: msg.zxid };
        for (const w of this.watches.materialize(msg)) this.callWatcher(w, event);
        return;
      }
      case 'pong':
        this.seen(msg.zxid);
        return;
      case 'closed':
        if (msg.err === Code.OK) this.closeWaiter?.();
        return;
      case 'connected':
        return;
    }
  }

  private seen(zxid: bigint): void {
    if (zxid > this.zxid) this.zxid = zxid;
  }

  callWatcher(w: Watcher, event: WatchEvent): void {
    try {
      w(event);
    } catch (e) {
      process.emitWarning(`a watcher threw: ${(e as Error).message}`, 'WardenWatcherWarning');
    }
  }

  private onEnded(conn: Connection, reason: WardenError): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    this.stopPings();
    if (this.phase === 'closing') {
      this.closeWaiter?.();
      return;
    }
    if (reason instanceof SessionExpiredError || reason instanceof AuthFailedError) {
      this.shutdown('expired', reason, reason instanceof SessionExpiredError ? reason : new SessionExpiredError(reason.message, { cause: reason }));
      return;
    }
    this.lostConnection(reason);
  }

  private lostConnection(reason: WardenError): void {
    if (this.phase !== 'connected') return;
    this.phase = 'disconnected';
    this.stopReadWriteSearch();
    this.disconnectedAt = { wallMs: Date.now(), monoMs: performance.now() };
    this.failAll(
      (p) =>
        p.write
          ? new OutcomeUnknownError(`connection lost after ${p.op.op}${'path' in p.op ? ` ${p.op.path}` : ''} was sent; it may or may not have been applied`, {
              path: 'path' in p.op ? p.op.path : undefined,
              cause: reason,
            })
          : new ConnectionLossError(`connection lost before ${p.op.op} was answered: ${reason.message}`, { path: 'path' in p.op ? p.op.path : undefined, cause: reason }),
      false,
    );
    this.emit('disconnected', reason);
    void this.reconnect();
  }

  /** Fails requests in flight; with `queued` also those waiting for a connection. */
  private failAll(errorFor: (p: Pending) => WardenError, queued: boolean): void {
    const inflight = [...this.inflight.values()];
    this.inflight.clear();
    for (const p of inflight) p.fail(errorFor(p));
    if (queued) for (const p of this.queue.splice(0)) p.fail(errorFor(p));
  }

  private async reconnect(): Promise<void> {
    try {
      await pRetry(() => this.handshakeRound(this.timeoutMs, this.lifetime.signal), {
        retries: Infinity,
        minTimeout: this.opts.reconnectMinDelayMs,
        maxTimeout: this.opts.reconnectMaxDelayMs,
        factor: 2,
        randomize: true,
        signal: this.lifetime.signal,
        // A client that is not closed keeps its process alive, connected (its channel does)
        // or not: a program awaiting a call across a server restart must not just exit.
        unref: false,
        shouldRetry: ({ error }) => this.phase === 'disconnected' && !isFinal(error),
      });
    } catch (e) {
      if (this.phase !== 'disconnected') return;
      if (e instanceof SessionExpiredError || e instanceof AuthFailedError) {
        this.shutdown('expired', e, e instanceof SessionExpiredError ? e : new SessionExpiredError(e.message, { cause: e }));
      } else {
        this.shutdown('closed', e instanceof Error ? e : undefined, new ClientClosedError('reconnecting failed', { cause: e }));
      }
    }
  }

  // ------------------------------------------------------------------ pings

  private startPings(): void {
    this.stopPings();
    // Check often (a sixth of the timeout), ping every third: a dead or frozen server is
    // noticed soon after 2/3 of the timeout, while the session can still be saved elsewhere
    // (and before a frozen server, once resumed, would count the session as expired).
    const pingEvery = this.timeoutMs / 3;
    const deadAfter = (this.timeoutMs * 2) / 3;
    let lastPing = performance.now();
    this.pingTimer = setInterval(() => {
      const conn = this.conn;
      if (!conn || this.phase !== 'connected') return;
      const now = performance.now();
      if (now - this.lastHeardAt > deadAfter) {
        conn.close();
        this.conn = undefined;
        this.stopPings();
        this.lostConnection(new ConnectionLossError(`no answer from ${formatAddress(conn.address)} for ${Math.round(now - this.lastHeardAt)} ms`));
        return;
      }
      if (now - lastPing >= pingEvery) {
        lastPing = now;
        conn.send(encodePing(++this.pingNonce));
      }
    }, Math.max(10, Math.floor(this.timeoutMs / 6)));
    this.pingTimer.unref();
  }

  private stopPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  // ------------------------------------------------------------------ read-only servers

  /**
   * While on a read-only server: ask the other servers, with a growing pause (100 ms up to
   * a minute, as ZooKeeper's client), whether one takes writes; move there when one does.
   */
  private startReadWriteSearch(): void {
    this.stopReadWriteSearch();
    let pauseMs = READ_WRITE_SEARCH_MIN_MS;
    const round = async (): Promise<void> => {
      this.rwSearch = undefined;
      const n = this.opts.servers.length;
      for (let i = 0; i < n; i++) {
        const idx = (this.serverIndex + i) % n;
        const addr = this.opts.servers[idx]!;
        if (!this.readOnly || this.phase !== 'connected') return;
        if (this.server && formatAddress(addr) === formatAddress(this.server)) continue;
        if (!(await probeReadWrite(addr, READ_WRITE_PROBE_TIMEOUT_MS, this.opts.tls))) continue;
        const conn = this.conn;
        if (!this.readOnly || this.phase !== 'connected' || !conn) return;
        this.serverIndex = idx;
        conn.close();
        this.conn = undefined;
        this.stopPings();
        this.lostConnection(new ConnectionLossError(`leaving read-only server ${formatAddress(conn.address)} for read-write server ${formatAddress(addr)}`));
        return;
      }
      pauseMs = Math.min(READ_WRITE_SEARCH_MAX_MS, pauseMs * 2);
      this.scheduleReadWriteSearch(round, pauseMs);
    };
    this.scheduleReadWriteSearch(round, pauseMs);
  }

  private scheduleReadWriteSearch(round: () => Promise<void>, pauseMs: number): void {
    if (!this.readOnly || this.phase !== 'connected') return;
    this.rwSearch = setTimeout(() => void round(), pauseMs);
    this.rwSearch.unref();
  }

  private stopReadWriteSearch(): void {
    if (this.rwSearch) clearTimeout(this.rwSearch);
    this.rwSearch = undefined;
  }

  // ------------------------------------------------------------------ states

  private emit(state: ConnectionState, reason?: Error): void {
    const event: StateEvent = {
      state,
      sessionId: this.sessionId,
      sessionTimeoutMs: this.timeoutMs,
      server: this.server ? formatAddress(this.server) : undefined,
      lastZxid: this.zxid,
    };
    if (state === 'disconnected' && this.disconnectedAt) event.disconnectedAtMs = this.disconnectedAt.wallMs;
    if (reason) event.reason = reason;
    this.states.emit(event);
  }
}
