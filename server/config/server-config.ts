/**
 * Server configuration: ZooKeeper's zoo.cfg, read as ZooKeeper reads it (key=value lines,
 * '#' comments), validated key by key. A bad line stops start-up with ONE line naming the
 * file, line and key. No file at all means a standalone server on defaults, data in ./data.
 *
 * Differences from ZooKeeper, on purpose: TTL nodes are on by default
 * (extendedTypesEnabled=true); a key Warden does not know is an error with a suggestion
 * (a typo must not silently fall back to a default), except ZooKeeper keys that have no
 * meaning here, which are accepted with a warning. A trailing "# comment" after a value is
 * ignored (the seed documents write `tickTime=2000 #...`).
 *
 * Only this folder and server/storage touch the file system.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_LIMITS, type Limits } from '../base/limits.js';

export interface ServerEntry {
  id: number;
  host: string;
  quorumPort: number;
  electionPort: number;
  observer: boolean;
  clientPort?: number;
}

export interface ServerConfig {
  configFile?: string;
  tickTimeMs: number;
  initLimit: number;
  syncLimit: number;
  dataDir: string;
  dataLogDir: string;
  clientPort: number;
  clientPortAddress: string;
  maxClientCnxns: number;
  globalOutstandingLimit: number;
  preAllocBytes: number;
  snapCount: number;
  /** committed txns the leader keeps in memory for DIFF, whatever their size (ZooKeeper: zookeeper.commitLogCount) */
  commitLogCount: number;
  /**
   * A learner further behind than commitLogCount still gets a DIFF while the txns to send
   * are at most this fraction of the last snapshot's size, else a SNAP (ZooKeeper:
   * zookeeper.snapshotSizeFactor); 0 or less: only commitLogCount counts.
   */
  snapshotSizeFactor: number;
  forceSync: boolean;
  leaderServes: boolean;
  /** a member cut off from its quorum serves reads to clients that accept it (ZooKeeper: readonlymode.enabled) */
  readOnlyMode: boolean;
  autopurgeSnapRetainCount: number;
  autopurgePurgeIntervalHours: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  metricsHttpPort?: number;
  /** address the metricsProvider.httpPort listener binds (ZooKeeper's metricsProvider.httpHost) */
  metricsHttpHost: string;
  /** the admin HTTP server's port; undefined = no admin server (see admin.serverPort) */
  adminPort?: number;
  adminAddress: string;
  /** an fsync slower than this is logged as a warning and counted */
  fsyncWarningThresholdMs: number;
  /** where `warden start` writes its log file; undefined = stderr in the foreground, dataDir when daemonized */
  logDir?: string;
  /** the log file is rotated once it would pass this size (ZooKeeper: zookeeper.log.maxfilesize); 0 = never */
  logMaxFileBytes: number;
  /** rotated log files kept (ZooKeeper: zookeeper.log.maxbackupindex) */
  logMaxBackupIndex: number;
  /** TLS client port (ZooKeeper: secureClientPort); needs ssl.certFile and ssl.keyFile */
  secureClientPort?: number;
  secureClientPortAddress?: string;
  tls?: TlsFiles;
  /** mutual TLS on peer links (ZooKeeper: sslQuorum=true with ssl.quorum.* files) */
  quorumTls?: { certFile: string; keyFile: string; caFile: string };
  superDigest?: string;
  extendedTypesEnabled: boolean;
  containerCheckIntervalMs: number;
  servers: ServerEntry[];
  myid?: number;
  limits: Limits;
  /** ZooKeeper keys accepted but without effect in Warden */
  warnings: string[];
}

