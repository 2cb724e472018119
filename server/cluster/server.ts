/**
 * The node runtime of a standalone server: it owns the clock, the timers, the disk and the
 * sockets, and drives the pure parts (tree, prep, pipeline, sessions, watches) with them.
 *
 * Start-up: recover the tree from the newest valid snapshot plus the log after it, start a
 * new epoch above everything on disk, re-arm every recovered session with a full timeout
 * (as ZooKeeper does: a restart must not expire sessions whose clients were simply waiting
 * for it), then listen.
 *
 * Replication in standalone mode is "persist, then commit": a proposed txn is appended to
 * the log (group commit: one fsync covers everything proposed meanwhile) and committed to
 * the pipeline once durable, in zxid order. The ensemble replaces exactly this step.
 *
 * A failed write or fsync is fatal (fail-stop): continuing could acknowledge a write that
 * is not on disk. `onFatal` lets the process owner exit.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Code } from '../../proto/codes.js';
import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../base/log.js';
import { epochOf, formatZxid } from '../base/zxid.js';
import { Prepper } from '../request/prep.js';
import { RequestPipeline } from '../request/pipeline.js';
import { createAdminHandlers, type ServerStatus } from '../rpc/admin-service.js';
import { createSessionHandler, WARDEN_SERVICE_NAME } from '../rpc/client-service.js';
import { startGrpcServer } from '../rpc/grpc-server.js';
import { SessionIdGenerator } from '../session/session-ids.js';
import { SessionTracker } from '../session/session-tracker.js';
import { Storage } from '../storage/storage.js';
import { DataTree } from '../tree/data-tree.js';
import { decodeTxnEntry, encodeTxnEntry } from '../tree/txn-codec.js';
import type { SessionId, TxnEntry } from '../tree/types.js';
import { WatchManager } from '../watch/watch-manager.js';
import type { ServerView } from '../admin/server-view.js';
import { NULL_SERVER_METRICS, type ServerMetrics } from '../base/server-metrics.js';
import { ConnectionStats } from '../rpc/connection-stats.js';
import { describeServer, fsyncObserver } from './server-view.js';
import { loadTlsMaterial } from '../config/tls-material.js';

export const WARDEN_VERSION = '0.1.0';

export interface RunningServer {
  readonly clientHost: string;
  readonly clientPort: number;
  /** the TLS client port, when secureClientPort is configured */
  readonly secureClientPort?: number;
  status(): ServerStatus;
  /** read-only view for the admin server and metrics */
  readonly view: ServerView;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Called once when the server cannot go on safely (disk write or fsync failed). */
  onFatal?: (err: Error) => void;
  /** where the runtime reports what it does (server/admin exports it); default: nowhere */
  metrics?: ServerMetrics;
}

/** How often session deadlines are checked. Finer than tickTime so expiry lands close to the timeout. */
const EXPIRY_CHECK_MS = 50;
/** How long a graceful shutdown waits for requests in flight to be answered. */
const SHUTDOWN_DRAIN_MS = 5000;

