/**
 * The gRPC edge of the client protocol: one bidirectional `Session` stream per client
 * connection, turned into calls on the request pipeline. No decisions are made here beyond
 * framing and connection limits; the pipeline decides what a request means and when it is
 * answered.
 *
 * Frames are (de)serialized here rather than by grpc-js so that a malformed frame gets a
 * MARSHALLINGERROR answer instead of an opaque stream failure, and so that a frame that
 * cannot even be attributed to a request closes only its own stream, never the server.
 */
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { Code } from '../../proto/codes.js';
import type { Limits } from '../base/limits.js';
import type { Logger } from '../base/log.js';
import type { Connection, Outgoing, RequestPipeline } from '../request/pipeline.js';
import type { SessionId } from '../tree/types.js';
import { FrameBatcher } from '../../proto/frame-batch.js';
import { decodeClientFrames, encodeServerFrame, FrameError, type Incoming } from './codec.js';
import type { ConnectionStats } from './connection-stats.js';

export const WARDEN_SERVICE_NAME = 'warden.v1.Warden';

const identity = (b: Buffer): Buffer => b;

export const wardenServiceDefinition: grpc.ServiceDefinition = {
  Session: {
    path: `/${WARDEN_SERVICE_NAME}/Session`,
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export interface ClientServiceDeps {
  pipeline: RequestPipeline;
  limits: Limits;
  log: Logger;
  /** wall clock, ms since the epoch (stamped into txns) */
  nowMs(): number;
  newSessionId(): SessionId;
  newPassword(): Uint8Array;
  /** a frame arrived for this session: it is alive */
  touch(sessionId: SessionId): void;
  /** false while starting or shutting down */
  serving(): boolean;
  /** serving reads in read-only mode (to clients that accept it) while not serving() */
  readOnly?(): boolean;
  /** per-connection counters, latency and misuse logging (admin, metrics); optional */
  stats?: ConnectionStats;
}

/**
 * The x509 ACL identity of a client certificate: its subject distinguished name in RFC 2253
 * order (most specific first, e.g. "CN=alice,OU=ops,O=Example"), as ZooKeeper's
 * X509AuthenticationProvider names it.
 */
export function x509Identity(raw: Buffer): string {
  const subject = new X509Certificate(raw).subject;
  return subject
    .split('\n')
    .filter((rdn) => rdn !== '')
    .reverse()
    .map((rdn) => {
      const eq = rdn.indexOf('=');
      return rdn.slice(0, eq + 1) + rdn.slice(eq + 1).replace(/([,+;<>"\\])/g, '\\$1');
    })
    .join(',');
}

/** Parses grpc-js peer strings: "127.0.0.1:5000", "[::1]:5000", "ipv4:1.2.3.4:5". */
export function peerIp(peer: string): string {
  const p = peer.replace(/^ipv[46]:/, '');
  const bracket = /^\[([^\]]+)\]:\d+$/.exec(p);
  if (bracket) return bracket[1]!;
  const idx = p.lastIndexOf(':');
  return idx > 0 && p.indexOf(':') === idx ? p.slice(0, idx) : p;
}

export function createSessionHandler(deps: ClientServiceDeps): grpc.handleBidiStreamingCall<Buffer, Buffer> {
  let nextConnId = 1;
  const perIp = new Map<string, number>();

  return (call) => {
    const id = nextConnId++;
    const clientIp = peerIp(call.getPeer());
    let ended = false;
    let attached = false;
    const peerCert = call.getAuthContext()?.sslPeerCertificate;
    deps.stats?.opened(id, call.getPeer(), call.getAuthContext()?.transportSecurityType === 'ssl');
    // Answers leave batched once the client said it reads batches (its connect frame).
    const out = new FrameBatcher((bytes) => call.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)), 0, 'callback');

    const conn: Connection = {
      id,
      clientIp,
      // grpc-js reports a peer certificate only once the handshake verified it against the CA.
      identities: peerCert ? [{ scheme: 'x509', id: x509Identity(peerCert.raw) }] : undefined,
      send(frame: Outgoing) {
        if (ended) return;
        if (call.writableLength + out.queued > deps.limits.sessionSendQueueMax) {
          deps.log.warn('closing a connection that does not read its frames', { connection: id, clientIp, limit: 'sessionSendQueueMax', value: deps.limits.sessionSendQueueMax });
          finish();
          return;
        }
        deps.stats?.sent(id, frame);
        out.push(encodeServerFrame(frame, frame.kind === 'connected' ? deps.limits.frameBytesMax : 0));
      },
      end() {
        finish();
      },
    };

    const finish = (): void => {
      if (ended) return;
      try {
        out.flush();
      } catch {
        // the stream is already gone: nothing queued can reach the client anyway
      }
      ended = true;
      deps.stats?.closed(id);
      release();
      deps.pipeline.disconnect(id);
      call.end();
    };

    let counted = false;
    const release = (): void => {
      if (!counted) return;
      counted = false;
      const n = (perIp.get(clientIp) ?? 1) - 1;
      if (n <= 0) perIp.delete(clientIp);
      else perIp.set(clientIp, n);
    };

    const max = deps.limits.connectionsPerAddressMax;
    const current = perIp.get(clientIp) ?? 0;
    if (max > 0 && current >= max) {
      deps.stats?.rejected();
      deps.log.warn('refused a connection over the per-address limit', { clientIp, limit: 'maxClientCnxns', value: max });
      conn.send({ kind: 'closed', err: Code.LIMITEXCEEDED, message: `limit maxClientCnxns=${max} exceeded: too many connections from ${clientIp}` });
      finish();
      return;
    }
    perIp.set(clientIp, current + 1);
    counted = true;

    call.on('data', (bytes: Buffer) => {
      if (ended) return;
      const now = deps.nowMs();
      let frames;
      try {
        frames = decodeClientFrames(bytes);
      } catch (e) {
        malformed(e);
        return;
      }
      for (const frame of frames) {
        if (ended) return;
        if (frame instanceof FrameError) {
          if (frame.xid !== 0 && attached) deps.pipeline.reject(id, frame.xid, frame.code, frame.message, now);
          else malformed(frame);
          continue;
        }
        handle(frame, now);
      }
    });

    const malformed = (e: unknown): void => {
      const message = e instanceof Error ? e.message : String(e);
      deps.log.warn('closing a connection that sent a malformed frame', { connection: id, clientIp, reason: message });
      conn.send({ kind: 'closed', err: e instanceof FrameError ? e.code : Code.MARSHALLINGERROR, message });
      finish();
    };

    const handle = (frame: Incoming, now: number): void => {
      if (frame.kind === 'request' || frame.kind === 'setWatches') deps.stats?.received(id, frame.xid, frame.op);
      else deps.stats?.received(id, frame.kind === 'close' ? frame.xid : undefined, frame.kind === 'close' ? { op: 'closeSession' } : undefined);
      if (!attached) {
        if (frame.kind !== 'connect') {
          conn.send({ kind: 'closed', err: Code.MARSHALLINGERROR, message: 'the first frame must be a connect request' });
          finish();
          return;
        }
        if (!deps.serving()) {
          if (deps.readOnly?.() && frame.readOnly) {
            attached = true;
            deps.pipeline.connectReadOnly(conn, frame, deps.newPassword(), deps.newSessionId);
            return;
          }
          conn.send({ kind: 'closed', err: Code.NOTSERVING, message: deps.readOnly?.() ? 'server is read-only (no quorum) and the client does not accept that' : 'server is not serving requests yet' });
          finish();
          return;
        }
        attached = true;
        if (frame.frameBatches) out.setBatchBytesMax(deps.limits.frameBytesMax);
        deps.pipeline.connect(conn, frame, deps.newPassword(), deps.newSessionId, now);
        return;
      }
      const sessionId = deps.pipeline.sessionOf(id);
      if (sessionId === undefined) {
        // The handshake has not been answered yet (or the session just ended): a client
        // must wait for `connected` before it sends anything else.
        conn.send({ kind: 'closed', err: Code.MARSHALLINGERROR, message: 'request sent before the handshake was answered' });
        finish();
        return;
      }
      deps.touch(sessionId);
      switch (frame.kind) {
        case 'connect':
          deps.pipeline.reject(id, 0, Code.MARSHALLINGERROR, 'already connected', now);
          return;
        case 'request':
          deps.pipeline.submit(id, frame.xid, frame.op, now);
          return;
        case 'ping':
          deps.pipeline.submit(id, 0, { op: 'ping', nonce: frame.nonce }, now);
          return;
        case 'setWatches':
          deps.pipeline.submit(id, frame.xid, frame.op, now);
          return;
        case 'close':
          deps.pipeline.submit(id, frame.xid, { op: 'closeSession' }, now);
          return;
      }
    };
    call.on('end', finish);
    call.on('cancelled', finish);
    call.on('error', finish);
    call.on('close', finish);
  };
}