/** PEM files for the TLS client port. */
export interface TlsFiles {
  certFile?: string;
  keyFile?: string;
  /** CA bundle that client certificates must chain to */
  caFile?: string;
  /** none: no client certificate asked; need: required, verified against caFile, mapped to an x509 ACL identity */
  clientAuth: 'none' | 'need';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly key: string,
    problem: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${key}: ${problem}` : `${file}: ${key}: ${problem}`);
  }
}

/** ZooKeeper keys that mean nothing for Warden: accepted, reported as warnings. */
const IGNORED_KEYS = new Set([
  '4lw.commands.whitelist',
  'admin.commandURL',
  'metricsProvider.className',
  'metricsProvider.exportJvmInfo',
  'standaloneEnabled',
  'reconfigEnabled',
  'quorumListenOnAllIPs',
  'traceFile',
  'skipACL',
  'electionAlg',
  'cnxTimeout',
  'syncEnabled',
  'audit.enable',
  'jvm.pause.warn-threshold-ms',
  'serverCnxnFactory',
  'localSessionsEnabled',
  'localSessionsUpgradingEnabled',
  'dynamicConfigFile',
]);

type Setter = (cfg: Draft, value: string, fail: (problem: string) => never) => void;

interface Draft extends Omit<ServerConfig, 'dataLogDir' | 'minSessionTimeoutMs' | 'maxSessionTimeoutMs' | 'dataDir'> {
  dataDir?: string;
  dataLogDir?: string;
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
  peerTypeObserver?: boolean;
  adminEnabled?: boolean;
  sslQuorum?: boolean;
  quorumFiles?: Partial<NonNullable<ServerConfig['quorumTls']>>;
}

/** "256MB", "10KB", "1GB" or plain bytes (log4j's spelling); 0 means no limit. */
function byteSize(value: string, fail: (p: string) => never): number {
  const m = /^(\d+)\s*(KB|MB|GB)?$/i.exec(value.trim());
  if (!m) fail(`expected a size like 256MB, 10KB or a number of bytes, got "${value}"`);
  const unit = { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[(m[2] ?? '').toUpperCase() as 'KB' | 'MB' | 'GB'] ?? 1;
  const n = Number(m[1]) * unit;
  if (!Number.isSafeInteger(n)) fail(`too large: "${value}"`);
  return n;
}

function int(value: string, fail: (p: string) => never, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(value)) fail(`expected a whole number, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) fail(`must be between ${min} and ${max}, got ${n}`);
  return n;
}

function decimal(value: string, fail: (p: string) => never): number {
  if (!/^-?(\d+\.?\d*|\.\d+)$/.test(value.trim())) fail(`expected a number like 0.33, got "${value}"`);
  return Number(value);
}

function bool(value: string, fail: (p: string) => never): boolean {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  return fail(`expected yes/no or true/false, got "${value}"`);
}

function port(value: string, fail: (p: string) => never, allowZero: boolean): number {
  return int(value, fail, allowZero ? 0 : 1, 65535);
}

