/**
 * Options of `connect()`, their defaults and their validation. Every option is checked up
 * front and a bad one is a TypeError that names it (p-retry's convention), so a typo fails
 * at the call, not minutes later inside a reconnect.
 */
import type { Data } from './types.js';

/** One server of the ensemble, as parsed from the connect string. */
export interface ServerAddress {
  /** host name or IP address (IPv6 without the brackets) */
  host: string;
  /** client port (2181 when the connect string gave none) */
  port: number;
}

/**
 * Options of {@link connect}. Only `servers` is required; an unknown option or a bad value
 * is a TypeError naming it.
 */
export interface ConnectOptions {
  /**
   * The ensemble's client addresses: `'h1:p1,h2:p2'` (ZooKeeper's connect string) or an
   * array. A missing port means 2181. IPv6 hosts go in brackets: `[::1]:2181`. A path
   * after the last address is a chroot (as ZooKeeper's): every path of the client is then
   * relative to it, e.g. `'h1:2181,h2:2181/apps/billing'`.
   * @example 'localhost:2181'
   */
  servers: string | readonly string[];
  /**
   * The session timeout to ask for; the server negotiates it into its bounds
   * (minSessionTimeout..maxSessionTimeout) and `client.sessionTimeoutMs` tells the result.
   * @default 30000
   */
  sessionTimeoutMs?: number;
  /**
   * Aborts `connect()` while it is trying; once connected, aborting closes the client.
   */
  signal?: AbortSignal;
  /**
   * How long `connect()` keeps trying the servers before it fails.
   * @default sessionTimeoutMs
   */
  connectTimeoutMs?: number;
  /** Resume this session instead of creating one (with `sessionPassword`). */
  sessionId?: bigint;
  /** The password of `sessionId`. */
  sessionPassword?: Uint8Array;
  /**
   * Identities to add on every connection, before any request (as `addAuth`).
   * @example [{ scheme: 'digest', auth: 'alice:secret' }]
   */
  auth?: ReadonlyArray<{
    /** the authentication scheme, e.g. 'digest' */
    scheme: string;
    /** the credentials for that scheme, e.g. 'user:password' for digest (a string is UTF-8) */
    auth: Data;
  }>;
  /**
   * Requests in flight or waiting for a connection, at most. One more fails at once with a
   * LimitExceededError naming `maxPendingRequests`.
   * @default 1000
   */
  maxPendingRequests?: number;
  /**
   * Default deadline for every call that has no `timeoutMs` of its own; 0 means none (a
   * call then waits through reconnects until the session expires or the client closes).
   * @default 0
   */
  requestTimeoutMs?: number;
  /**
   * How often a read (or another call that is safe to repeat) is sent again after a
   * connection loss, once the session is reconnected. Writes are never repeated.
   * @default 3
   */
  readRetries?: number;
  /**
   * Reconnect backoff: first delay after a failed attempt to reach the whole server list.
   * @default 50
   */
  reconnectMinDelayMs?: number;
  /**
   * Reconnect backoff: the largest delay between attempts.
   * @default 1000
   */
  reconnectMaxDelayMs?: number;
  /**
   * Start at a random server of the list (spreads clients over an ensemble).
   * @default true
   */
  shuffleServers?: boolean;
  /**
   * Accept a read-only server (one cut off from its quorum).
   * @default false
   */
  canBeReadOnly?: boolean;
  /**
   * Connect with TLS (to the servers' `secureClientPort`). `true` trusts Node's built-in
   * root certificates; an object names the CA to trust and, for servers with
   * `ssl.clientAuth=need`, this client's certificate and key (all PEM, as text or bytes).
   * The server's certificate must name the host of the connect string (or `serverName`).
   * @example { ca: readFileSync('ca.pem'), cert: readFileSync('client.pem'), key: readFileSync('client-key.pem') }
   */
  tls?: boolean | TlsOptions;
}

/** TLS settings of {@link ConnectOptions.tls}; every field is optional. */
export interface TlsOptions {
  /** PEM certificates of the CA(s) to trust instead of Node's built-in roots */
  ca?: Data;
  /** PEM certificate chain this client presents (needs `key`) */
  cert?: Data;
  /** PEM private key of `cert` */
  key?: Data;
  /** the name the server's certificate must carry, when it differs from the host connected to */
  serverName?: string;
}

/** TLS settings as bytes, checked. */
export interface ResolvedTls {
  ca: Buffer | undefined;
  cert: Buffer | undefined;
  key: Buffer | undefined;
  serverName: string | undefined;
}

