/**
 * The request pipeline: prep -> [replicate] -> persist -> apply -> fire watches -> reply.
 *
 * Its job is order. Every request of a connection gets a slot in that connection's queue;
 * replies leave strictly in slot order (FIFO per session). Writes are prepared as soon as
 * nothing unexecuted stands before them (so many writes pipeline through one fsync), and
 * are answered when the replicator commits them. A read runs only when every earlier slot of
 * its connection is done, and always synchronously right after the commit that unblocked
 * it, so it sees exactly the writes sent before it and none sent after it.
 *
 * Watch events for a committed txn are handed to connections before the reply of the
 * request that caused it, and before any later reply, which is what gives "watch before
 * data" on the single ordered stream.
 *
 * This module is pure: no clock, no timers, no I/O. Time arrives as `nowMs` arguments,
 * replication is an injected `propose` effect whose result comes back through `commit()`.
 * The same code serves a standalone server (propose = persist, then commit) and, later, a
 * Zab leader (propose = broadcast, commit on quorum).
 *
 * Invariants: txns are proposed in zxid order and must be committed in that order; a reply
 * is only ever sent for a txn after commit(), i.e. after it is durable.
 */
import { Code } from '../../proto/codes.js';
import { assert } from '../base/assert.js';
import { LimitExceededError, type Limits } from '../base/limits.js';
import { epochOf, makeZxid, counterOf, type Zxid } from '../base/zxid.js';
import type { DataTree } from '../tree/data-tree.js';
import { authFromAddAuth } from '../tree/acl.js';
import { validatePath } from '../tree/path.js';
import type { AuthInfo, OpResult, SessionId, TxnEntry } from '../tree/types.js';
import type { WatchEventOut, WatchManager } from '../watch/watch-manager.js';
import type { ClientOp, ReadOp, SessionOp, WriteOp } from './ops.js';
import { isWriteOp } from './ops.js';
import type { ForwardedAnswer, ForwardedRequest } from './forwarded.js';
import type { Prepper } from './prep.js';
import { executeRead, type ReadResult } from './read.js';

/** What a reply carries besides its code. */
export type ReplyBody =
  | { kind: 'op'; result: OpResult }
  | { kind: 'read'; result: ReadResult }
  | { kind: 'sync'; path: string }
  | { kind: 'whoAmI'; ids: AuthInfo[] }
  | { kind: 'multiFailed'; codes: number[] }
  | { kind: 'empty' };

export type Outgoing =
  | { kind: 'response'; xid: number; zxid: Zxid; err: number; message: string; body: ReplyBody }
  | { kind: 'event'; type: WatchEventOut['type']; path: string; zxid: Zxid }
  | { kind: 'pong'; nonce: bigint; zxid: Zxid }
  | { kind: 'connected'; sessionId: SessionId; password: Uint8Array; timeoutMs: number; zxid: Zxid; readOnly?: boolean }
  | { kind: 'closed'; err: number; message: string };

/** One client stream, as the pipeline sees it. The rpc edge implements it. */
export interface Connection {
  readonly id: number;
  readonly clientIp: string;
  /** identities the transport proved (a verified TLS client certificate: x509), held from the start */
  readonly identities?: readonly AuthInfo[];
  /** Queue a frame to the client. Must not throw and must not call back into the pipeline. */
  send(out: Outgoing): void;
  /** End the stream after the frames already sent. */
  end(): void;
}

export interface PipelineOptions {
  limits: Limits;
  superDigest?: string;
  extendedTypesEnabled: boolean;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** Called for every txn to replicate and persist; its commit comes back via commit(). */
  propose(entry: TxnEntry): void;
  /** A learner's writes and syncs go to the leader through this (see forwarded.ts). */
  forward?(req: ForwardedRequest): void;
  /**
   * Asked before any write is prepared or forwarded: a reason while writes must be refused
   * (the disk is full), which the request gets as NOTREADONLY with that message; undefined
   * to go on. Reads, watches and pings are unaffected.
   */
  refuseWrites?: () => string | undefined;
  /** Session bookkeeping at the edge (expiry tracking). */
  sessionOpened(id: SessionId, timeoutMs: number): void;
  sessionClosed(id: SessionId): void;
}

type Slot =
  | { kind: 'write'; xid: number; op: WriteOp; state: SlotState; reply?: Outgoing; endsConnection?: boolean }
  | { kind: 'other'; xid: number; op: ReadOp | SessionOp | { op: 'ping'; nonce: bigint } | SetWatchesOp; state: SlotState; reply?: Outgoing };
type SlotState = 'waiting' | 'inflight' | 'done';

export interface SetWatchesOp {
  op: 'setWatches';
  relativeZxid: Zxid;
  data: string[];
  exist: string[];
  child: string[];
  persistent: string[];
  persistentRecursive: string[];
}

