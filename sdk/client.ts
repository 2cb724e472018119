/**
 * The public Client: one promise method per ZooKeeper operation, with ZooKeeper's names and
 * semantics, over one session (sdk/session.ts). Every call takes `{ signal, timeoutMs }`.
 *
 * Retries: calls that are safe to repeat (reads, sync, whoAmI, addWatch, addAuth) are sent
 * again with p-retry after a connection loss, once the session is reconnected (`readRetries`
 * times). Writes never are: a write whose answer was lost fails with OutcomeUnknownError,
 * except `create(..., { protected: true })`, which finds out by itself whether its node
 * was made (Curator's protected mode: the node name carries this client's id).
 */
import pRetry from 'p-retry';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Code } from '../proto/codes.js';
import { decodeAcl, decodeIdentities, decodeStat, toBuffer, type MultiOpSpec, type ReadOpSpec, type RequestOp } from './codec.js';
import { ConnectionLossError, errorFromCode, isRetryable, LimitExceededError, OperationTimeoutError, WardenError } from './errors.js';
import { EventStream } from './event-stream.js';
import { checkCallOptions, resolveOptions, type CallOptions, type ConnectOptions, type ResolvedOptions } from './options.js';
import { Session, type Phase as ClientState, type Response } from './session.js';
import type { StateEvent, StateListener } from './states.js';
import { bytes, checkAcl, checkMode, checkPath, checkTtl, checkVersion } from './arguments.js';
import type { Acl, AddWatchMode, ClientIdentity, CreateMode, Data, Stat, Watcher, WatcherType } from './types.js';
import { OneShotWatch, PersistentWatch } from './watch-handles.js';
import type { OneShotKind } from './watches.js';

export interface CreateOptions extends CallOptions {
  /** @default 'persistent' */
  mode?: CreateMode;
  /** @default Acls.OPEN_ACL_UNSAFE */
  acl?: readonly Acl[];
  /** For the TTL modes: ms the node may stay unmodified and childless. */
  ttlMs?: number;
  /**
   * Protected create (Curator's): the node name is prefixed with `_c_<clientId>-`, and if
   * the connection breaks before the answer, the client looks for its node after
   * reconnecting instead of failing with OutcomeUnknownError.
   * @default false
   */
  protected?: boolean;
}

export interface VersionOptions extends CallOptions {
  /** Expected version; -1 matches any. @default -1 */
  version?: number;
}

export interface WatchOptions extends CallOptions {
  /** A one-shot watch: a callback, or a OneShotWatch to await or iterate. */
  watch?: Watcher | OneShotWatch;
}

export interface GetChildrenOptions extends WatchOptions {
  /** Also return the parent's Stat. @default false */
  withStat?: boolean;
  /**
   * Sends `sync(path)` right before the listing, in the same round trip: the listing is at
   * least as new as the leader's state when the sync reached it, as with
   * `await sync(path)` then `getChildren(path)`, for one round trip instead of two. The two
   * are sent together and, after a connection loss, sent again together in the same order,
   * so the listing never runs ahead of its sync.
   * @default false
   */
  sync?: boolean;
}

export interface AddWatchOptions extends CallOptions {
  /** Deliver events to this callback instead of iterating the returned watch. */
  listener?: Watcher;
  /** Events buffered for an iterating consumer before it gets an OverflowError. @default 1024 */
  bufferSize?: number;
}

export interface RemoveWatchesOptions extends CallOptions {
  /** Only remove the local watchers; do not ask the server. @default false */
  local?: boolean;
}

/** One operation of `multi`. */
export type MultiOp =
  | {
      /** create a node, as `client.create` */
      op: 'create';
      /** the node to create (for sequential modes, the prefix of its name) */
      path: string;
      /** its data; null or omitted means empty */
      data?: Data | null;
      /** @default Acls.OPEN_ACL_UNSAFE */
      acl?: readonly Acl[];
      /** @default 'persistent' */
      mode?: CreateMode;
      /** for the TTL modes: ms the node may stay unmodified and childless */
      ttlMs?: number;
    }
  | {
      /** delete a node, as `client.delete` */
      op: 'delete';
      /** the node to delete */
      path: string;
      /** expected version; -1 matches any. @default -1 */
      version?: number;
    }
  | {
      /** replace a node's data, as `client.setData` */
      op: 'setData';
      /** the node to change */
      path: string;
      /** the new data; null means empty */
      data: Data | null;
      /** expected version; -1 matches any. @default -1 */
      version?: number;
    }
  | {
      /** fail the whole multi unless the node exists with this version; changes nothing */
      op: 'check';
      /** the node to check */
      path: string;
      /** the version the node must have (-1: only that it exists) */
      version: number;
    };

