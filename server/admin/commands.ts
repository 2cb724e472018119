/**
 * The admin commands: ZooKeeper 3.8's AdminServer commands, each under its long name and
 * its four-letter name (GET /commands/stat and /commands/stats answer alike), returning
 * JSON with ZooKeeper's field names where ZooKeeper has them.
 *
 * Departures, on purpose: session ids are hex strings ("0x1a2b...") instead of JSON
 * numbers, because a 64-bit id does not survive a JSON number; zxids are hex strings as
 * everywhere in Warden. A command that needs a serving server answers with HTTP 503 and
 * an `error` while the server is starting, shutting down or without a quorum.
 */
import { arch, freemem, hostname, platform, release, totalmem, userInfo } from 'node:os';
import type { MetricsExporter } from './metrics-exporter.js';
import type { ServerView } from './server-view.js';

export type CommandResult = Record<string, unknown>;

export interface AdminCommand {
  /** the long name first, then aliases (the four-letter word among them) */
  names: string[];
  /** false: answers even when the server is not serving */
  serverRequired: boolean;
  doc: string;
  run(view: ServerView, metrics: MetricsExporter): CommandResult | Promise<CommandResult>;
}

const hex = (n: bigint): string => `0x${n.toString(16)}`;

function connectionInfo(view: ServerView, full: boolean): CommandResult[] {
  const timeouts = new Map(view.sessions().map((s) => [s.id, s.timeoutMs]));
  return view.connections().map((c) => {
    const base: CommandResult = {
      remote_socket_address: c.remoteAddress.replace(/^ipv[46]:/, ''),
      interest_ops: 1,
      outstanding_requests: c.outstandingRequests,
      packets_received: c.packetsReceived,
      packets_sent: c.packetsSent,
    };
    if (!full) return base;
    return {
      ...base,
      session_id: c.sessionId === undefined ? null : hex(c.sessionId),
      last_operation: c.lastOperation,
      established: new Date(c.establishedAtMs).toISOString(),
      session_timeout: c.sessionId === undefined ? null : (timeouts.get(c.sessionId) ?? null),
      last_latency: c.lastLatencyMs,
      min_latency: c.minLatencyMs,
      avg_latency: Math.round(c.avgLatencyMs * 1000) / 1000,
      max_latency: c.maxLatencyMs,
      last_response_time: c.lastResponseAtMs,
      secure: c.secure,
    };
  });
}

function srvr(view: ServerView, metrics: MetricsExporter): CommandResult {
  return {
    version: view.status().version,
    read_only: view.readOnly(),
    server_stats: metrics.serverStats(view),
    node_count: view.status().znodeCount,
  };
}

function conf(view: ServerView): CommandResult {
  const c = view.config;
  const out: CommandResult = {
    config_file: c.configFile ?? null,
    client_port: view.status().clientPort,
    client_port_address: c.clientPortAddress,
    secure_client_port: c.secureClientPort ?? null,
    data_dir: c.dataDir,
    data_log_dir: c.dataLogDir,
    tick_time: c.tickTimeMs,
    init_limit: c.initLimit,
    sync_limit: c.syncLimit,
    max_client_cnxns: c.maxClientCnxns,
    global_outstanding_limit: c.globalOutstandingLimit,
    min_session_timeout: c.minSessionTimeoutMs,
    max_session_timeout: c.maxSessionTimeoutMs,
    server_id: view.status().serverId,
    snap_count: c.snapCount,
    force_sync: c.forceSync,
    leader_serves: c.leaderServes,
    autopurge_snap_retain_count: c.autopurgeSnapRetainCount,
    autopurge_purge_interval: c.autopurgePurgeIntervalHours,
    fsync_warning_threshold_ms: c.fsyncWarningThresholdMs,
    admin_server_address: c.adminAddress,
    admin_server_port: c.adminPort ?? null,
    metrics_provider_http_port: c.metricsHttpPort ?? null,
    log_dir: c.logDir ?? null,
  };
  if (c.servers.length > 0) {
    out.servers = Object.fromEntries(
      c.servers.map((s) => [String(s.id), `${s.host}:${s.quorumPort}:${s.electionPort}:${s.observer ? 'observer' : 'participant'}${s.clientPort ? `;${s.clientPort}` : ''}`]),
    );
  }
  return out;
}