interface ConnState {
  conn: Connection;
  sessionId: SessionId;
  auth: AuthInfo[];
  queue: Slot[];
  /** slots before this index have been started (prepared, executed or answered) */
  started: number;
  inflight: number;
  closing: boolean;
}

type InternalCallback = (err: number, message: string, result?: OpResult, zxid?: Zxid) => void;

interface PendingTxn {
  zxid: Zxid;
  conn?: ConnState;
  slot?: Slot;
  internal?: InternalCallback;
  /** set when its connection went away: the session whose later reads must wait for it */
  orphanOf?: SessionId;
  /**
   * Requests refused by prep while this txn was the newest proposal: the refusal may rest on
   * it (a BADVERSION against its new version), so it is answered only once it commits.
   */
  held?: Array<{ conn: ConnState; slot: Slot; reply: () => Outgoing }>;
  /** the same for a learner's forwarded requests: refusals sent once this txn commits */
  heldRefusals?: Array<() => void>;
  /** a forwarded request (learner): matched to its txn by session and cxid */
  sessionId?: SessionId;
  cxid?: number;
}

interface PendingSync {
  conn: ConnState;
  slot: Slot;
  sessionId: SessionId;
  cxid: number;
  /** the leader's answer: answer the client once applied this far */
  zxid?: Zxid;
}

/**
 * 'leader' prepares and proposes (a standalone server too); 'learner' forwards every write
 * and sync to the leader and only applies what it is told is committed.
 */
export type PipelineRole = 'leader' | 'learner' | 'readOnly';

/** Why a read-only server refuses writes and syncs (ZooKeeper answers NOTREADONLY too). */
export const READ_ONLY_REFUSAL = 'read-only mode: this server is cut off from its quorum and serves reads only';

export interface ConnectRequest {
  sessionId: SessionId;
  password: Uint8Array;
  timeoutMs: number;
  lastZxidSeen: Zxid;
}

export class RequestPipeline {
  private readonly conns = new Map<number, ConnState>();
  private readonly bySession = new Map<SessionId, ConnState>();
  /** proposed, not yet committed, in zxid order */
  private readonly pending: PendingTxn[] = [];
  private lastProposed: Zxid;
  private outstanding = 0;
  /**
   * Writes still in flight from a session's earlier connection. FIFO is per session, not
   * per connection: a read on the session's new connection must not run before them
   * (ZooKeeper's CommitProcessor orders by session the same way).
   */
  private readonly orphanWrites = new Map<SessionId, number>();
  private role: PipelineRole = 'leader';
  /** learner: writes forwarded to the leader, not yet committed or refused */
  private readonly forwarded: PendingTxn[] = [];
  /** learner: syncs forwarded to the leader, not yet answered */
  private readonly syncs: PendingSync[] = [];

  constructor(
    private readonly tree: DataTree,
    private readonly prepper: Prepper,
    private readonly watches: WatchManager,
    private readonly opts: PipelineOptions,
    epoch: number,
  ) {
    assert(epoch > epochOf(tree.lastZxid) || tree.lastZxid === 0n, 'a new epoch must be above the last zxid');
    this.lastProposed = makeZxid(epoch, 0);
  }

  get lastApplied(): Zxid {
    return this.tree.lastZxid;
  }

  get outstandingRequests(): number {
    return this.outstanding;
  }

  connectionCount(): number {
    return this.conns.size;
  }

  /** Connections with their session and queue depth, for the admin `cons` command. */
  describeConnections(): Array<{ id: number; clientIp: string; sessionId: SessionId; queued: number }> {
    return [...this.conns.values()].map((c) => ({ id: c.conn.id, clientIp: c.conn.clientIp, sessionId: c.sessionId, queued: c.queue.length }));
  }

  isConnected(session: SessionId): boolean {
    return this.bySession.has(session);
  }

  // ------------------------------------------------------------------ handshake

  /**
   * A client's first frame. New sessions go through a createSession txn, so every replica
   * (and a restarted server) knows them; resumed sessions are checked against the tree.
   */
  connect(conn: Connection, req: ConnectRequest, newPassword: Uint8Array, newSessionId: () => SessionId, nowMs: number): void {
    if (this.refusedAsBehind(conn, req)) return;
    if (req.sessionId === 0n) {
      const timeoutMs = this.negotiateTimeout(req.timeoutMs);
      const sessionId = newSessionId();
      this.submitInternal(sessionId, { op: 'createSession', timeoutMs, password: newPassword }, nowMs, (err, message) => {
        if (err !== Code.OK) {
          conn.send({ kind: 'closed', err, message });
          conn.end();
          return;
        }
        this.opts.sessionOpened(sessionId, timeoutMs);
        this.attach(conn, sessionId);
        conn.send({ kind: 'connected', sessionId, password: newPassword, timeoutMs, zxid: this.tree.lastZxid });
      });
      return;
    }
    const session = this.tree.sessions().get(req.sessionId);
    if (!session || this.closingSessions.has(req.sessionId)) {
      conn.send({ kind: 'closed', err: Code.SESSIONEXPIRED, message: `session 0x${req.sessionId.toString(16)} has expired` });
      conn.end();
      return;
    }
    if (!bytesEqual(session.password, req.password)) {
      conn.send({ kind: 'closed', err: Code.AUTHFAILED, message: 'wrong session password' });
      conn.end();
      return;
    }
    this.takeOver(req.sessionId);
    this.attach(conn, req.sessionId);
    conn.send({ kind: 'connected', sessionId: req.sessionId, password: session.password, timeoutMs: session.timeoutMs, zxid: this.tree.lastZxid });
  }