/** What each op of a successful `multi` returned. */
export type MultiResult =
  | {
      /** the op was a create */
      op: 'create';
      /** the created node's actual path (with the suffix for sequential modes) */
      path: string;
      /** the created node's Stat */
      stat: Stat;
    }
  | {
      /** the op was a delete */
      op: 'delete';
    }
  | {
      /** the op was a setData */
      op: 'setData';
      /** the node's Stat after the change */
      stat: Stat;
    }
  | {
      /** the op was a check (it passed) */
      op: 'check';
    };

/** The error of a failed `multi`: the failing op's typed error, plus every op's code. */
export interface MultiError extends WardenError {
  /** index of the op that failed */
  failedOp: number;
  /** per op: 'OK' for the ops before the failing one, its code, then 'RUNTIMEINCONSISTENCY' */
  results: Array<{
    /** the code's name, e.g. 'OK', 'BADVERSION' */
    code: string;
    /** the code's number on the wire */
    errno: number;
  }>;
}

/** One read of `multiRead`. */
export type MultiReadOp =
  | {
      /** read the node's data and Stat, as `client.getData` (without a watch) */
      op: 'getData';
      /** the node to read */
      path: string;
    }
  | {
      /** list the node's children, as `client.getChildren` (without a watch) */
      op: 'getChildren';
      /** the node whose children to list */
      path: string;
    };

/** What one read of `multiRead` returned: its result, or its own error. */
export type MultiReadResult =
  | {
      /** the read was a getData and succeeded */
      op: 'getData';
      /** the node's data */
      data: Buffer;
      /** the node's Stat */
      stat: Stat;
    }
  | {
      /** the read was a getChildren and succeeded */
      op: 'getChildren';
      /** the node's children (names, not paths) */
      children: string[];
      /** the node's Stat */
      stat: Stat;
    }
  | {
      /** the read failed */
      op: 'error';
      /** that read's typed error, e.g. a NoNodeError */
      error: WardenError;
    };

const RETRY_MIN_MS = 10;
const RETRY_MAX_MS = 500;

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Throws the typed error of a reply that carries one. */
function ok(msg: Response, path: string | undefined): Response {
  if (msg.err !== Code.OK) throw errorFromCode(msg.err, msg.message, path === undefined ? {} : { path });
  return msg;
}

/**
 * A Warden client: one session, many requests in flight. Create it with `connect()`.
 *
 * @example
 * const client = await connect({ servers: 'localhost:2181' });
 * await client.create('/app', 'hello');
 * const { data } = await client.getData('/app');
 * await client.close();
 */
export class Client {
  /** @internal */
  private readonly session: Session;
  /** calls that may register a one-shot watch, by "<server watch type> <server path>" */
  private readonly watchCallsInFlight = new Map<string, number>();
  /** This client's id, used to name protected nodes (`_c_<clientId>-...`). */
  readonly clientId: string = randomUUID();

  /** @internal use connect() */
  constructor(private readonly options: ResolvedOptions) {
    this.session = new Session(options);
  }

  /** @internal */
  async start(): Promise<void> {
    await this.session.start();
  }

  // ------------------------------------------------------------------ session facts

  /** The session id (0n before the first handshake). */
  get sessionId(): bigint {
    return this.session.id;
  }
  /** The session password: with `sessionId`, lets another client resume this session. */
  get sessionPassword(): Uint8Array {
    return this.session.sessionPassword;
  }
  /** The session timeout the server granted. */
  get sessionTimeoutMs(): number {
    return this.session.sessionTimeoutMs;
  }
  /** The highest zxid this client has seen (responses, events, pongs). */
  get lastZxid(): bigint {
    return this.session.lastZxid;
  }
  /** 'connecting', 'connected', 'disconnected', 'closing', 'expired' or 'closed'. */
  get state(): ClientState {
    return this.session.state;
  }
  /**
   * Connected to a server in read-only mode (`canBeReadOnly`; the server is cut off from its
   * quorum): reads work, writes fail with NotReadOnlyError, and the client looks for a
   * read-write server in the background and moves there (state 'connected') when it finds one.
   */
  get readOnly(): boolean {
    return this.session.isReadOnly;
  }
  /** `host:port` of the server this client is connected to, if it is. */
  get server(): string | undefined {
    return this.session.currentServer;
  }
  /** When the connection was lost (ms since the epoch), while disconnected. */
  get disconnectedAtMs(): number | undefined {
    return this.session.disconnectedAtMs;
  }
  /** How long the client has been disconnected (monotonic ms), while it is. */
  get disconnectedForMs(): number | undefined {
    return this.session.disconnectedForMs;
  }
  /** Calls in flight or waiting for a connection. */
  get pendingRequests(): number {
    return this.session.pendingRequests;
  }

