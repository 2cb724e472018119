/**
 * One connection: one gRPC `Session` stream to one server, from the handshake until it
 * breaks or is closed. It knows nothing of sessions, retries or watches (sdk/session.ts
 * does); it frames bytes and reports what arrives, in order, and reports its end exactly
 * once.
 */
import * as grpc from '@grpc/grpc-js';
import { Code } from '../proto/codes.js';
import { warden } from '../proto/gen/warden.js';
import { FrameBatcher } from '../proto/frame-batch.js';
import { decodeServerFrames, encodeConnect, type ConnectSpec, type ServerMessage } from './codec.js';
import { ConnectionLossError, errorFromCode, WardenError } from './errors.js';
import type { ResolvedTls, ServerAddress } from './options.js';

const SESSION_METHOD = '/warden.v1.Warden/Session';
const identity = (b: Buffer): Buffer => b;

export type Hello = Extract<ServerMessage, { kind: 'connected' }>;

export interface ConnectionHandler {
  /** Every frame after the handshake, in stream order. */
  message(msg: ServerMessage): void;
  /** The stream ended (called once). `closed` is set when the server said SessionClosed. */
  ended(reason: WardenError, closed?: Extract<ServerMessage, { kind: 'closed' }>): void;
}

export function formatAddress(a: ServerAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

const STATUS_METHOD = '/warden.v1.Admin/Status';
/** Modes in which a server takes writes (anything else, e.g. 'read-only' or 'looking', does not). */
const READ_WRITE_MODES = new Set(['standalone', 'leader', 'follower', 'observer']);

/**
 * Asks a server's Admin/Status whether it serves writes now (the read-only client's search
 * for a read-write server, as ZooKeeper's client pings with `isro`). Any failure is `false`.
 */
export function probeReadWrite(address: ServerAddress, timeoutMs: number, tls?: ResolvedTls): Promise<boolean> {
  const channel = new grpc.Client(formatAddress(address), channelCredentials(tls), { ...channelOptions(tls), 'grpc.use_local_subchannel_pool': 1 });
  return new Promise<boolean>((resolve) => {
    channel.makeUnaryRequest(
      STATUS_METHOD,
      identity,
      (b: Buffer) => warden.v1.StatusResponse.decode(b),
      Buffer.alloc(0),
      { deadline: Date.now() + timeoutMs },
      (err, res) => {
        channel.close();
        resolve(!err && res !== undefined && READ_WRITE_MODES.has(res.mode));
      },
    );
  });
}

function channelCredentials(tls: ResolvedTls | undefined): grpc.ChannelCredentials {
  return tls ? grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null) : grpc.credentials.createInsecure();
}

function channelOptions(tls: ResolvedTls | undefined): grpc.ChannelOptions {
  return tls?.serverName !== undefined ? { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName } : {};
}

export class Connection {
  private handler: ConnectionHandler | undefined;
  private early: ServerMessage[] = [];
  private earlyEnd: [WardenError, Extract<ServerMessage, { kind: 'closed' }> | undefined] | undefined;
  private done = false;
  /** Frames sent in one turn leave as one message once the server said it takes batches. */
  private readonly out: FrameBatcher;
  /** Frames received and not yet handled, in stream order (see `drain`). */
  private inbox: ServerMessage[] = [];
  private inboxAt = 0;
  private resume: NodeJS.Immediate | undefined;