  /** Single system image: a server behind what the client has seen refuses it (it tries another). */
  private refusedAsBehind(conn: Connection, req: ConnectRequest): boolean {
    if (req.lastZxidSeen <= this.tree.lastZxid) return false;
    conn.send({
      kind: 'closed',
      err: Code.SERVERBEHIND,
      message: `server is at zxid 0x${this.tree.lastZxid.toString(16)}, behind the client's 0x${req.lastZxidSeen.toString(16)}; try another server`,
    });
    conn.end();
    return true;
  }

  /**
   * The session moved to a new stream: the old one gets nothing more (its requests are lost
   * to it, which its client sees as a connection loss).
   */
  private takeOver(sessionId: SessionId): void {
    const previous = this.bySession.get(sessionId);
    if (!previous) return;
    this.disconnect(previous.conn.id);
    previous.conn.end();
  }

  private readonly closingSessions = new Set<SessionId>();
  /** read-only mode: sessions made here, known to no other server and never persisted */
  private readonly localSessions = new Map<SessionId, Uint8Array>();

  /**
   * A client that accepts a read-only server, while this one serves in read-only mode. A new
   * session is local to this server (as in ZooKeeper, the client gets a real one once it
   * reaches a server with a quorum); a session the tree knows is resumed read-only. A
   * session this server has never heard of may live on the quorum's side: the client is
   * sent on to another server rather than told it expired.
   */
  connectReadOnly(conn: Connection, req: ConnectRequest, newPassword: Uint8Array, newSessionId: () => SessionId): void {
    assert(this.role === 'readOnly', 'read-only connections only in read-only mode');
    if (this.refusedAsBehind(conn, req)) return;
    let sessionId = req.sessionId;
    let password: Uint8Array;
    let timeoutMs = this.negotiateTimeout(req.timeoutMs);
    if (sessionId === 0n) {
      sessionId = newSessionId();
      password = newPassword;
      this.localSessions.set(sessionId, password);
    } else {
      const known = this.tree.sessions().get(sessionId);
      const local = this.localSessions.get(sessionId);
      if (!known && !local) {
        conn.send({ kind: 'closed', err: Code.NOTSERVING, message: `read-only server does not know session 0x${sessionId.toString(16)}; try another server` });
        conn.end();
        return;
      }
      password = known?.password ?? local!;
      if (known) timeoutMs = known.timeoutMs;
      if (!bytesEqual(password, req.password)) {
        conn.send({ kind: 'closed', err: Code.AUTHFAILED, message: 'wrong session password' });
        conn.end();
        return;
      }
      this.takeOver(sessionId);
      if (local) this.localSessions.set(sessionId, local);
    }
    this.attach(conn, sessionId);
    conn.send({ kind: 'connected', sessionId, password, timeoutMs, zxid: this.tree.lastZxid, readOnly: true });
  }

  private negotiateTimeout(requested: number): number {
    return Math.min(this.opts.maxSessionTimeoutMs, Math.max(this.opts.minSessionTimeoutMs, requested));
  }

  private attach(conn: Connection, sessionId: SessionId): void {
    const state: ConnState = { conn, sessionId, auth: [...(conn.identities ?? [])], queue: [], started: 0, inflight: 0, closing: false };
    this.conns.set(conn.id, state);
    this.bySession.set(sessionId, state);
  }

  /** The client's stream ended. Its session lives on until it expires or is closed. */
  disconnect(connId: number): void {
    const state = this.conns.get(connId);
    if (!state) return;
    this.conns.delete(connId);
    // A read-only session lives as long as its connection (its client starts a new one).
    this.localSessions.delete(state.sessionId);
    if (this.bySession.get(state.sessionId) === state) {
      this.bySession.delete(state.sessionId);
      // Watches belong to the connection, as in ZooKeeper; the client re-sends them.
      this.watches.removeSession(state.sessionId);
    }
    this.outstanding -= state.queue.length;
    // Writes already proposed still commit; their replies have nowhere to go.
    for (const p of [...this.pending, ...this.forwarded]) {
      if (p.conn === state) {
        p.conn = undefined;
        p.slot = undefined;
        p.orphanOf = state.sessionId;
        this.orphanWrites.set(state.sessionId, (this.orphanWrites.get(state.sessionId) ?? 0) + 1);
      }
    }
    state.queue.length = 0;
    for (let i = this.syncs.length - 1; i >= 0; i--) if (this.syncs[i]!.conn === state) this.syncs.splice(i, 1);
  }