const SETTERS: Record<string, Setter> = {
  tickTime: (c, v, f) => (c.tickTimeMs = int(v, f, 1)),
  initLimit: (c, v, f) => (c.initLimit = int(v, f, 1)),
  syncLimit: (c, v, f) => (c.syncLimit = int(v, f, 1)),
  dataDir: (c, v, f) => (c.dataDir = v.length > 0 ? v : f('must not be empty')),
  dataLogDir: (c, v, f) => (c.dataLogDir = v.length > 0 ? v : f('must not be empty')),
  clientPort: (c, v, f) => (c.clientPort = port(v, f, true)),
  clientPortAddress: (c, v, f) => (c.clientPortAddress = v.length > 0 ? v : f('must not be empty')),
  maxClientCnxns: (c, v, f) => (c.maxClientCnxns = int(v, f, 0)),
  globalOutstandingLimit: (c, v, f) => (c.globalOutstandingLimit = int(v, f, 1)),
  preAllocSize: (c, v, f) => (c.preAllocBytes = int(v, f, 1, 16 * 1024 * 1024) * 1024),
  snapCount: (c, v, f) => (c.snapCount = int(v, f, 2)),
  commitLogCount: (c, v, f) => (c.commitLogCount = int(v, f, 1, 10_000_000)),
  'zookeeper.commitLogCount': (c, v, f) => (c.commitLogCount = int(v, f, 1, 10_000_000)),
  snapshotSizeFactor: (c, v, f) => (c.snapshotSizeFactor = decimal(v, f)),
  'zookeeper.snapshotSizeFactor': (c, v, f) => (c.snapshotSizeFactor = decimal(v, f)),
  forceSync: (c, v, f) => (c.forceSync = bool(v, f)),
  leaderServes: (c, v, f) => (c.leaderServes = bool(v, f)),
  'readonlymode.enabled': (c, v, f) => (c.readOnlyMode = bool(v, f)),
  'autopurge.snapRetainCount': (c, v, f) => (c.autopurgeSnapRetainCount = int(v, f, 3)),
  'autopurge.purgeInterval': (c, v, f) => (c.autopurgePurgeIntervalHours = int(v, f, 0)),
  minSessionTimeout: (c, v, f) => (c.minSessionTimeoutMs = int(v, f, 1)),
  maxSessionTimeout: (c, v, f) => (c.maxSessionTimeoutMs = int(v, f, 1)),
  'metricsProvider.httpPort': (c, v, f) => (c.metricsHttpPort = port(v, f, true)),
  'admin.serverPort': (c, v, f) => (c.adminPort = port(v, f, true)),
  'admin.serverAddress': (c, v, f) => (c.adminAddress = v.length > 0 ? v : f('must not be empty')),
  'admin.enableServer': (c, v, f) => (c.adminEnabled = bool(v, f)),
  'metricsProvider.httpHost': (c, v, f) => (c.metricsHttpHost = v.length > 0 ? v : f('must not be empty')),
  'fsync.warningthresholdms': (c, v, f) => (c.fsyncWarningThresholdMs = int(v, f, 1)),
  logDir: (c, v, f) => (c.logDir = v.length > 0 ? v : f('must not be empty')),
  'zookeeper.log.dir': (c, v, f) => SETTERS.logDir!(c, v, f),
  'zookeeper.log.maxfilesize': (c, v, f) => (c.logMaxFileBytes = byteSize(v, f)),
  logMaxFileSize: (c, v, f) => (c.logMaxFileBytes = byteSize(v, f)),
  'zookeeper.log.maxbackupindex': (c, v, f) => (c.logMaxBackupIndex = int(v, f, 0, 1000)),
  logMaxBackupIndex: (c, v, f) => (c.logMaxBackupIndex = int(v, f, 0, 1000)),
  secureClientPort: (c, v, f) => (c.secureClientPort = port(v, f, true)),
  secureClientPortAddress: (c, v, f) => (c.secureClientPortAddress = v.length > 0 ? v : f('must not be empty')),
  'ssl.certFile': (c, v, f) => (tls(c).certFile = v.length > 0 ? v : f('must not be empty')),
  'ssl.keyFile': (c, v, f) => (tls(c).keyFile = v.length > 0 ? v : f('must not be empty')),
  'ssl.caFile': (c, v, f) => (tls(c).caFile = v.length > 0 ? v : f('must not be empty')),
  // ZooKeeper's PEM key store: one file holding the private key and the certificate chain.
  'ssl.keyStore.location': (c, v, f) => {
    if (v.length === 0) f('must not be empty');
    tls(c).certFile = v;
    tls(c).keyFile = v;
  },
  'ssl.trustStore.location': (c, v, f) => (tls(c).caFile = v.length > 0 ? v : f('must not be empty')),
  'ssl.keyStore.type': (_c, v, f) => (v.toUpperCase() === 'PEM' ? undefined : f(`Warden reads PEM files only, not ${v}`)),
  'ssl.trustStore.type': (_c, v, f) => (v.toUpperCase() === 'PEM' ? undefined : f(`Warden reads PEM files only, not ${v}`)),
  sslQuorum: (c, v, f) => (c.sslQuorum = bool(v, f)),
  'ssl.quorum.certFile': (c, v, f) => (qtls(c).certFile = v.length > 0 ? v : f('must not be empty')),
  'ssl.quorum.keyFile': (c, v, f) => (qtls(c).keyFile = v.length > 0 ? v : f('must not be empty')),
  'ssl.quorum.caFile': (c, v, f) => (qtls(c).caFile = v.length > 0 ? v : f('must not be empty')),
  'ssl.quorum.keyStore.location': (c, v, f) => {
    if (v.length === 0) f('must not be empty');
    qtls(c).certFile = v;
    qtls(c).keyFile = v;
  },
  'ssl.quorum.trustStore.location': (c, v, f) => (qtls(c).caFile = v.length > 0 ? v : f('must not be empty')),
  'ssl.quorum.keyStore.type': (_c, v, f) => (v.toUpperCase() === 'PEM' ? undefined : f(`Warden reads PEM files only, not ${v}`)),
  'ssl.quorum.trustStore.type': (_c, v, f) => (v.toUpperCase() === 'PEM' ? undefined : f(`Warden reads PEM files only, not ${v}`)),
  'ssl.clientAuth': (c, v, f) => {
    const m = v.toLowerCase();
    if (m === 'want') f('want (an optional client certificate) is not supported; use none or need');
    tls(c).clientAuth = m === 'none' || m === 'need' ? m : f(`expected none or need, got "${v}"`);
  },
  superDigest: (c, v, f) => (c.superDigest = /^[^:]+:[A-Za-z0-9+/]{27}=$/.test(v) ? v : f('expected user:base64(sha1(user:password))')),
  'zookeeper.DigestAuthenticationProvider.superDigest': (c, v, f) => SETTERS.superDigest!(c, v, f),
  'jute.maxbuffer': (c, v, f) => (c.limits.dataBytesMax = int(v, f, 1, 64 * 1024 * 1024)),
  extendedTypesEnabled: (c, v, f) => (c.extendedTypesEnabled = bool(v, f)),
  'znode.container.checkIntervalMs': (c, v, f) => (c.containerCheckIntervalMs = int(v, f, 10)),
  maxWatchesPerSession: (c, v, f) => (c.limits.watchesPerSessionMax = int(v, f, 1)),
  maxSessionOutstanding: (c, v, f) => (c.limits.sessionOutstandingMax = int(v, f, 1)),
  watchHistorySize: (c, v, f) => (c.limits.watchHistoryMax = int(v, f, 0)),
  peerType: (c, v, f) => (c.peerTypeObserver = v === 'observer' ? true : v === 'participant' ? false : f('expected observer or participant')),
};