  // ------------------------------------------------------------------ states

  /**
   * Calls `listener` on every connection-state change. Returns a function that removes it.
   * @example
   * client.on('state', (e) => { if (e.state === 'expired') process.exit(1); });
   */
  on(event: 'state', listener: StateListener): () => void {
    if (event !== 'state') throw new TypeError(`on(): unknown event ${String(event)}; only 'state'`);
    if (typeof listener !== 'function') throw new TypeError('on(): `listener` must be a function');
    return this.session.states.on(listener);
  }

  /**
   * Connection-state changes as an async iterable; it ends after `expired` or `closed`.
   * Breaking out of the loop unsubscribes.
   * @example
   * for await (const { state } of client.states()) console.log(state);
   */
  states(opts: { bufferSize?: number; signal?: AbortSignal } = {}): AsyncIterableIterator<StateEvent> {
    const size = opts.bufferSize ?? 64;
    if (!Number.isInteger(size) || size < 1) throw new TypeError('states(): option `bufferSize` must be a positive integer');
    const stream: EventStream<StateEvent> = this.session.states.stream(size);
    if (opts.signal) {
      const onAbort = (): void => void stream.return();
      if (opts.signal.aborted) onAbort();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    }
    return stream;
  }

  /**
   * Resolves once the client is connected (at once if it is), rejects if the session ends
   * first or the call's signal/timeout fires.
   */
  async waitForConnected(opts: CallOptions = {}): Promise<void> {
    checkCallOptions('waitForConnected', opts);
    if (this.session.state === 'connected') return;
    if (this.session.state === 'expired' || this.session.state === 'closed') throw errorFromCode(Code.SESSIONEXPIRED, `the client is ${this.session.state}`);
    const timeoutMs = this.timeoutOf(opts);
    const signals = [opts.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
    await new Promise<void>((resolve, reject) => {
      const off = this.session.states.on((e) => {
        if (e.state === 'connected' || e.state === 'reconnected') done();
        else if (e.state === 'expired' || e.state === 'closed') done(errorFromCode(Code.SESSIONEXPIRED, `the client is ${e.state}`));
      });
      const onAbort = (): void =>
        done(opts.signal?.aborted ? opts.signal.reason : new OperationTimeoutError(`not connected within ${timeoutMs} ms`, { cause: signal?.reason }));
      const done = (err?: unknown): void => {
        off();
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ------------------------------------------------------------------ plumbing

  private timeoutOf(opts: CallOptions | undefined): number {
    return opts?.timeoutMs ?? this.options.requestTimeoutMs;
  }

  /** Sends once; for writes and for calls that must not repeat. */
  private once<T>(op: RequestOp, opts: CallOptions | undefined, complete: (msg: Response) => T): Promise<T> {
    return this.session.submit(this.session.chroot.op(op), complete, opts?.signal, this.timeoutOf(opts));
  }

  /** Sends, and sends again after a retryable failure (connection loss, busy server). */
  private retrying<T>(op: RequestOp, opts: CallOptions | undefined, complete: (msg: Response) => T): Promise<T> {
    const rooted = this.session.chroot.op(op);
    return this.attempts(opts, (left) => this.session.submit(rooted, complete, opts?.signal, left()));
  }

  /**
   * `sync(path)` and then `op`, submitted back to back in one attempt, so they leave on the
   * same connection in that order (or wait together for the next one) and the server
   * answers `op` after the sync. A retry repeats both. `op`'s answer counts only if the
   * sync's came first and succeeded (then no watch was registered for a dropped attempt).
   */
  private retryingAfterSync<T>(path: string, op: RequestOp, opts: CallOptions | undefined, complete: (msg: Response) => T): Promise<T> {
    const syncOp = this.session.chroot.op({ op: 'sync', path });
    const rooted = this.session.chroot.op(op);
    return this.attempts(opts, (left) => {
      let synced = false;
      let syncFailure: unknown;
      const sync = this.session.submit(
        syncOp,
        (msg) => {
          try {
            ok(msg, path);
          } catch (e) {
            syncFailure = e;
            throw e;
          }
          synced = true;
        },
        opts?.signal,
        left(),
      );
      const read = this.session.submit(
        rooted,
        (msg) => {
          if (!synced) throw syncFailure ?? new ConnectionLossError(`${op.op} ${path} was answered without its sync`, { path });
          return complete(msg);
        },
        opts?.signal,
        left(),
      );
      return Promise.all([sync, read]).then(([, value]) => value);
    });
  }

  private attempts<T>(opts: CallOptions | undefined, attempt: (left: () => number) => Promise<T>): Promise<T> {
    const timeoutMs = this.timeoutOf(opts);
    // On the monotonic clock: a wall clock stepped back would stretch the deadline (a 2 s
    // read waited over a minute when it went back an hour), one stepped forward cut it short.
    const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : 0;
    const left = (): number => (deadline > 0 ? Math.max(1, deadline - performance.now()) : 0);
    // A full client-side buffer is the caller's signal to slow down, not ours to hide.
    const shouldRetry = (error: unknown): boolean =>
      isRetryable(error) && !(error instanceof LimitExceededError && error.limit === 'maxPendingRequests') && (deadline === 0 || performance.now() < deadline);
    // The first attempt runs outside p-retry: nearly every call succeeds at once, and setting
    // p-retry up for each call was 7 % of a busy client's CPU. After a failure, p-retry takes
    // over from that same failure (replayed as its first attempt), so the attempts, delays
    // and limits are exactly those of p-retry alone.
    return attempt(left).catch((firstError: unknown) => {
      if (this.options.readRetries <= 0 || !shouldRetry(firstError)) throw firstError;
      let replay: unknown = firstError;
      return pRetry(
        () => {
          if (replay === undefined) return attempt(left);
          const e = replay;
          replay = undefined;
          throw e;
        },
        {
          retries: this.options.readRetries,
          minTimeout: RETRY_MIN_MS,
          maxTimeout: RETRY_MAX_MS,
          factor: 2,
          signal: opts?.signal,
          shouldRetry: ({ error }) => shouldRetry(error),
        },
      );
    });
  }

  /** Registers a one-shot watch locally; called in frame order with the reply. */
  private register(kind: OneShotKind, clientPath: string, watch: Watcher | OneShotWatch): void {
    const path = this.session.chroot.toServer(clientPath);
    if (watch instanceof OneShotWatch) {
      const w = watch.watcher;
      watch.bind(() => this.abandonOneShot(kind, path, clientPath, w));
      this.session.watches.add(kind, path, w);
    } else {
      this.session.watches.add(kind, path, watch);
    }
  }

  /**
   * A OneShotWatch closed before it fired (a `break`, `close()`): removed locally, and at the
   * server too when it was the last local watcher behind that server watch, so abandoned
   * watches neither pile up against the per-session limit nor bring events nobody wants.
   * Not while a call that may register the same server watch is in flight (its watch would
   * go too), and not while disconnected (the reconnect re-sets only what is registered).
   */
  private abandonOneShot(kind: OneShotKind, serverPath: string, clientPath: string, w: Watcher): void {
    if (this.session.watches.drop(kind, serverPath, w) !== 'last') return;
    const type: WatcherType = kind === 'child' ? 'children' : 'data';
    if ((this.watchCallsInFlight.get(`${type} ${serverPath}`) ?? 0) > 0 || this.session.state !== 'connected') return;
    // NOWATCHER (it fired meanwhile) or a lost connection: nothing is left to remove.
    this.once({ op: 'removeWatches', path: clientPath, type }, {}, () => undefined).catch(() => undefined);
  }

  /**
   * Tracks a call that may register a one-shot watch; a OneShotWatch whose call failed
   * will never fire: end it, so awaiting it rejects.
   */
  private async watching<T>(watch: Watcher | OneShotWatch | undefined, type: 'data' | 'children', clientPath: string, call: Promise<T>): Promise<T> {
    const key = watch === undefined ? undefined : `${type} ${this.session.chroot.toServer(clientPath)}`;
    if (key) this.watchCallsInFlight.set(key, (this.watchCallsInFlight.get(key) ?? 0) + 1);
    try {
      return await call;
    } catch (e) {
      if (watch instanceof OneShotWatch && !watch.registered) watch.cancel();
      throw e;
    } finally {
      if (key) {
        const n = this.watchCallsInFlight.get(key)! - 1;
        if (n === 0) this.watchCallsInFlight.delete(key);
        else this.watchCallsInFlight.set(key, n);
      }
    }
  }

  private checkWatch(method: string, watch: unknown): void {
    if (watch !== undefined && typeof watch !== 'function' && !(watch instanceof OneShotWatch)) {
      throw new TypeError(`${method}(): option \`watch\` must be a function or a OneShotWatch`);
    }
  }

  // ------------------------------------------------------------------ operations

  /**
   * Creates a node and returns its actual path (with the 10-digit suffix for sequential
   * modes) and its Stat.
   * @example
   * const { path } = await client.create('/jobs/job-', payload, { mode: 'persistentSequential' });
   */
  async create(path: string, data?: Data | null, opts: CreateOptions = {}): Promise<{
    /** the created node's actual path (with the 10-digit suffix for sequential modes) */
    path: string;
    /** the created node's Stat */
    stat: Stat;
  }> {
    checkPath('create', path);
    checkCallOptions('create', opts);
    const mode = checkMode('create', opts.mode);
    const spec = { op: 'create' as const, path, data: bytes(data, 'create'), acl: checkAcl('create', opts.acl), mode, ttlMs: checkTtl('create', mode, opts.ttlMs) };
    if (!opts.protected) return this.once(spec, opts, (msg) => this.createResult(msg, path));
    return this.protectedCreate(spec, opts);
  }

  private createResult(msg: Response, path: string): { path: string; stat: Stat } {
    ok(msg, path);
    const created = msg.body.create?.path;
    return { path: created ? this.session.chroot.toClient(created) : path, stat: decodeStat(msg.body.create?.stat) };
  }

  private async protectedCreate(spec: Extract<RequestOp, { op: 'create' }>, opts: CreateOptions): Promise<{ path: string; stat: Stat }> {
    const parent = parentOf(spec.path);
    const marker = `_c_${this.clientId}-`;
    const name = spec.path.slice(parent === '/' ? 1 : parent.length + 1);
    const full = `${parent === '/' ? '' : parent}/${marker}${name}`;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once({ ...spec, path: full }, opts, (msg) => this.createResult(msg, full));
      } catch (e) {
        if (!(e instanceof WardenError && e.outcomeUnknown) || attempt >= this.options.readRetries) throw e;
        const children = await this.getChildren(parent, { signal: opts.signal, timeoutMs: opts.timeoutMs });
        const mine = children.find((c) => c.startsWith(marker) && c.slice(marker.length).startsWith(name));
        if (mine !== undefined) {
          const path = `${parent === '/' ? '' : parent}/${mine}`;
          const stat = await this.exists(path, { signal: opts.signal, timeoutMs: opts.timeoutMs });
          if (stat) return { path, stat };
        }
      }
    }
  }

  /**
   * Deletes a node. `version` (default -1, any) must match the node's version.
   * @example
   * await client.delete('/app/lock', { version: stat.version });
   */
  async delete(path: string, opts: VersionOptions = {}): Promise<void> {
    checkPath('delete', path);
    checkCallOptions('delete', opts);
    return this.once({ op: 'delete', path, version: checkVersion('delete', opts.version) }, opts, (msg) => {
      ok(msg, path);
    });
  }

  /**
   * The node's Stat, or null when it does not exist. `watch` fires on its creation,
   * deletion or data change.
   */
  async exists(path: string, opts: WatchOptions = {}): Promise<Stat | null> {
    checkPath('exists', path);
    checkCallOptions('exists', opts);
    this.checkWatch('exists', opts.watch);
    const watch = opts.watch;
    return this.watching(watch, 'data', path, this.retrying({ op: 'exists', path, watch: watch !== undefined }, opts, (msg) => {
      ok(msg, path);
      const s = msg.body.stat?.stat;
      if (watch) this.register(s ? 'data' : 'exist', path, watch);
      return s ? decodeStat(s) : null;
    }));
  }

  /**
   * The node's data and Stat. `watch` fires on its data change or deletion.
   * @example
   * const { data, stat } = await client.getData('/config', { watch: (e) => reload(e) });
   */
  async getData(path: string, opts: WatchOptions = {}): Promise<{
    /** the node's data (empty when it has none) */
    data: Buffer;
    /** the node's Stat, read together with the data */
    stat: Stat;
  }> {
    checkPath('getData', path);
    checkCallOptions('getData', opts);
    this.checkWatch('getData', opts.watch);
    const watch = opts.watch;
    return this.watching(watch, 'data', path, this.retrying({ op: 'getData', path, watch: watch !== undefined }, opts, (msg) => {
      ok(msg, path);
      if (watch) this.register('data', path, watch);
      return { data: toBuffer(msg.body.getData?.data), stat: decodeStat(msg.body.getData?.stat) };
    }));
  }

  /**
   * Replaces the node's data if `version` matches (default -1, any); returns the new Stat.
   * A mismatch fails with BadVersionError, which makes this a compare-and-set.
   * @example
   * const { data, stat } = await client.getData('/counter');
   * await client.setData('/counter', String(Number(data) + 1), { version: stat.version });
   */
  async setData(path: string, data: Data | null, opts: VersionOptions = {}): Promise<Stat> {
    checkPath('setData', path);
    checkCallOptions('setData', opts);
    return this.once({ op: 'setData', path, data: bytes(data, 'setData'), version: checkVersion('setData', opts.version) }, opts, (msg) => {
      ok(msg, path);
      return decodeStat(msg.body.stat?.stat);
    });
  }

  /**
   * The node's children, sorted by name; with `withStat`, also the node's Stat. `watch`
   * fires when a child is added or removed, or the node is deleted.
   * @example
   * const names = await client.getChildren('/services');
   * const { children, stat } = await client.getChildren('/services', { withStat: true });
   */
  getChildren(path: string, opts?: GetChildrenOptions & { withStat?: false }): Promise<string[]>;
  getChildren(path: string, opts: GetChildrenOptions & { withStat: true }): Promise<{
    /** the children's names (not paths), sorted */
    children: string[];
    /** the node's own Stat */
    stat: Stat;
  }>;
  async getChildren(path: string, opts: GetChildrenOptions = {}): Promise<string[] | { children: string[]; stat: Stat }> {
    checkPath('getChildren', path);
    checkCallOptions('getChildren', opts);
    this.checkWatch('getChildren', opts.watch);
    if (opts.sync !== undefined && typeof opts.sync !== 'boolean') throw new TypeError(`getChildren(): option \`sync\` must be a boolean, got ${String(opts.sync)}`);
    const watch = opts.watch;
    const op: RequestOp = { op: 'getChildren', path, watch: watch !== undefined };
    const complete = (msg: Response): string[] | { children: string[]; stat: Stat } => {
      ok(msg, path);
      if (watch) this.register('child', path, watch);
      const children = msg.body.getChildren?.children ?? [];
      return opts.withStat ? { children, stat: decodeStat(msg.body.getChildren?.stat) } : children;
    };
    return this.watching(watch, 'children', path, opts.sync ? this.retryingAfterSync(path, op, opts, complete) : this.retrying(op, opts, complete));
  }

  /** How many nodes are below `path` (all descendants, not only children). */
  async getAllChildrenNumber(path: string, opts: CallOptions = {}): Promise<number> {
    checkPath('getAllChildrenNumber', path);
    checkCallOptions('getAllChildrenNumber', opts);
    return this.retrying({ op: 'getAllChildrenNumber', path }, opts, (msg) => ok(msg, path).body.count?.count ?? 0);
  }

  /** This session's ephemeral nodes under `prefixPath` (default: all). */
  async getEphemerals(prefixPath = '/', opts: CallOptions = {}): Promise<string[]> {
    checkPath('getEphemerals', prefixPath, 'prefixPath');
    checkCallOptions('getEphemerals', opts);
    return this.retrying({ op: 'getEphemerals', prefixPath }, opts, (msg) => (ok(msg, prefixPath).body.paths?.paths ?? []).map((p) => this.session.chroot.toClient(p)));
  }

  /** Waits until the connected server has everything the leader committed before it. */
  async sync(path = '/', opts: CallOptions = {}): Promise<void> {
    checkPath('sync', path);
    checkCallOptions('sync', opts);
    return this.retrying({ op: 'sync', path }, opts, (msg) => {
      ok(msg, path);
    });
  }

  /**
   * Applies all ops or none. Resolves with each op's result; rejects with the failing op's
   * typed error, which also carries `failedOp` and every op's code (`results`).
   * @example
   * await client.multi([
   *   { op: 'check', path: '/cfg', version: 3 },
   *   { op: 'setData', path: '/cfg', data: 'v4' },
   *   { op: 'create', path: '/cfg/history-', data: 'v4', mode: 'persistentSequential' },
   * ]);
   */
  async multi(ops: readonly MultiOp[], opts: CallOptions = {}): Promise<MultiResult[]> {
    checkCallOptions('multi', opts);
    if (!Array.isArray(ops)) throw new TypeError('multi(): `ops` must be an array');
    const specs: MultiOpSpec[] = ops.map((o: MultiOp, i): MultiOpSpec => {
      const where = `multi(): ops[${i}]`;
      checkPath(where, o?.path);
      switch (o.op) {
        case 'create': {
          const mode = checkMode(where, o.mode);
          return { op: 'create', path: o.path, data: bytes(o.data, where), acl: checkAcl(where, o.acl), mode, ttlMs: checkTtl(where, mode, o.ttlMs) };
        }
        case 'delete':
          return { op: 'delete', path: o.path, version: checkVersion(where, o.version) };
        case 'setData':
          return { op: 'setData', path: o.path, data: bytes(o.data, where), version: checkVersion(where, o.version) };
        case 'check':
          return { op: 'check', path: o.path, version: checkVersion(where, o.version) };
        default:
          throw new TypeError(`${where}: \`op\` must be create, delete, setData or check`);
      }
    });
    return this.once({ op: 'multi', ops: specs }, opts, (msg) => {
      const results = msg.body.multi?.results ?? [];
      if (msg.err !== Code.OK) {
        const codes = results.map((r) => r.err ?? 0);
        let failed = codes.findIndex((c) => c !== Code.OK && c !== Code.RUNTIMEINCONSISTENCY);
        if (failed < 0) failed = codes.findIndex((c) => c !== Code.OK);
        const err = errorFromCode(msg.err, msg.message, failed >= 0 && specs[failed] ? { path: specs[failed]!.path } : {}) as MultiError;
        err.failedOp = failed;
        err.results = codes.map((c) => ({ code: c === Code.OK ? 'OK' : errorFromCode(c, '').code, errno: c }));
        throw err;
      }
      return results.map((r, i): MultiResult => {
        const spec = specs[i]!;
        switch (spec.op) {
          case 'create':
            return { op: 'create', path: r.create?.path ? this.session.chroot.toClient(r.create.path) : spec.path, stat: decodeStat(r.create?.stat) };
          case 'setData':
            return { op: 'setData', stat: decodeStat(r.stat?.stat) };
          default:
            return { op: spec.op };
        }
      });
    });
  }

  /**
   * Several reads answered together from one state of the tree. Never throws for one op:
   * each result is the data, the children, or that op's error.
   */
  async multiRead(ops: readonly MultiReadOp[], opts: CallOptions = {}): Promise<MultiReadResult[]> {
    checkCallOptions('multiRead', opts);
    if (!Array.isArray(ops)) throw new TypeError('multiRead(): `ops` must be an array');
    const specs: ReadOpSpec[] = ops.map((o: MultiReadOp, i) => {
      checkPath(`multiRead(): ops[${i}]`, o?.path);
      if (o.op !== 'getData' && o.op !== 'getChildren') throw new TypeError(`multiRead(): ops[${i}].op must be getData or getChildren`);
      return { op: o.op, path: o.path };
    });
    return this.retrying({ op: 'multiRead', ops: specs }, opts, (msg) => {
      ok(msg, undefined);
      return (msg.body.multiRead?.results ?? []).map((r, i): MultiReadResult => {
        const path = specs[i]?.path;
        if ((r.err ?? 0) !== Code.OK) return { op: 'error', error: errorFromCode(r.err ?? 0, '', path === undefined ? {} : { path }) };
        if (r.getData) return { op: 'getData', data: toBuffer(r.getData.data), stat: decodeStat(r.getData.stat) };
        return { op: 'getChildren', children: r.getChildren?.children ?? [], stat: decodeStat(r.getChildren?.stat) };
      });
    });
  }

  /** The node's ACL and Stat. */
  async getACL(path: string, opts: CallOptions = {}): Promise<{
    /** the node's ACL entries */
    acl: Acl[];
    /** the node's Stat (its `aversion` is the version setACL checks) */
    stat: Stat;
  }> {
    checkPath('getACL', path);
    checkCallOptions('getACL', opts);
    return this.retrying({ op: 'getACL', path }, opts, (msg) => {
      ok(msg, path);
      return { acl: decodeAcl(msg.body.getAcl?.acl), stat: decodeStat(msg.body.getAcl?.stat) };
    });
  }

  /** Replaces the node's ACL if `version` (the aversion; default -1, any) matches. */
  async setACL(path: string, acl: readonly Acl[], opts: VersionOptions = {}): Promise<Stat> {
    checkPath('setACL', path);
    checkCallOptions('setACL', opts);
    return this.once({ op: 'setACL', path, acl: checkAcl('setACL', acl), version: checkVersion('setACL', opts.version) }, opts, (msg) => {
      ok(msg, path);
      return decodeStat(msg.body.stat?.stat);
    });
  }

  /**
   * A persistent watch on `path` ('persistent': the node's data, creation, deletion and
   * children changes) or on the whole subtree ('persistentRecursive': every node's
   * creation, deletion and data change). Iterate the result, or pass `listener`.
   * @example
   * const watch = await client.addWatch('/config', 'persistent', {
   *   listener: (event) => console.log(event.type, event.path),
   * });
   * // later
   * await watch.close();
   */
  async addWatch(path: string, mode: AddWatchMode, opts: AddWatchOptions = {}): Promise<PersistentWatch> {
    checkPath('addWatch', path);
    checkCallOptions('addWatch', opts);
    if (mode !== 'persistent' && mode !== 'persistentRecursive') throw new TypeError("addWatch(): `mode` must be 'persistent' or 'persistentRecursive'");
    if (opts.listener !== undefined && typeof opts.listener !== 'function') throw new TypeError('addWatch(): option `listener` must be a function');
    const bufferSize = opts.bufferSize ?? 1024;
    if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new TypeError('addWatch(): option `bufferSize` must be a positive integer');
    const serverPath = this.session.chroot.toServer(path);
    let handle: PersistentWatch | undefined;
    handle = new PersistentWatch(path, mode, opts.listener, bufferSize, async () => {
      if (!handle) return;
      const last = this.session.watches.remove(mode, serverPath, handle.watcher);
      if (!last || this.session.state === 'closed' || this.session.state === 'expired' || this.session.state === 'closing') return;
      try {
        await this.once({ op: 'removeWatches', path, type: mode }, {}, () => undefined);
      } catch {
        // Best effort: the server drops the watch with the connection anyway.
      }
    });
    const watcher = handle.watcher;
    await this.retrying({ op: 'addWatch', path, mode }, opts, (msg) => {
      ok(msg, path);
      this.session.watches.add(mode, serverPath, watcher);
    });
    return handle;
  }

  /**
   * Removes this session's watches of `type` on `path`, at the server and locally; each
   * local watcher gets a DataWatchRemoved/ChildWatchRemoved/PersistentWatchRemoved event.
   * Fails with NoWatcherError when there was none.
   */
  async removeWatches(path: string, type: WatcherType, opts: RemoveWatchesOptions = {}): Promise<void> {
    checkPath('removeWatches', path);
    checkCallOptions('removeWatches', opts);
    if (!['children', 'data', 'any', 'persistent', 'persistentRecursive'].includes(type)) {
      throw new TypeError("removeWatches(): `type` must be 'children', 'data', 'any', 'persistent' or 'persistentRecursive'");
    }
    const fire = (): number => {
      const removed = this.session.watches.removeAll(this.session.chroot.toServer(path), type);
      for (const [w, ev] of removed) this.session.callWatcher(w, { type: ev, path, zxid: this.lastZxid });
      return removed.length;
    };
    if (opts.local) {
      if (fire() === 0) throw errorFromCode(Code.NOWATCHER, 'no local watcher', { path });
      return;
    }
    await this.once({ op: 'removeWatches', path, type }, opts, (msg) => {
      ok(msg, path);
      fire();
    });
  }

  /**
   * Adds an identity to this connection (and to every later one of this session).
   * @example
   * await client.addAuth('digest', 'alice:secret');
   */
  async addAuth(scheme: string, auth: Data, opts: CallOptions = {}): Promise<void> {
    if (typeof scheme !== 'string') throw new TypeError('addAuth(): `scheme` must be a string');
    checkCallOptions('addAuth', opts);
    const b = bytes(auth, 'addAuth');
    await this.retrying({ op: 'addAuth', scheme, auth: b }, opts, (msg) => {
      ok(msg, undefined);
      this.session.rememberAuth(scheme, b);
    });
  }

  /** The identities the server sees for this connection (ip, digest, super...). */
  async whoAmI(opts: CallOptions = {}): Promise<ClientIdentity[]> {
    checkCallOptions('whoAmI', opts);
    return this.retrying({ op: 'whoAmI' }, opts, (msg) => decodeIdentities(ok(msg, undefined).body.whoAmI?.identities));
  }

  /**
   * Ends the session: its ephemeral nodes are deleted at once and its watchers get a final
   * `None`/'closed' event. Idempotent. When disconnected, it first tries each server once
   * (within `timeoutMs`) to end the session there; if none answers, only the local side
   * closes and the ensemble expires the session after its timeout.
   * @param opts.timeoutMs how long to wait for the server to confirm. @default 10000
   */
  close(opts: { timeoutMs?: number } = {}): Promise<void> {
    return this.session.close(opts.timeoutMs);
  }

  /** `await using client = await connect(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Connects to a Warden ensemble and opens a session. Resolves once the first server has
 * answered the handshake; rejects (after trying every server until `connectTimeoutMs`) with
 * the last refusal or a ConnectionLossError. Invalid options throw a TypeError naming them.
 *
 * @example
 * import { connect } from 'warden';
 * const client = await connect({ servers: 'localhost:2181', sessionTimeoutMs: 10_000 });
 */
export async function connect(options: ConnectOptions): Promise<Client> {
  const client = new Client(resolveOptions(options));
  await client.start();
  return client;
}

export type { ClientState };