  sessionOf(connId: number): SessionId | undefined {
    return this.conns.get(connId)?.sessionId;
  }

  // ------------------------------------------------------------------ requests

  /** A request frame from an attached connection. */
  submit(connId: number, xid: number, op: ClientOp | { op: 'ping'; nonce: bigint } | SetWatchesOp, nowMs: number): void {
    const state = this.conns.get(connId);
    if (!state || state.closing) return;
    const limits = this.opts.limits;
    if (state.queue.length >= 2 * limits.sessionOutstandingMax) {
      // Even its refusals pile up unread: a client this far over is not waiting for replies.
      state.conn.send({ kind: 'closed', err: Code.LIMITEXCEEDED, message: `limit sessionOutstandingMax=${limits.sessionOutstandingMax} exceeded twice over; closing the connection` });
      state.conn.end();
      this.disconnect(connId);
      return;
    }
    if (state.queue.length >= limits.sessionOutstandingMax || this.outstanding >= limits.outstandingRequestsMax) {
      const [name, value] =
        state.queue.length >= limits.sessionOutstandingMax
          ? ['sessionOutstandingMax', limits.sessionOutstandingMax]
          : ['globalOutstandingLimit', limits.outstandingRequestsMax];
      this.reject(connId, xid, Code.LIMITEXCEEDED, new LimitExceededError(name, value, 'too many requests in flight').message, nowMs);
      return;
    }
    const slot: Slot =
      op.op !== 'ping' && op.op !== 'setWatches' && isWriteOp(op)
        ? { kind: 'write', xid, op, state: 'waiting' }
        : { kind: 'other', xid, op: op as Exclude<typeof op, WriteOp>, state: 'waiting' };
    if (slot.kind === 'write' && op.op === 'closeSession') state.closing = true;
    state.queue.push(slot);
    this.outstanding++;
    this.pump(state, nowMs);
  }

  /** Answer a request with an error, in its place in the connection's order. */
  reject(connId: number, xid: number, err: number, message: string, nowMs: number): void {
    const state = this.conns.get(connId);
    if (!state) return;
    state.queue.push({ kind: 'other', xid, op: { op: 'ping', nonce: 0n }, state: 'done', reply: this.errorReply(xid, err, message) });
    this.outstanding++;
    this.pump(state, nowMs);
  }

  /**
   * A server-originated write (session expiry, TTL/container reaping). Its outcome goes to
   * `done`, after commit.
   */
  submitInternal(sessionId: SessionId, op: WriteOp, nowMs: number, done?: InternalCallback): void {
    const refusal = this.opts.refuseWrites?.();
    if (refusal !== undefined) {
      done?.(Code.NOTREADONLY, refusal);
      return;
    }
    if (op.op === 'closeSession') {
      if (this.closingSessions.has(sessionId)) return;
      this.closingSessions.add(sessionId);
    }
    if (this.role === 'learner') {
      this.forwarded.push({ zxid: 0n, internal: done ?? (() => {}), sessionId, cxid: 0 });
      this.opts.forward?.({ kind: 'write', sessionId, cxid: 0, op, auth: [{ scheme: 'super', id: 'warden' }], clientIp: '' });
      return;
    }
    const zxid = this.nextZxid();
    const outcome = this.prepper.prepare(op, {
      zxid,
      timeMs: nowMs,
      sessionId,
      auth: [{ scheme: 'super', id: 'warden' }],
      limits: this.opts.limits,
      superDigest: this.opts.superDigest,
      extendedTypesEnabled: this.opts.extendedTypesEnabled,
    });
    if (!outcome.ok) {
      if (op.op === 'closeSession') this.closingSessions.delete(sessionId);
      done?.(outcome.err, outcome.message);
      return;
    }
    this.lastProposed = zxid;
    this.pending.push({ zxid, internal: done ?? (() => {}) });
    this.opts.propose({ header: { sessionId, cxid: 0, zxid, timeMs: nowMs }, txn: outcome.txn });
  }

  private nextZxid(): Zxid {
    assert(counterOf(this.lastProposed) < 0xffff_ffff, 'zxid counter exhausted: a new epoch is needed');
    return this.lastProposed + 1n;
  }