function qtls(c: Draft): Partial<NonNullable<ServerConfig['quorumTls']>> {
  return (c.quorumFiles ??= {});
}

function tls(c: Draft): TlsFiles {
  return (c.tls ??= { clientAuth: 'none' });
}

function defaults(): Draft {
  return {
    tickTimeMs: 2000,
    initLimit: 10,
    syncLimit: 5,
    clientPort: 2181,
    clientPortAddress: '0.0.0.0',
    maxClientCnxns: 60,
    globalOutstandingLimit: 1000,
    preAllocBytes: 64 * 1024 * 1024,
    snapCount: 100_000,
    commitLogCount: 500,
    snapshotSizeFactor: 0.33,
    forceSync: true,
    leaderServes: true,
    readOnlyMode: false,
    autopurgeSnapRetainCount: 3,
    autopurgePurgeIntervalHours: 0,
    adminAddress: '127.0.0.1',
    metricsHttpHost: '0.0.0.0',
    fsyncWarningThresholdMs: 1000,
    logMaxFileBytes: 256 * 1024 * 1024,
    logMaxBackupIndex: 20,
    extendedTypesEnabled: true,
    containerCheckIntervalMs: 1000,
    servers: [],
    limits: { ...DEFAULT_LIMITS },
    warnings: [],
  };
}

/** `server.N=host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]` */
function parseServerLine(id: number, value: string, fail: (p: string) => never): ServerEntry {
  const [addr = '', client] = value.split(';');
  const m = /^(\[[^\]]+\]|[^:]+):(\d+):(\d+)(?::(participant|observer))?$/.exec(addr.trim());
  if (!m) fail(`expected host:quorumPort:electionPort[:observer], got "${value}"`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const quorumPort = port(m[2]!, fail, false);
  const electionPort = port(m[3]!, fail, false);
  if (quorumPort === electionPort) fail(`quorum and election ports must differ (both ${quorumPort})`);
  const entry: ServerEntry = { id, host, quorumPort, electionPort, observer: m[4] === 'observer' };
  if (client !== undefined && client.trim() !== '') {
    const cp = client.trim().split(':').pop() ?? '';
    entry.clientPort = port(cp, fail, false);
  }
  return entry;
}