export const COMMANDS: AdminCommand[] = [
  { names: ['ruok'], serverRequired: true, doc: 'the server is serving (HTTP 503 otherwise)', run: () => ({}) },
  { names: ['server_stats', 'srvr'], serverRequired: true, doc: 'version, mode, latency and packet counts, znode count', run: srvr },
  {
    names: ['stats', 'stat'],
    serverRequired: true,
    doc: 'srvr plus the client connections',
    run: (v, m) => ({ ...srvr(v, m), connections: connectionInfo(v, false) }),
  },
  { names: ['monitor', 'mntr'], serverRequired: false, doc: 'values for monitoring (ZooKeeper mntr)', run: (v, m) => m.monitor(v) },
  { names: ['configuration', 'conf', 'config'], serverRequired: true, doc: 'the configuration in effect', run: (v) => conf(v) },
  {
    names: ['connections', 'cons'],
    serverRequired: true,
    doc: 'every client connection with its session and counters',
    run: (v) => ({ connections: connectionInfo(v, true).filter((c) => c.secure !== true), secure_connections: connectionInfo(v, true).filter((c) => c.secure === true) }),
  },
  {
    names: ['dump'],
    serverRequired: true,
    doc: 'sessions by expiry time, and ephemeral nodes by session',
    run: (v) => {
      const byExpiry: Record<string, string[]> = {};
      const ephemerals: Record<string, string[]> = {};
      for (const s of v.sessions()) {
        if (s.expiresAtMs !== undefined) (byExpiry[String(s.expiresAtMs)] ??= []).push(hex(s.id));
        if (s.ephemerals.length > 0) ephemerals[hex(s.id)] = [...s.ephemerals].sort();
      }
      return { expiry_time_to_session_ids: byExpiry, session_id_to_ephemeral_paths: ephemerals };
    },
  },
  {
    names: ['watch_summary', 'wchs'],
    serverRequired: true,
    doc: 'watch counts',
    run: (v) => {
      const s = v.watchSummary();
      return { num_connections: s.connections, num_paths: s.paths, num_total_watches: s.watches };
    },
  },
  {
    names: ['watches', 'wchc'],
    serverRequired: true,
    doc: 'watched paths by session',
    run: (v) => ({ session_id_to_watched_paths: Object.fromEntries([...v.watchesBySession()].map(([id, paths]) => [hex(id), [...paths].sort()])) }),
  },
  {
    names: ['watches_by_path', 'wchp'],
    serverRequired: true,
    doc: 'watching sessions by path',
    run: (v) => ({ path_to_session_ids: Object.fromEntries([...v.watchesByPath()].map(([path, ids]) => [path, ids.map(hex)])) }),
  },
  {
    names: ['environment', 'env', 'envi'],
    serverRequired: false,
    doc: 'the process environment: versions, host, user, memory',
    run: (v) => {
      let user = { username: '', homedir: '' };
      try {
        user = userInfo();
      } catch {
        // no passwd entry (containers): leave empty
      }
      return {
        'warden.version': v.status().version,
        'host.name': hostname(),
        'node.version': process.version,
        'node.v8.version': process.versions.v8,
        'os.name': platform(),
        'os.arch': arch(),
        'os.version': release(),
        'user.name': user.username,
        'user.home': user.homedir,
        'user.dir': process.cwd(),
        'process.pid': process.pid,
        'os.memory.free': `${Math.round(freemem() / 1048576)}MB`,
        'os.memory.total': `${Math.round(totalmem() / 1048576)}MB`,
        'process.memory.rss': `${Math.round(process.memoryUsage.rss() / 1048576)}MB`,
      };
    },
  },
  { names: ['is_read_only', 'isro'], serverRequired: true, doc: 'whether the server is in read-only mode', run: (v) => ({ read_only: v.readOnly() }) },
  {
    names: ['last_snapshot', 'lsnp'],
    serverRequired: true,
    doc: 'the newest snapshot this server wrote or loaded',
    run: (v) => {
      const s = v.lastSnapshot();
      return { zxid: s ? hex(s.zxid) : '-0x1', timestamp: s ? s.atMs : -1 };
    },
  },
];

const BY_NAME = new Map<string, AdminCommand>(COMMANDS.flatMap((c) => c.names.map((n) => [n, c] as const)));

export function findCommand(name: string): AdminCommand | undefined {
  return BY_NAME.get(name);
}