  /**
   * The replicator says this txn is durable (on a quorum). Apply it, fire its watches,
   * answer its request, and run whatever it unblocked.
   */
  commit(entry: TxnEntry, nowMs: number): void {
    const first = this.pending[0];
    let head: PendingTxn;
    if (first !== undefined && first.zxid === entry.header.zxid) {
      head = this.pending.shift()!;
    } else {
      // Not one of ours: a learner's forwarded request (or another server's), or history
      // committed by a new leader before it proposes anything itself.
      assert(first === undefined || first.zxid > entry.header.zxid, `commit out of order: got 0x${entry.header.zxid.toString(16)}, expected 0x${first?.zxid.toString(16)}`);
      head = this.takeForwarded(entry.header.sessionId, entry.header.cxid) ?? { zxid: entry.header.zxid };
    }
    const { result, triggers } = this.tree.apply(entry);
    this.prepper.applied(entry.header.zxid);

    if (triggers.length > 0) {
      for (const ev of this.watches.trigger(triggers)) {
        this.bySession.get(ev.sessionId)?.conn.send({ kind: 'event', type: ev.type, path: ev.path, zxid: ev.zxid });
      }
    }

    if (entry.txn.type === 'closeSession') this.sessionEnded(entry.header.sessionId, head);

    if (head.orphanOf !== undefined) this.orphanCommitted(head.orphanOf, nowMs);

    const err = result.type === 'error' ? result.err : Code.OK;
    if (head.internal) head.internal(err, err === Code.OK ? '' : 'failed', result, entry.header.zxid);
    if (head.conn && head.slot) {
      const state = head.conn;
      head.slot.state = 'done';
      head.slot.reply = this.replyFor(head.slot.xid, entry.header.zxid, result);
      state.inflight--;
      this.pump(state, nowMs);
      if (entry.txn.type === 'closeSession') {
        state.conn.send({ kind: 'closed', err: Code.OK, message: 'session closed' });
        state.conn.end();
        this.disconnect(state.conn.id);
      }
    }
    for (const h of head.held ?? []) {
      if (this.conns.get(h.conn.conn.id) !== h.conn) continue; // disconnected meanwhile
      h.slot.state = 'done';
      h.slot.reply = h.reply();
      h.conn.inflight--;
      this.pump(h.conn, nowMs);
    }
    for (const refuse of head.heldRefusals ?? []) refuse();
    if (this.syncs.length > 0) this.answerSyncs(nowMs);
  }

  private takeForwarded(sessionId: SessionId, cxid: number): PendingTxn | undefined {
    const i = this.forwarded.findIndex((p) => p.sessionId === sessionId && p.cxid === cxid);
    return i < 0 ? undefined : this.forwarded.splice(i, 1)[0];
  }

  // ------------------------------------------------------------------ roles

  get currentRole(): PipelineRole {
    return this.role;
  }

  /** This server now leads `epoch` (or is standalone): it prepares and proposes from zxid (epoch, 1). */
  becomeLeader(epoch: number): void {
    this.role = 'leader';
    this.prepper.reset();
    const start = makeZxid(epoch, 0);
    if (start > this.lastProposed) this.lastProposed = start;
  }

  /** This server now follows or observes: writes and syncs go to the leader. */
  becomeLearner(): void {
    this.role = 'learner';
    this.prepper.reset();
  }

  /**
   * No quorum, and read-only mode is on: clients that accept it are served reads from this
   * tree as it stands; writes and syncs are refused with NOTREADONLY. Call stopServing()
   * first (so no write is in flight) and again when the quorum is back.
   */
  becomeReadOnly(): void {
    this.role = 'readOnly';
  }

  /**
   * The server stopped serving (it lost its leader or its quorum): fail everything in
   * flight and drop every client connection, so clients move to a server that serves.
   * Sessions live on in the tree.
   */
  stopServing(reason = 'server lost its leader'): void {
    this.localSessions.clear();
    this.abandonPending(reason);
    for (const state of [...this.conns.values()]) {
      state.conn.send({ kind: 'closed', err: Code.CONNECTIONLOSS, message: `${reason}; reconnect` });
      state.conn.end();
      this.disconnect(state.conn.id);
    }
  }

  /** The leader refused a forwarded request at prep, or answered a forwarded sync. */
  answered(a: ForwardedAnswer, nowMs: number): void {
    if (a.kind === 'synced') {
      const sync = this.syncs.find((s) => s.sessionId === a.sessionId && s.cxid === a.cxid && s.zxid === undefined);
      if (sync) sync.zxid = a.zxid;
      this.answerSyncs(nowMs);
      return;
    }
    const p = this.takeForwarded(a.sessionId, a.cxid);
    if (!p) return;
    if (p.orphanOf !== undefined) this.orphanCommitted(p.orphanOf, nowMs);
    p.internal?.(a.err, a.message);
    if (p.conn && p.slot && p.slot.kind === 'write') {
      const state = p.conn;
      p.slot.state = 'done';
      p.slot.reply = a.multiCodes
        ? { kind: 'response', xid: p.slot.xid, zxid: this.tree.lastZxid, err: a.err, message: a.message, body: { kind: 'multiFailed', codes: a.multiCodes } }
        : this.errorReply(p.slot.xid, a.err, a.message);
      if (p.slot.op.op === 'closeSession') {
        state.closing = false;
        this.closingSessions.delete(state.sessionId);
      }
      state.inflight--;
      this.pump(state, nowMs);
    }
  }

