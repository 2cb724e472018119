/**
 * The peer transport: plain TCP between ensemble members, length-prefixed PeerFrames
 * (format: proto/warden/v1/peer.proto).
 *
 * Each server listens on its quorumPort and dials every other member. A connection carries
 * one direction (dialer -> acceptor), so per-direction FIFO is exactly TCP's and neither
 * side has to arbitrate duplicate connections. Frames sent while a connection is being
 * (re)established wait in a bounded queue; when a connection fails, what it held is lost
 * and the owner is told (`onPeerDown`), as it is when the peer's own connection to us
 * closes (a killed process: both close at once, which is what makes failover fast).
 *
 * Never calls back into the owner from inside a write: frames are delivered from socket
 * 'data' events only.
 */
import { performance } from 'node:perf_hooks';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import type { Logger } from '../base/log.js';
import type { ServerId } from '../zab/types.js';
import { decodePeerFrame, encodePeerFrame, PeerFrameError, type PeerBody } from './peer-codec.js';

export interface PeerAddress {
  id: ServerId;
  host: string;
  port: number;
}

export interface PeerTransportOptions {
  myId: ServerId;
  listenHost: string;
  listenPort: number;
  peers: PeerAddress[];
  log: Logger;
  /** largest frame accepted or sent (a SNAP carries a whole tree) */
  frameBytesMax: number;
  /** frames queued to one peer while its connection is not up */
  queueFramesMax: number;
  /**
   * Mutual TLS on peer links (sslQuorum): both sides present a certificate the CA signed.
   * Members are identified by the CA, not by host name (peers are often addressed by IP).
   */
  tls?: { cert: Buffer; key: Buffer; ca: Buffer };
  onFrame(from: ServerId, body: PeerBody): void;
  onPeerDown(id: ServerId): void;
}

const RECONNECT_MS = 50;

/**
 * Writes `frame`, coalescing it with every other frame written to `socket` in this turn of
 * the event loop (every socket read and reply it handles): one system call then carries
 * them all, right after the turn's I/O callbacks. A leader sends a PROPOSAL per write and a
 * COMMIT per quorum ACK to each follower; written one by one, those calls (on loopback they
 * also pay for the receiver's side) were a quarter of a busy leader's time.
 */
function writeCoalesced(socket: Socket, frame: Buffer): void {
  if (socket.writableCorked === 0) {
    socket.cork();
    setImmediate(() => socket.uncork());
  }
  socket.write(frame);
}

interface Outgoing {
  socket: Socket | undefined;
  connected: boolean;
  queue: Buffer[];
  lastAttempt: number;
  retrying: boolean;
}

export class PeerTransport {
  private readonly out = new Map<ServerId, Outgoing>();
  private readonly incoming = new Map<ServerId, Socket>();
  private readonly accepted = new Set<Socket>();
  private closed = false;

  private constructor(
    private readonly opts: PeerTransportOptions,
    private readonly server: Server,
  ) {}

  static start(opts: PeerTransportOptions): Promise<PeerTransport> {
    return new Promise((resolve, reject) => {
      const server = opts.tls ? createTlsServer({ ...opts.tls, requestCert: true, rejectUnauthorized: true }) : createServer();
      const t = new PeerTransport(opts, server);
      if (opts.tls) {
        server.on('secureConnection', (s: Socket) => t.accept(s));
        server.on('tlsClientError', (e: Error, s: Socket) => opts.log.warn('refused a peer connection: TLS handshake failed', { from: s.remoteAddress, error: e.message }));
      } else {
        server.on('connection', (s) => t.accept(s));
      }
      server.once('error', reject);
      server.listen(opts.listenPort, opts.listenHost, () => {
        server.off('error', reject);
        server.on('error', (e) => opts.log.error('peer listener failed', { error: e.message }));
        resolve(t);
      });
    });
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : this.opts.listenPort;
  }