export interface ResolvedOptions {
  servers: ServerAddress[];
  /** '' for none, else the absolute path every client path is rooted at */
  chroot: string;
  sessionTimeoutMs: number;
  signal: AbortSignal | undefined;
  connectTimeoutMs: number;
  sessionId: bigint;
  sessionPassword: Uint8Array;
  auth: Array<{ scheme: string; auth: Uint8Array }>;
  maxPendingRequests: number;
  requestTimeoutMs: number;
  readRetries: number;
  reconnectMinDelayMs: number;
  reconnectMaxDelayMs: number;
  shuffleServers: boolean;
  canBeReadOnly: boolean;
  /** undefined: plain TCP */
  tls: ResolvedTls | undefined;
}

function fail(option: string, expected: string, got: unknown): never {
  const shown = typeof got === 'string' ? JSON.stringify(got) : typeof got === 'bigint' ? `${got}n` : String(got);
  throw new TypeError(`connect(): option \`${option}\` must be ${expected}, got ${shown}`);
}

function intOption(o: Record<string, unknown>, name: string, def: number, min: number): number {
  const v = o[name];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(name, `an integer >= ${min}`, v);
  return v;
}

/**
 * Splits a connect string into its addresses and its chroot (`'h1:p1,h2:p2/app'`).
 * Throws TypeError naming `servers`.
 */
export function parseConnectString(servers: unknown): {
  /** the addresses, in the order given */
  servers: ServerAddress[];
  /** the chroot path without a trailing slash, or '' for none */
  chroot: string;
} {
  if (typeof servers !== 'string') return { servers: parseServers(servers), chroot: '' };
  const slash = servers.indexOf('/');
  if (slash < 0) return { servers: parseServers(servers), chroot: '' };
  const chroot = servers.slice(slash).replace(/\/+$/, '');
  if (chroot !== '' && !/^(\/[^/]+)+$/.test(chroot)) fail('servers', 'a chroot without empty segments', servers.slice(slash));
  return { servers: parseServers(servers.slice(0, slash)), chroot };
}

/** Parses `'h1:p1,h2:p2'` (or an array of `host[:port]`). Throws TypeError naming `servers`. */
export function parseServers(servers: unknown): ServerAddress[] {
  const list = typeof servers === 'string' ? servers.split(',') : Array.isArray(servers) ? (servers as unknown[]) : fail('servers', "a 'host:port,host:port' string or an array", servers);
  const out: ServerAddress[] = [];
  for (const item of list) {
    if (typeof item !== 'string') fail('servers', 'host:port strings', item);
    const s = item.trim();
    if (s === '') continue;
    const m = /^(?:\[([^\]]+)\]|([^:/\s]+))(?::(\d+))?$/.exec(s);
    if (!m) fail('servers', 'entries of the form host[:port]', s);
    const port = m[3] === undefined ? 2181 : Number(m[3]);
    if (port < 1 || port > 65535) fail('servers', 'ports between 1 and 65535', s);
    out.push({ host: m[1] ?? m[2]!, port });
  }
  if (out.length === 0) fail('servers', 'at least one host:port', servers);
  return out;
}