  /** Syncs whose answer has been applied here are done. */
  private answerSyncs(nowMs: number): void {
    for (let i = 0; i < this.syncs.length; ) {
      const s = this.syncs[i]!;
      if (s.zxid === undefined || s.zxid > this.tree.lastZxid) {
        i++;
        continue;
      }
      this.syncs.splice(i, 1);
      s.slot.state = 'done';
      s.slot.reply = this.okReply(s.slot.xid, { kind: 'sync', path: (s.slot.op as { path: string }).path });
      s.conn.inflight--;
      this.pump(s.conn, nowMs);
    }
  }

  /**
   * Leader: a learner's forwarded write. Prepared here against every pending change, then
   * proposed; the learner answers its client when the txn commits. A refusal goes back
   * through `refuse`.
   */
  submitForwarded(req: Extract<ForwardedRequest, { kind: 'write' }>, nowMs: number, refuse: (err: number, message: string, multiCodes?: number[]) => void): void {
    if (this.role !== 'leader') {
      refuse(Code.CONNECTIONLOSS, 'not the leader');
      return;
    }
    const refusal = this.opts.refuseWrites?.();
    if (refusal !== undefined) {
      refuse(Code.NOTREADONLY, refusal);
      return;
    }
    if (req.op.op === 'closeSession') {
      if (this.closingSessions.has(req.sessionId)) {
        refuse(Code.SESSIONEXPIRED, `session 0x${req.sessionId.toString(16)} is already closing`);
        return;
      }
    }
    const zxid = this.nextZxid();
    const outcome = this.prepper.prepare(req.op, {
      zxid,
      timeMs: nowMs,
      sessionId: req.sessionId,
      auth: req.auth,
      clientIp: req.clientIp,
      limits: this.opts.limits,
      superDigest: this.opts.superDigest,
      extendedTypesEnabled: this.opts.extendedTypesEnabled,
    });
    if (!outcome.ok) {
      const answer = (): void => refuse(outcome.err, outcome.message, outcome.multiResults);
      // As for local requests: a refusal may rest on a change not committed yet; the
      // learner must not answer it before that change reaches it.
      const newest = this.pending.at(-1);
      if (newest) (newest.heldRefusals ??= []).push(answer);
      else answer();
      return;
    }
    if (req.op.op === 'closeSession') this.closingSessions.add(req.sessionId);
    this.lastProposed = zxid;
    this.pending.push({ zxid, internal: () => {} });
    this.opts.propose({ header: { sessionId: req.sessionId, cxid: req.cxid, zxid, timeMs: nowMs }, txn: outcome.txn });
  }

  /** Leader: the zxid a learner's sync must reach (everything proposed so far). */
  get lastProposedZxid(): Zxid {
    return this.lastProposed > this.tree.lastZxid ? this.lastProposed : this.tree.lastZxid;
  }

  private orphanCommitted(sessionId: SessionId, nowMs: number): void {
    const left = (this.orphanWrites.get(sessionId) ?? 1) - 1;
    if (left > 0) {
      this.orphanWrites.set(sessionId, left);
      return;
    }
    this.orphanWrites.delete(sessionId);
    const state = this.bySession.get(sessionId);
    if (state) this.pump(state, nowMs);
  }

  private sessionEnded(sessionId: SessionId, head: PendingTxn): void {
    this.closingSessions.delete(sessionId);
    this.opts.sessionClosed(sessionId);
    const state = this.bySession.get(sessionId);
    if (state && head.conn !== state) {
      // Closed by the server (expiry): tell the client, then drop its stream.
      state.conn.send({ kind: 'closed', err: Code.SESSIONEXPIRED, message: `session 0x${sessionId.toString(16)} expired` });
      state.conn.end();
      this.disconnect(state.conn.id);
    }
    this.watches.removeSession(sessionId);
  }

  /**
   * Proposals whose outcome this server will not see (a leader change, or a log write that
   * met a full disk): fail their requests with a connection loss, so their clients treat
   * the outcome as unknown (never as a success or a failure).
   */
  abandonPending(reason = 'leader changed'): void {
    this.orphanWrites.clear();
    for (const s of this.syncs.splice(0)) {
      s.conn.conn.send({ kind: 'closed', err: Code.CONNECTIONLOSS, message: `${reason}; reconnect` });
      s.conn.conn.end();
      this.disconnect(s.conn.conn.id);
    }
    for (const p of [...this.pending.splice(0), ...this.forwarded.splice(0)]) {
      p.internal?.(Code.CONNECTIONLOSS, reason);
      for (const c of [p.conn, ...(p.held ?? []).map((h) => h.conn)]) {
        if (!c || this.conns.get(c.conn.id) !== c) continue;
        c.conn.send({ kind: 'closed', err: Code.CONNECTIONLOSS, message: `${reason}; reconnect` });
        c.conn.end();
        this.disconnect(c.conn.id);
      }
    }
    this.prepper.reset();
    this.lastProposed = this.tree.lastZxid > this.lastProposed ? this.tree.lastZxid : this.lastProposed;
  }

