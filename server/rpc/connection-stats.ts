/**
 * Per-connection counters for the admin `cons`/`stat` commands, request latency for the
 * metrics, and a log line for every refused request that points at a misbehaving client.
 *
 * The client service calls opened/received/sent/closed around each frame; this module
 * pairs a request with its response by xid (replies leave in request order, so a small
 * map per connection is enough) and reports the latency to ServerMetrics. It decides
 * nothing about the protocol and never throws into the request path.
 *
 * Misuse warnings are rate limited (a client hammering the server with bad requests must
 * not turn the log into its amplifier): at most MISUSE_LINES_PER_WINDOW lines per window,
 * then one line saying how many were suppressed.
 */
import { performance } from 'node:perf_hooks';
import { Code, codeName } from '../../proto/codes.js';
import type { Logger } from '../base/log.js';
import type { ServerMetrics } from '../base/server-metrics.js';
import type { Outgoing } from '../request/pipeline.js';
import { isWriteOp, type ClientOp } from '../request/ops.js';

/** Codes that say the client did something wrong, not that the data said no. */
const MISUSE_CODES: ReadonlySet<number> = new Set([
  Code.NOAUTH,
  Code.AUTHFAILED,
  Code.INVALIDACL,
  Code.BADARGUMENTS,
  Code.MARSHALLINGERROR,
  Code.UNIMPLEMENTED,
  Code.LIMITEXCEEDED,
]);
const MISUSE_LINES_PER_WINDOW = 20;
const MISUSE_WINDOW_MS = 10_000;
/** Requests remembered per connection while awaiting their reply (bounded like its queue). */
const PENDING_MAX = 20_000;

export interface ConnectionInfo {
  id: number;
  remoteAddress: string;
  sessionId?: bigint;
  secure: boolean;
  establishedAtMs: number;
  packetsReceived: number;
  packetsSent: number;
  outstandingRequests: number;
  lastOperation: string;
  lastLatencyMs: number;
  minLatencyMs: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  lastResponseAtMs: number;
}

interface Conn {
  info: ConnectionInfo;
  pending: Map<number, { at: number; write: boolean; op: string }>;
  answered: number;
  latencyTotal: number;
}

export class ConnectionStats {
  private readonly conns = new Map<number, Conn>();
  private windowStart = 0;
  private linesInWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly metrics: ServerMetrics,
    private readonly log: Logger,
    private readonly nowMs: () => number = () => performance.now(),
    private readonly wallMs: () => number = () => Date.now(),
  ) {}

  opened(id: number, remoteAddress: string, secure: boolean): void {
    this.conns.set(id, {
      info: {
        id,
        remoteAddress,
        secure,
        establishedAtMs: this.wallMs(),
        packetsReceived: 0,
        packetsSent: 0,
        outstandingRequests: 0,
        lastOperation: 'NA',
        lastLatencyMs: -1,
        minLatencyMs: -1,
        avgLatencyMs: 0,
        maxLatencyMs: -1,
        lastResponseAtMs: 0,
      },
      pending: new Map(),
      answered: 0,
      latencyTotal: 0,
    });
  }

  /** A connection was refused before it could carry requests (the caller logs why). */
  rejected(): void {
    this.metrics.connectionRejected();
  }

  /** A decoded frame arrived. `xid` and `op` only for requests that get a response. */
  received(id: number, xid?: number, op?: ClientOp | { op: 'closeSession' | 'setWatches' }): void {
    this.metrics.packetReceived();
    const c = this.conns.get(id);
    if (!c) return;
    c.info.packetsReceived++;
    if (xid === undefined || op === undefined || c.pending.size >= PENDING_MAX) return;
    const write = op.op === 'closeSession' || (op.op !== 'setWatches' && isWriteOp(op as ClientOp));
    c.pending.set(xid, { at: this.nowMs(), write, op: op.op });
    c.info.outstandingRequests = c.pending.size;
  }

  /** Whom a connection belongs to, once its handshake is answered. */
  attached(id: number, sessionId: bigint): void {
    const c = this.conns.get(id);
    if (c) c.info.sessionId = sessionId;
  }

  sent(id: number, out: Outgoing): void {
    this.metrics.packetSent();
    const c = this.conns.get(id);
    if (!c) return;
    c.info.packetsSent++;
    if (out.kind === 'connected') c.info.sessionId = out.sessionId;
    // Connections closed for misuse are logged where they are closed (client-service).
    if (out.kind !== 'response') return;
    const req = c.pending.get(out.xid);
    if (req) {
      c.pending.delete(out.xid);
      c.info.outstandingRequests = c.pending.size;
      const latency = Math.max(0, this.nowMs() - req.at);
      const ms = Math.round(latency * 1000) / 1000;
      c.answered++;
      c.latencyTotal += ms;
      c.info.lastOperation = req.op;
      c.info.lastLatencyMs = ms;
      c.info.minLatencyMs = c.info.minLatencyMs < 0 ? ms : Math.min(c.info.minLatencyMs, ms);
      c.info.maxLatencyMs = Math.max(c.info.maxLatencyMs, ms);
      c.info.avgLatencyMs = c.latencyTotal / c.answered;
      c.info.lastResponseAtMs = this.wallMs();
      this.metrics.requestAnswered(latency, req.write, out.err);
    }
    if (MISUSE_CODES.has(out.err)) {
      this.misuse('refused a request', {
        connection: id,
        client: c.info.remoteAddress,
        session: c.info.sessionId,
        op: req?.op,
        code: codeName(out.err),
        reason: out.message,
      });
    }
  }

  closed(id: number): void {
    this.conns.delete(id);
  }

  list(): ConnectionInfo[] {
    return [...this.conns.values()].map((c) => ({ ...c.info }));
  }

  get size(): number {
    return this.conns.size;
  }

  private misuse(msg: string, fields: object): void {
    const now = this.nowMs();
    if (now - this.windowStart >= MISUSE_WINDOW_MS) {
      if (this.suppressed > 0) this.log.warn('suppressed similar warnings', { count: this.suppressed, windowMs: MISUSE_WINDOW_MS });
      this.windowStart = now;
      this.linesInWindow = 0;
      this.suppressed = 0;
    }
    if (this.linesInWindow >= MISUSE_LINES_PER_WINDOW) {
      this.suppressed++;
      return;
    }
    this.linesInWindow++;
    this.log.warn(msg, fields);
  }
}