export async function startServer(config: ServerConfig, log: Logger, opts: StartOptions = {}): Promise<RunningServer> {
  const startedAt = performance.now();
  const metrics = opts.metrics ?? NULL_SERVER_METRICS;
  // Certificates are checked before anything is opened: a bad one stops start-up cleanly.
  const tls = loadTlsMaterial(config);
  const { storage, recovered } = await Storage.open(
    {
      dataDir: config.dataDir,
      dataLogDir: config.dataLogDir,
      preAllocBytes: config.preAllocBytes,
      forceSync: config.forceSync,
      onFsync: fsyncObserver(config.fsyncWarningThresholdMs, log, metrics),
    },
    log,
  );

  let tree: DataTree;
  try {
    tree = recovered.snapshot ? DataTree.fromSnapshot(recovered.snapshot.zxid, recovered.snapshot.records) : new DataTree();
    for (const record of recovered.records) tree.apply(decodeTxnEntry(record.payload));
  } catch (e) {
    await storage.close();
    throw e;
  }
  metrics.databaseLoaded(performance.now() - startedAt, recovered.records.length);
  let lastSnapshot = recovered.snapshot ? { zxid: recovered.snapshot.zxid, atMs: Date.now() } : undefined;
  log.info('recovered data tree', {
    zxid: formatZxid(tree.lastZxid),
    snapshot: recovered.snapshot ? formatZxid(recovered.snapshot.zxid) : 'none',
    replayedTxns: recovered.records.length,
    znodes: tree.nodeCount(),
    sessions: tree.sessions().size,
  });

  const serverId = config.myid ?? 0;
  const epoch = epochOf(tree.lastZxid) + 1;
  const mono = (): number => performance.now();
  const wall = (): number => Date.now();
  const tracker = new SessionTracker(EXPIRY_CHECK_MS);
  const watches = new WatchManager(config.limits, tree.lastZxid);
  const prepper = new Prepper(tree);
  const ids = new SessionIdGenerator(serverId, wall());

  let fatal: Error | undefined;
  let closing = false;
  const failStop = (err: Error): void => {
    if (fatal) return;
    fatal = err;
    log.error('storage failed; stopping to protect acknowledged data', { error: err.message });
    opts.onFatal?.(err);
  };

  let txnsSinceSnapshot = 0;
  let snapshotting = false;
  const snapThreshold = (): number => Math.max(1, Math.floor(config.snapCount / 2) + Math.floor(Math.random() * Math.ceil(config.snapCount / 2)));
  let nextSnapshotAt = snapThreshold();

  const takeSnapshot = (reason: string): void => {
    if (snapshotting || fatal) return;
    snapshotting = true;
    txnsSinceSnapshot = 0;
    nextSnapshotAt = snapThreshold();
    // Materialized synchronously: the records are a consistent image at exactly this zxid.
    const zxid = tree.lastZxid;
    const records = Array.from(tree.snapshotRecords());
    const began = mono();
    storage
      .writeSnapshot(zxid, records)
      .then(() => {
        metrics.snapshotWritten(mono() - began);
        lastSnapshot = { zxid, atMs: wall() };
        log.info('snapshot written', { zxid: formatZxid(zxid), reason, records: records.length, ms: Math.round(mono() - began) });
      })
      .catch((e: Error) => failStop(e))
      .finally(() => {
        snapshotting = false;
      });
  };

  const pipeline: RequestPipeline = new RequestPipeline(
    tree,
    prepper,
    watches,
    {
      limits: config.limits,
      superDigest: config.superDigest,
      extendedTypesEnabled: config.extendedTypesEnabled,
      minSessionTimeoutMs: config.minSessionTimeoutMs,
      maxSessionTimeoutMs: config.maxSessionTimeoutMs,
      propose(entry: TxnEntry) {
        if (fatal) return;
        const payload = encodeTxnEntry(entry);
        metrics.proposed(payload.length);
        storage
          .append([{ zxid: entry.header.zxid, payload }])
          .then(() => {
            if (fatal) return;
            pipeline.commit(entry, wall());
            metrics.committed();
            if (++txnsSinceSnapshot >= nextSnapshotAt) takeSnapshot('snapCount');
          })
          .catch((e: Error) => failStop(e));
      },
      sessionOpened(id: SessionId, timeoutMs: number) {
        tracker.add(id, timeoutMs, mono());
        log.debug('session opened', { session: `0x${id.toString(16)}`, timeoutMs });
      },
      sessionClosed(id: SessionId) {
        tracker.remove(id);
        log.debug('session closed', { session: `0x${id.toString(16)}` });
      },
    },
    epoch,
  );

  for (const [id, s] of tree.sessions()) tracker.add(id, s.timeoutMs, mono());

  if (recovered.records.length > 0 || !recovered.snapshot) takeSnapshot('start-up');

  const timers: NodeJS.Timeout[] = [];
  timers.push(
    setInterval(() => {
      if (fatal || closing) return;
      for (const id of tracker.expire(mono())) {
        log.debug('session expired', { session: `0x${id.toString(16)}` });
        pipeline.submitInternal(id, { op: 'closeSession' }, wall());
      }
    }, EXPIRY_CHECK_MS),
  );

  const reaping = new Set<string>();
  timers.push(
    setInterval(() => {
      if (fatal || closing) return;
      for (const path of tree.reapCandidates(wall())) {
        if (reaping.has(path)) continue;
        reaping.add(path);
        pipeline.submitInternal(0n, { op: 'reap', path }, wall(), () => reaping.delete(path));
      }
    }, config.containerCheckIntervalMs),
  );

  if (config.autopurgePurgeIntervalHours > 0) {
    // As ZooKeeper's DatadirCleanupManager: once at start-up, then every purgeInterval hours.
    const purge = (): void => {
      if (fatal || closing) return;
      storage
        .purge(config.autopurgeSnapRetainCount)
        .then((r) => {
          metrics.purged(r.removedFiles.length);
          if (r.removedFiles.length > 0) log.info('purged old snapshots and logs', { removed: r.removedFiles.length, kept: config.autopurgeSnapRetainCount });
        })
        .catch((e: Error) => log.warn('purge failed', { error: e.message }));
    };
    timers.push(setTimeout(purge, 0), setInterval(purge, config.autopurgePurgeIntervalHours * 3_600_000));
  }
  for (const t of timers) t.unref();

  let serving = false;
  const status = (): ServerStatus => ({
    mode: 'standalone',
    serverId,
    lastZxid: tree.lastZxid,
    clientPort: grpc.port,
    znodeCount: tree.nodeCount(),
    sessionCount: tree.sessions().size,
    watchCount: watches.counts().watches,
    outstandingRequests: pipeline.outstandingRequests,
    peers: [],
    version: WARDEN_VERSION,
  });

  const stats = new ConnectionStats(metrics, log);
  const grpc = await startGrpcServer({
    host: config.clientPortAddress,
    port: config.clientPort,
    limits: config.limits,
    session: createSessionHandler({
      pipeline,
      limits: config.limits,
      log,
      nowMs: wall,
      newSessionId: () => ids.next(),
      newPassword: () => randomBytes(16),
      touch: (id) => {
        tracker.touch(id, mono());
      },
      serving: () => serving && !fatal && !closing,
      stats,
    }),
    admin: createAdminHandlers(status),
    secure: tls && {
      host: config.secureClientPortAddress ?? config.clientPortAddress,
      port: config.secureClientPort!,
      cert: tls.cert,
      key: tls.key,
      ca: tls.ca,
      requireClientCert: tls.clientAuth === 'need',
    },
  }).catch(async (e: Error) => {
    for (const t of timers) clearInterval(t);
    // Nothing may report a failure after this: the start-up snapshot may still be in flight.
    fatal ??= e;
    await storage.close();
    throw new Error(`cannot listen for clients on ${config.clientPortAddress}:${config.clientPort}: ${e.message}`);
  });

  serving = true;
  grpc.health.setStatus('', 'SERVING');
  grpc.health.setStatus(WARDEN_SERVICE_NAME, 'SERVING');
  log.info('serving', {
    mode: 'standalone',
    client: `${config.clientPortAddress}:${grpc.port}`,
    secureClient: grpc.securePort === undefined ? undefined : `${config.secureClientPortAddress ?? config.clientPortAddress}:${grpc.securePort}`,
    tlsCert: tls ? `${tls.subject} until ${tls.notAfter}` : undefined,
    clientAuth: tls?.clientAuth,
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    config: config.configFile ?? '(defaults)',
    zxid: formatZxid(tree.lastZxid),
    startupMs: Math.round(mono() - startedAt),
  });

  const view = describeServer({
    config,
    startedAtMs: Date.now(),
    status,
    serving: () => serving && !fatal && !closing,
    tree,
    watches,
    stats,
    tracker,
    monoNowMs: mono,
    lastSnapshot: () => lastSnapshot,
  });

  return {
    clientHost: config.clientPortAddress,
    clientPort: grpc.port,
    secureClientPort: grpc.securePort,
    status,
    view,
    async close() {
      if (closing) return;
      closing = true;
      grpc.health.setStatus('', 'NOT_SERVING');
      grpc.health.setStatus(WARDEN_SERVICE_NAME, 'NOT_SERVING');
      for (const t of timers) clearInterval(t);
      // Answer what is already in flight before cutting the streams; bounded, since a
      // connected client may keep sending.
      const drainUntil = mono() + SHUTDOWN_DRAIN_MS;
      while (pipeline.outstandingRequests > 0 && !fatal && mono() < drainUntil) await new Promise((r) => setTimeout(r, 10));
      await grpc.shutdown(2000);
      // Appends already issued finish inside storage.close() before the files are closed.
      await storage.close();
      log.info('stopped', { zxid: formatZxid(tree.lastZxid), code: Code.OK });
    },
  };
}