  private constructor(
    readonly address: ServerAddress,
    private readonly channel: grpc.Client,
    private readonly call: grpc.ClientDuplexStream<Buffer, Buffer>,
  ) {
    this.out = new FrameBatcher((bytes) => this.call.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)), 0, 'turn');
  }

  /**
   * Opens a stream and performs the handshake. Rejects with the server's refusal as a typed
   * error (SERVERBEHIND, SESSIONEXPIRED, AUTHFAILED, NOTSERVING, LIMITEXCEEDED), or a
   * ConnectionLossError when the server cannot be reached in `timeoutMs`.
   */
  static open(address: ServerAddress, spec: ConnectSpec, timeoutMs: number, signal?: AbortSignal, tls?: ResolvedTls): Promise<{ conn: Connection; hello: Hello }> {
    const target = formatAddress(address);
    const channel = new grpc.Client(target, channelCredentials(tls), {
      ...channelOptions(tls),
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      'grpc.enable_retries': 0,
      // One channel per connection: a fresh TCP connection each time we (re)connect.
      'grpc.use_local_subchannel_pool': 1,
    });
    const call = channel.makeBidiStreamRequest(SESSION_METHOD, identity, identity);
    const conn = new Connection(address, channel, call);

    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (err?: WardenError, hello?: Hello): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) {
          conn.close();
          reject(err);
        } else {
          resolve({ conn, hello: hello! });
        }
      };
      const onAbort = (): void => settle(new ConnectionLossError(`connecting to ${target} was aborted`, { cause: signal?.reason }));
      const timer = setTimeout(() => settle(new ConnectionLossError(`no handshake from ${target} within ${timeoutMs} ms`)), timeoutMs);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });

      conn.handler = {
        message(msg) {
          if (msg.kind === 'connected') {
            conn.handler = undefined;
            conn.out.setBatchBytesMax(msg.frameBatchBytesMax);
            settle(undefined, msg);
            return;
          }
          if (msg.kind === 'closed') {
            settle(errorFromCode(msg.err, msg.message || `${target} refused the connection`));
            return;
          }
          settle(new ConnectionLossError(`${target} sent ${msg.kind} before the handshake answer`));
        },
        ended(reason) {
          settle(reason);
        },
      };
      conn.listen();
      call.write(Buffer.from(encodeConnect(spec)));
    });
  }

  private listen(): void {
    const target = formatAddress(this.address);
    this.call.on('data', (bytes: Buffer) => {
      if (this.done) return;
      let msgs: ServerMessage[];
      try {
        msgs = decodeServerFrames(bytes);
      } catch (e) {
        this.finish(new ConnectionLossError(`${target}: ${(e as Error).message}`, { cause: e }));
        return;
      }
      for (const msg of msgs) this.inbox.push(msg);
      if (!this.resume) this.drain(target);
    });
    // The stream's end must not overtake frames that arrived before it and still wait.
    this.call.on('error', (e: grpc.ServiceError) => {
      this.drain(target, false);
      this.finish(new ConnectionLossError(`connection to ${target} failed: ${e.details || e.message}`, { cause: e }));
    });
    this.call.on('end', () => {
      this.drain(target, false);
      this.finish(new ConnectionLossError(`${target} ended the stream`));
    });
    this.call.on('close', () => {
      this.drain(target, false);
      this.finish(new ConnectionLossError(`connection to ${target} closed`));
    });
  }

  /**
   * Handles the frames received so far, in order. A watch event that follows other frames
   * waits for the next turn of the event loop (and everything after it with it): a batch
   * arrives in one callback, and without the pause the event's callback would run before
   * the code awaiting an earlier response in the batch, which frames arriving one by one
   * never did. Responses after an event need no pause: the event's callback has run.
   * Without `pause` (the stream is ending), everything waiting is handled now.
   */
  private drain(target: string, pause = true): void {
    if (this.resume) clearImmediate(this.resume);
    this.resume = undefined;
    let handled = 0;
    while (this.inboxAt < this.inbox.length && !this.done) {
      const msg = this.inbox[this.inboxAt]!;
      if (pause && msg.kind === 'event' && handled > 0) {
        this.resume = setImmediate(() => this.drain(target));
        return;
      }
      this.inboxAt++;
      handled++;
      this.received(msg, target);
    }
    this.inbox = [];
    this.inboxAt = 0;
  }

  private received(msg: ServerMessage, target: string): void {
    if (msg.kind === 'closed') {
      const reason =
        msg.err === Code.OK
          ? new ConnectionLossError(`${target} closed the session`)
          : msg.err === Code.SESSIONEXPIRED || msg.err === Code.AUTHFAILED
            ? errorFromCode(msg.err, msg.message)
            : new ConnectionLossError(`${target} closed the stream: ${msg.message}`, { cause: errorFromCode(msg.err, msg.message) });
      this.deliver(msg);
      this.finish(reason, msg);
      return;
    }
    this.deliver(msg);
  }

  private deliver(msg: ServerMessage): void {
    if (this.handler) this.handler.message(msg);
    else this.early.push(msg);
  }

  /** Takes over the frames after the handshake (and any that came before this call). */
  attach(handler: ConnectionHandler): void {
    this.handler = handler;
    for (const msg of this.early.splice(0)) handler.message(msg);
    if (this.earlyEnd) handler.ended(...this.earlyEnd);
  }

  private finish(reason: WardenError, closed?: Extract<ServerMessage, { kind: 'closed' }>): void {
    if (this.done) return;
    this.done = true;
    this.teardown();
    if (this.handler) this.handler.ended(reason, closed);
    else this.earlyEnd = [reason, closed];
  }

  get isOpen(): boolean {
    return !this.done;
  }

  /** Queues a frame. Returns false once the stream is gone. */
  send(bytes: Uint8Array): boolean {
    if (this.done) return false;
    this.out.push(bytes);
    return true;
  }

  /** Ends the stream from our side; `ended` is not called for a local close. */
  close(): void {
    this.done = true;
    this.teardown();
  }

  private tornDown = false;
  private teardown(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    this.out.drop();
    if (this.resume) clearImmediate(this.resume);
    this.resume = undefined;
    this.inbox = [];
    this.inboxAt = 0;
    try {
      this.call.cancel();
    } catch {
      // already finished
    }
    this.channel.close();
  }
}