  // ------------------------------------------------------------------ ordering

  private pump(state: ConnState, nowMs: number): void {
    while (state.started < state.queue.length) {
      const slot = state.queue[state.started];
      assert(slot !== undefined, 'slot index in range');
      if (slot.state !== 'waiting') {
        state.started++;
        continue;
      }
      if (slot.kind === 'write') {
        this.startWrite(state, slot, nowMs);
      } else if (slot.op.op === 'sync' && this.role === 'learner') {
        // sync: ask the leader how far to catch up, after every earlier request of the session.
        if (state.inflight > 0 || this.orphanWrites.has(state.sessionId)) break;
        const valid = validatePath(slot.op.path, { pathBytesMax: this.opts.limits.pathBytesMax });
        if (!valid.ok) {
          slot.reply = this.errorReply(slot.xid, Code.BADARGUMENTS, valid.message);
          slot.state = 'done';
        } else {
          slot.state = 'inflight';
          state.inflight++;
          this.syncs.push({ conn: state, slot, sessionId: state.sessionId, cxid: slot.xid });
          this.opts.forward?.({ kind: 'sync', sessionId: state.sessionId, cxid: slot.xid });
        }
      } else {
        // A read must see every earlier write of its session and none of the later ones.
        if (state.inflight > 0 || this.orphanWrites.has(state.sessionId)) break;
        slot.reply = this.executeOther(state, slot.xid, slot.op);
        slot.state = 'done';
      }
      state.started++;
    }
    while (state.queue.length > 0 && state.queue[0]?.state === 'done') {
      const slot = state.queue.shift()!;
      state.started--;
      this.outstanding--;
      if (slot.reply) state.conn.send(slot.reply);
      if (slot.kind === 'write' && slot.endsConnection) {
        state.conn.send({ kind: 'closed', err: Code.OK, message: 'session closed' });
        state.conn.end();
        this.disconnect(state.conn.id);
        return;
      }
    }
  }

  private startWrite(state: ConnState, slot: Extract<Slot, { kind: 'write' }>, nowMs: number): void {
    if (this.role === 'readOnly') {
      slot.state = 'done';
      if (slot.op.op !== 'closeSession') {
        slot.reply = this.errorReply(slot.xid, Code.NOTREADONLY, READ_ONLY_REFUSAL);
        return;
      }
      // Nothing to commit: a local session just ends; a real one lives on at the quorum
      // until it expires there (as when a client closes while disconnected).
      slot.reply = this.replyFor(slot.xid, this.tree.lastZxid, { type: 'closeSession', deletedPaths: [] });
      slot.endsConnection = true;
      this.localSessions.delete(state.sessionId);
      return;
    }
    const refusal = this.opts.refuseWrites?.();
    if (refusal !== undefined) {
      slot.state = 'done';
      slot.reply = this.errorReply(slot.xid, Code.NOTREADONLY, refusal);
      if (slot.op.op === 'closeSession') state.closing = false;
      return;
    }
    if (this.role === 'learner') {
      if (slot.op.op === 'closeSession') this.closingSessions.add(state.sessionId);
      slot.state = 'inflight';
      state.inflight++;
      this.forwarded.push({ zxid: 0n, conn: state, slot, sessionId: state.sessionId, cxid: slot.xid });
      this.opts.forward?.({ kind: 'write', sessionId: state.sessionId, cxid: slot.xid, op: slot.op, auth: [...state.auth], clientIp: state.conn.clientIp });
      return;
    }
    const zxid = this.nextZxid();
    const outcome = this.prepper.prepare(slot.op, {
      zxid,
      timeMs: nowMs,
      sessionId: state.sessionId,
      auth: state.auth,
      clientIp: state.conn.clientIp,
      limits: this.opts.limits,
      superDigest: this.opts.superDigest,
      extendedTypesEnabled: this.opts.extendedTypesEnabled,
    });
    if (!outcome.ok) {
      const codes = outcome.multiResults;
      const reply = (): Outgoing =>
        codes
          ? { kind: 'response', xid: slot.xid, zxid: this.tree.lastZxid, err: outcome.err, message: outcome.message, body: { kind: 'multiFailed', codes } }
          : this.errorReply(slot.xid, outcome.err, outcome.message);
      if (slot.op.op === 'closeSession') state.closing = false;
      const newest = this.pending.at(-1);
      if (newest) {
        // Prep saw uncommitted changes. Answering now would show another session a state
        // that is not committed yet (and may never be): a BADVERSION read back before the
        // write it saw. Hold the answer until everything it may rest on has committed.
        slot.state = 'inflight';
        state.inflight++;
        (newest.held ??= []).push({ conn: state, slot, reply });
        return;
      }
      slot.state = 'done';
      slot.reply = reply();
      return;
    }
    if (slot.op.op === 'closeSession') this.closingSessions.add(state.sessionId);
    this.lastProposed = zxid;
    slot.state = 'inflight';
    state.inflight++;
    this.pending.push({ zxid, conn: state, slot });
    this.opts.propose({ header: { sessionId: state.sessionId, cxid: slot.xid, zxid, timeMs: nowMs }, txn: outcome.txn });
  }