function suggest(key: string): string {
  const known = [...Object.keys(SETTERS), 'server.N'];
  let best = '';
  let bestScore = Infinity;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = k;
    }
  }
  return bestScore <= Math.max(2, Math.floor(key.length / 4)) ? ` (did you mean ${best}?)` : '';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/**
 * Parses zoo.cfg text. `readMyid(dataDir)` returns the myid file's content (or undefined
 * when missing); it is consulted only for an ensemble (server.N lines present).
 */
export function parseConfig(text: string, file: string, readMyid?: (dataDir: string) => string | undefined): ServerConfig {
  const cfg = defaults();
  cfg.configFile = file;
  const seen = new Map<string, number>();
  const serverLines = new Map<number, number>();
  // A byte-order mark (editors on Windows add one) is not part of the first key.
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#') || raw.startsWith('!')) continue;
    const eq = raw.search(/[=:]/);
    const sep = raw.indexOf('=');
    if (sep <= 0 && eq <= 0) throw new ConfigError(file, lineNo, raw, 'expected key=value');
    const at = sep > 0 ? sep : eq;
    const key = raw.slice(0, at).trim();
    const value = raw.slice(at + 1).replace(/\s+#.*$/, '').trim();
    const fail = (problem: string): never => {
      throw new ConfigError(file, lineNo, key, problem);
    };
    const earlier = seen.get(key);
    if (earlier !== undefined) fail(`set twice (first on line ${earlier})`);
    seen.set(key, lineNo);
    const serverMatch = /^server\.(\d+)$/.exec(key);
    if (serverMatch) {
      const id = int(serverMatch[1]!, fail, 1, 255);
      const before = serverLines.get(id);
      if (before !== undefined) fail(`server id ${id} is already defined on line ${before}`);
      serverLines.set(id, lineNo);
      cfg.servers.push(parseServerLine(id, value, fail));
      continue;
    }
    if (key.startsWith('server.')) fail('expected server.N with N a number from 1 to 255');
    const setter = SETTERS[key];
    if (setter) {
      setter(cfg, value, fail);
      continue;
    }
    if (IGNORED_KEYS.has(key) || key.startsWith('ssl.') || key.startsWith('authProvider.') || key.startsWith('group.') || key.startsWith('weight.')) {
      cfg.warnings.push(`${file}:${lineNo}: ${key} has no effect in Warden; ignored`);
      continue;
    }
    fail(`unknown key${suggest(key)}`);
  }
  if (cfg.dataDir === undefined) throw new ConfigError(file, 0, 'dataDir', 'is required in a config file');
  return finish(cfg, file, serverLines, readMyid, seen);
}