export function resolveOptions(options: ConnectOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('connect(): expected an options object with `servers`');
  const o = options as unknown as Record<string, unknown>;
  const { servers, chroot } = parseConnectString(o.servers);
  const sessionTimeoutMs = intOption(o, 'sessionTimeoutMs', 30_000, 1);
  const signal = o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) fail('signal', 'an AbortSignal', signal);
  const sessionId = o.sessionId ?? 0n;
  if (typeof sessionId !== 'bigint' || sessionId < 0n) fail('sessionId', 'a non-negative bigint', sessionId);
  const sessionPassword = o.sessionPassword ?? new Uint8Array(0);
  if (!(sessionPassword instanceof Uint8Array)) fail('sessionPassword', 'a Uint8Array', sessionPassword);
  if (sessionId !== 0n && sessionPassword.length === 0) fail('sessionPassword', 'given with sessionId', sessionPassword);
  const authIn = o.auth ?? [];
  if (!Array.isArray(authIn)) fail('auth', 'an array of { scheme, auth }', authIn);
  const auth = (authIn as unknown[]).map((a) => {
    const entry = a as { scheme?: unknown; auth?: unknown } | null;
    if (!entry || typeof entry.scheme !== 'string' || (typeof entry.auth !== 'string' && !(entry.auth instanceof Uint8Array))) {
      fail('auth', 'entries { scheme: string, auth: string | Uint8Array }', JSON.stringify(a));
    }
    return { scheme: entry.scheme, auth: typeof entry.auth === 'string' ? Buffer.from(entry.auth, 'utf8') : entry.auth };
  });
  const reconnectMinDelayMs = intOption(o, 'reconnectMinDelayMs', 50, 0);
  const reconnectMaxDelayMs = intOption(o, 'reconnectMaxDelayMs', 1000, 0);
  if (reconnectMaxDelayMs < reconnectMinDelayMs) fail('reconnectMaxDelayMs', `>= reconnectMinDelayMs (${reconnectMinDelayMs})`, reconnectMaxDelayMs);
  const bool = (name: string, def: boolean): boolean => {
    const v = o[name];
    if (v === undefined) return def;
    if (typeof v !== 'boolean') fail(name, 'a boolean', v);
    return v;
  };
  const known = new Set(['tls',
    'servers', 'sessionTimeoutMs', 'signal', 'connectTimeoutMs', 'sessionId', 'sessionPassword', 'auth', 'maxPendingRequests',
    'requestTimeoutMs', 'readRetries', 'reconnectMinDelayMs', 'reconnectMaxDelayMs', 'shuffleServers', 'canBeReadOnly',
  ]);
  for (const key of Object.keys(o)) if (!known.has(key)) throw new TypeError(`connect(): unknown option \`${key}\``);
  return {
    servers,
    chroot,
    sessionTimeoutMs,
    signal: signal as AbortSignal | undefined,
    connectTimeoutMs: intOption(o, 'connectTimeoutMs', sessionTimeoutMs, 1),
    sessionId,
    sessionPassword,
    auth,
    maxPendingRequests: intOption(o, 'maxPendingRequests', 1000, 1),
    requestTimeoutMs: intOption(o, 'requestTimeoutMs', 0, 0),
    readRetries: intOption(o, 'readRetries', 3, 0),
    reconnectMinDelayMs,
    reconnectMaxDelayMs,
    shuffleServers: bool('shuffleServers', true),
    canBeReadOnly: bool('canBeReadOnly', false),
    tls: resolveTls(o.tls),
  };
}

function resolveTls(v: unknown): ResolvedTls | undefined {
  if (v === undefined || v === false) return undefined;
  if (v === true) return { ca: undefined, cert: undefined, key: undefined, serverName: undefined };
  if (v === null || typeof v !== 'object') fail('tls', 'a boolean or { ca, cert, key, serverName }', v);
  const t = v as Record<string, unknown>;
  for (const key of Object.keys(t)) if (!['ca', 'cert', 'key', 'serverName'].includes(key)) throw new TypeError(`connect(): unknown option \`tls.${key}\``);
  const pem = (name: string): Buffer | undefined => {
    const x = t[name];
    if (x === undefined) return undefined;
    if (typeof x === 'string') return Buffer.from(x, 'utf8');
    if (x instanceof Uint8Array) return Buffer.from(x);
    return fail(`tls.${name}`, 'PEM text or bytes', x);
  };
  const out: ResolvedTls = { ca: pem('ca'), cert: pem('cert'), key: pem('key'), serverName: undefined };
  if ((out.cert === undefined) !== (out.key === undefined)) fail(out.cert ? 'tls.key' : 'tls.cert', 'given together with the other (a certificate needs its key)', undefined);
  const name = t.serverName;
  if (name !== undefined && (typeof name !== 'string' || name === '')) fail('tls.serverName', 'a non-empty string', name);
  out.serverName = name as string | undefined;
  return out;
}

/** Per-call options, checked the same way. */
export interface CallOptions {
  /** Abandons the call: it rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Fails the call with OperationTimeoutError after this long (a write that was already
   * sent then has `outcomeUnknown` set). Overrides the client's `requestTimeoutMs`.
   */
  timeoutMs?: number;
}

export function checkCallOptions(method: string, opts: CallOptions | undefined): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${method}(): options must be an object`);
  if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) throw new TypeError(`${method}(): option \`signal\` must be an AbortSignal`);
  if (opts.timeoutMs !== undefined && (typeof opts.timeoutMs !== 'number' || !(opts.timeoutMs > 0))) {
    throw new TypeError(`${method}(): option \`timeoutMs\` must be a positive number, got ${String(opts.timeoutMs)}`);
  }
}