  private executeOther(state: ConnState, xid: number, op: Extract<Slot, { kind: 'other' }>['op']): Outgoing {
    const zxid = this.tree.lastZxid;
    switch (op.op) {
      case 'ping':
        return { kind: 'pong', nonce: op.nonce, zxid };
      case 'sync': {
        const valid = validatePath(op.path, { pathBytesMax: this.opts.limits.pathBytesMax });
        if (!valid.ok) return this.errorReply(xid, Code.BADARGUMENTS, valid.message);
        // There is no leader to catch up with: saying "synced" would be a lie.
        if (this.role === 'readOnly') return this.errorReply(xid, Code.NOTREADONLY, READ_ONLY_REFUSAL);
        // Standalone (and a leader): everything committed is already applied here.
        return this.okReply(xid, { kind: 'sync', path: op.path });
      }
      case 'whoAmI': {
        const ids: AuthInfo[] = [{ scheme: 'ip', id: state.conn.clientIp }, ...state.auth];
        return this.okReply(xid, { kind: 'whoAmI', ids });
      }
      case 'addAuth': {
        const res = authFromAddAuth(op.scheme, op.auth, this.opts.superDigest);
        if (!res.ok) return this.errorReply(xid, res.err, res.message);
        for (const id of res.ids) {
          if (state.auth.some((a) => a.scheme === id.scheme && a.id === id.id)) continue;
          if (state.auth.length >= this.opts.limits.authInfosMax) {
            return this.errorReply(xid, Code.LIMITEXCEEDED, new LimitExceededError('authInfosMax', this.opts.limits.authInfosMax).message);
          }
          state.auth.push(id);
        }
        return this.okReply(xid, { kind: 'empty' });
      }
      case 'addWatch': {
        const valid = validatePath(op.path, { pathBytesMax: this.opts.limits.pathBytesMax });
        if (!valid.ok) return this.errorReply(xid, Code.BADARGUMENTS, valid.message);
        return this.guardLimit(xid, () => {
          this.watches.add(state.sessionId, op.path, op.mode);
          return this.okReply(xid, { kind: 'empty' });
        });
      }
      case 'removeWatches': {
        const valid = validatePath(op.path, { pathBytesMax: this.opts.limits.pathBytesMax });
        if (!valid.ok) return this.errorReply(xid, Code.BADARGUMENTS, valid.message);
        if (!this.watches.remove(state.sessionId, op.path, op.kind)) {
          return this.errorReply(xid, Code.NOWATCHER, `no ${op.kind} watch on ${op.path}`);
        }
        return this.okReply(xid, { kind: 'empty' });
      }
      case 'setWatches': {
        return this.guardLimit(xid, () => {
          const events = this.watches.setWatches(state.sessionId, op.relativeZxid, op, this.tree);
          for (const ev of events) state.conn.send({ kind: 'event', type: ev.type, path: ev.path, zxid: ev.zxid });
          return this.okReply(xid, { kind: 'empty' });
        });
      }
      default: {
        const outcome = executeRead(this.tree, op, {
          sessionId: state.sessionId,
          auth: state.auth,
          clientIp: state.conn.clientIp,
          limits: this.opts.limits,
        });
        if (!outcome.ok) return this.errorReply(xid, outcome.err, outcome.message);
        if (outcome.watch) {
          const w = outcome.watch;
          return this.guardLimit(xid, () => {
            this.watches.add(state.sessionId, w.path, w.kind);
            return this.okReply(xid, { kind: 'read', result: outcome.result });
          });
        }
        return this.okReply(xid, { kind: 'read', result: outcome.result });
      }
    }
  }

  private guardLimit(xid: number, run: () => Outgoing): Outgoing {
    try {
      return run();
    } catch (e) {
      if (e instanceof LimitExceededError) return this.errorReply(xid, Code.LIMITEXCEEDED, e.message);
      throw e;
    }
  }

  private replyFor(xid: number, zxid: Zxid, result: OpResult): Outgoing {
    if (result.type === 'error') return { kind: 'response', xid, zxid, err: result.err, message: 'failed', body: { kind: 'empty' } };
    return { kind: 'response', xid, zxid, err: Code.OK, message: '', body: { kind: 'op', result } };
  }

  private okReply(xid: number, body: ReplyBody): Outgoing {
    return { kind: 'response', xid, zxid: this.tree.lastZxid, err: Code.OK, message: '', body };
  }

  private errorReply(xid: number, err: number, message: string): Outgoing {
    return { kind: 'response', xid, zxid: this.tree.lastZxid, err, message, body: { kind: 'empty' } };
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