function finish(
  cfg: Draft,
  file: string,
  serverLines: Map<number, number>,
  readMyid?: (dataDir: string) => string | undefined,
  keyLines: ReadonlyMap<string, number> = new Map(),
): ServerConfig {
  const dataDir = resolve(cfg.dataDir ?? 'data');
  const dataLogDir = resolve(cfg.dataLogDir ?? dataDir);
  const minSessionTimeoutMs = cfg.minSessionTimeoutMs ?? cfg.tickTimeMs * 2;
  const maxSessionTimeoutMs = cfg.maxSessionTimeoutMs ?? cfg.tickTimeMs * 20;
  if (minSessionTimeoutMs > maxSessionTimeoutMs) {
    const key = keyLines.has('minSessionTimeout') ? 'minSessionTimeout' : 'maxSessionTimeout';
    throw new ConfigError(file, keyLines.get(key) ?? 0, key, `minSessionTimeout (${minSessionTimeoutMs} ms) must not exceed maxSessionTimeout (${maxSessionTimeoutMs} ms)`);
  }
  cfg.limits.connectionsPerAddressMax = cfg.maxClientCnxns;
  cfg.limits.outstandingRequestsMax = cfg.globalOutstandingLimit;
  // The admin server runs only when asked for: a port, or admin.enableServer=true (then
  // ZooKeeper's 8080). admin.enableServer=false turns it off even with a port.
  const adminPort = cfg.adminEnabled === false ? undefined : (cfg.adminPort ?? (cfg.adminEnabled === true ? 8080 : undefined));
  const logDir = cfg.logDir === undefined ? undefined : resolve(cfg.logDir);
  if (cfg.secureClientPort !== undefined && (cfg.tls?.certFile === undefined || cfg.tls.keyFile === undefined)) {
    throw new ConfigError(file, 0, 'secureClientPort', 'needs ssl.certFile and ssl.keyFile (PEM), or ssl.keyStore.location (one PEM with key and certificate)');
  }
  if (cfg.tls?.clientAuth === 'need' && cfg.tls.caFile === undefined) {
    throw new ConfigError(file, 0, 'ssl.clientAuth', 'need requires ssl.caFile (the CA client certificates must chain to)');
  }
  const tlsFiles = cfg.tls ? { ...cfg.tls, ...resolved(cfg.tls) } : undefined;
  let quorumTls: ServerConfig['quorumTls'];
  if (cfg.sslQuorum) {
    const q = cfg.quorumFiles ?? {};
    if (!q.certFile || !q.keyFile || !q.caFile) {
      throw new ConfigError(file, 0, 'sslQuorum', 'needs ssl.quorum.certFile, ssl.quorum.keyFile and ssl.quorum.caFile (PEM; every member presents a certificate the CA signed)');
    }
    quorumTls = { certFile: resolve(q.certFile), keyFile: resolve(q.keyFile), caFile: resolve(q.caFile) };
  }
  const out: ServerConfig = { ...cfg, dataDir, dataLogDir, minSessionTimeoutMs, maxSessionTimeoutMs, adminPort, logDir, tls: tlsFiles, quorumTls };
  delete (out as Draft).peerTypeObserver;
  delete (out as Draft).adminEnabled;
  delete (out as Draft).sslQuorum;
  delete (out as Draft).quorumFiles;
  if (cfg.servers.length > 0) {
    const voters = cfg.servers.filter((s) => !s.observer);
    if (voters.length === 0) throw new ConfigError(file, 0, 'server.N', 'an ensemble needs at least one participant');
    const text = readMyid?.(dataDir);
    if (text === undefined) throw new ConfigError(file, 0, 'myid', `missing file ${join(dataDir, 'myid')} (it must hold this server's N from server.N)`);
    const myid = text.trim();
    if (!/^\d+$/.test(myid)) throw new ConfigError(join(dataDir, 'myid'), 1, 'myid', `expected a number, got "${myid}"`);
    out.myid = Number(myid);
    if (!serverLines.has(out.myid)) {
      throw new ConfigError(join(dataDir, 'myid'), 1, 'myid', `${out.myid} matches no server.N line in ${file}`);
    }
  }
  return out;
}

function resolved(t: TlsFiles): Partial<TlsFiles> {
  const out: Partial<TlsFiles> = {};
  if (t.certFile !== undefined) out.certFile = resolve(t.certFile);
  if (t.keyFile !== undefined) out.keyFile = resolve(t.keyFile);
  if (t.caFile !== undefined) out.caFile = resolve(t.caFile);
  return out;
}

/** The config for `warden start` with no file: standalone, port 2181, data in ./data. */
export function defaultConfig(): ServerConfig {
  const cfg = defaults();
  cfg.dataDir = 'data';
  return finish(cfg, '(defaults)', new Map());
}

/** Reads and parses a zoo.cfg; undefined means defaults. Throws ConfigError. */
export function loadConfig(file: string | undefined): ServerConfig {
  if (file === undefined) return defaultConfig();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, 0, 'file', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseConfig(text, file, (dir) => {
    try {
      return readFileSync(join(dir, 'myid'), 'utf8');
    } catch {
      return undefined;
    }
  });
}