  /** Queues a frame to a peer; dials it if needed. Never throws. */
  send(to: ServerId, body: PeerBody): void {
    if (this.closed) return;
    const peer = this.opts.peers.find((p) => p.id === to);
    if (!peer) return;
    const bytes = encodePeerFrame(body);
    if (bytes.length > this.opts.frameBytesMax) {
      this.opts.log.error('peer frame over the limit; dropped (the session will resync)', { to, bytes: bytes.length, limit: 'peerFrameBytesMax', value: this.opts.frameBytesMax });
      return;
    }
    const frame = Buffer.allocUnsafe(4 + bytes.length);
    frame.writeUInt32BE(bytes.length, 0);
    frame.set(bytes, 4);
    let o = this.out.get(to);
    if (!o) this.out.set(to, (o = { socket: undefined, connected: false, queue: [], lastAttempt: -Infinity, retrying: false }));
    if (o.connected && o.socket) {
      writeCoalesced(o.socket, frame);
      return;
    }
    if (o.queue.length >= this.opts.queueFramesMax) o.queue.shift();
    o.queue.push(frame);
    this.dial(peer, o);
  }

  private dial(peer: PeerAddress, o: Outgoing): void {
    if (o.socket || this.closed) return;
    const now = performance.now();
    if (now - o.lastAttempt < RECONNECT_MS) {
      // Too soon after a failure: try again shortly (frames wait in the queue).
      if (o.retrying) return;
      o.retrying = true;
      setTimeout(() => {
        o.retrying = false;
        this.dial(peer, o);
      }, RECONNECT_MS - (now - o.lastAttempt)).unref();
      return;
    }
    o.lastAttempt = now;
    const tls = this.opts.tls;
    const s = tls ? tlsConnect({ host: peer.host, port: peer.port, ...tls, checkServerIdentity: () => undefined }) : createConnection({ host: peer.host, port: peer.port });
    o.socket = s;
    s.setNoDelay(true);
    s.on(tls ? 'secureConnect' : 'connect', () => {
      if (o.socket !== s) return;
      o.connected = true;
      const hello = encodePeerFrame({ kind: 'hello', id: this.opts.myId });
      const h = Buffer.allocUnsafe(4 + hello.length);
      h.writeUInt32BE(hello.length, 0);
      h.set(hello, 4);
      s.write(h);
      for (const f of o.queue.splice(0)) s.write(f);
    });
    s.on('data', () => {
      // nothing is sent back on an outgoing connection
    });
    const fail = (): void => {
      if (o.socket !== s) return;
      const wasUp = o.connected;
      o.socket = undefined;
      o.connected = false;
      o.queue = [];
      s.destroy();
      if (wasUp && !this.closed) this.opts.onPeerDown(peer.id);
    };
    s.on('error', fail);
    s.on('close', fail);
  }

  private accept(s: Socket): void {
    if (this.closed) {
      s.destroy();
      return;
    }
    this.accepted.add(s);
    s.setNoDelay(true);
    let from: ServerId | undefined;
    let buf: Buffer = Buffer.alloc(0);
    s.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0);
        if (len > this.opts.frameBytesMax) {
          this.opts.log.warn('closing a peer connection: frame over the limit', { from, bytes: len, limit: 'peerFrameBytesMax', value: this.opts.frameBytesMax });
          s.destroy();
          return;
        }
        if (buf.length < 4 + len) break;
        const bytes = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        let body: PeerBody;
        try {
          body = decodePeerFrame(bytes);
        } catch (e) {
          this.opts.log.warn('closing a peer connection: bad frame', { from, error: e instanceof PeerFrameError ? e.message : String(e) });
          s.destroy();
          return;
        }
        if (from === undefined) {
          if (body.kind !== 'hello' || !this.opts.peers.some((p) => p.id === body.id)) {
            this.opts.log.warn('refused a peer connection from a non-member', { remote: s.remoteAddress, hello: body.kind === 'hello' ? body.id : body.kind });
            s.destroy();
            return;
          }
          from = body.id;
          const old = this.incoming.get(from);
          this.incoming.set(from, s);
          old?.destroy();
          continue;
        }
        this.opts.onFrame(from, body);
        if (s.destroyed) return;
      }
    });
    const gone = (): void => {
      this.accepted.delete(s);
      if (from !== undefined && this.incoming.get(from) === s) {
        this.incoming.delete(from);
        if (!this.closed) this.opts.onPeerDown(from);
      }
    };
    s.on('close', gone);
    s.on('error', () => s.destroy());
  }

  /** Peers with a live connection in either direction. */
  connected(): ServerId[] {
    const ids = new Set<ServerId>(this.incoming.keys());
    for (const [id, o] of this.out) if (o.connected) ids.add(id);
    return [...ids].sort((a, b) => a - b);
  }

  close(): Promise<void> {
    this.closed = true;
    for (const o of this.out.values()) o.socket?.destroy();
    for (const s of this.accepted) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
