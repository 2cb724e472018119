/**
 * The node runtime of a server, standalone or ensemble member: it owns the clock, the
 * timers, the disk and the sockets, and drives the pure parts (zab, tree, prep, pipeline,
 * sessions, watches) with them.
 *
 * There is one code path. A standalone server is an ensemble of one voter: it elects
 * itself at once, and "replicate" is "persist, then commit" because its own ack is a
 * majority. An ensemble member adds the peer transport (peer-transport.ts).
 *
 * Start-up: the tree is the newest valid snapshot (committed state only); the log after it
 * goes to Zab as history whose fate the next leader decides (a leader commits its whole
 * history; a learner is synced to the leader's). Serving starts once Zab says so: as
 * leader (a majority acked NEWLEADER) or as a learner in sync (UPTODATE). Then every
 * session is re-armed with a full timeout on the leader, which alone decides expiry.
 *
 * Clients: reads are served by the local tree; a learner forwards writes and syncs to the
 * leader (server/request/forwarded.ts) and sends it the sessions it sees alive; losing
 * the leader or the quorum closes every client connection so clients move on.
 *
 * A failed write or fsync is fatal (fail-stop): continuing could acknowledge a write that
 * is not on disk. `onFatal` lets the process owner exit.
 *
 * A full disk is not fatal: nothing on disk is wrong. The Zab core halts without
 * acknowledging what the disk refused (zab-driver.ts) and the requests waiting on it see a
 * connection loss (outcome unknown). A standalone server goes on serving reads, watches and
 * pings and refuses writes with NOTREADONLY "disk full: ..."; an ensemble member stops
 * serving (its clients move to other members) and drops out of the quorum, so a majority
 * of healthy members goes on without it (a leader's followers elect a new one). Every
 * DISK_FULL_RETRY_MS a probe checks for space; once there is some, the server goes on from
 * its durable state by itself (a member rejoins and is synced like a restarted one).
 * Snapshots are postponed meanwhile.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Code } from '../../proto/codes.js';
import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../base/log.js';
import { epochOf, formatZxid, type Zxid } from '../base/zxid.js';
import { Prepper } from '../request/prep.js';
import { RequestPipeline } from '../request/pipeline.js';
import { createAdminHandlers, type ServerStatus } from '../rpc/admin-service.js';
import { createSessionHandler, WARDEN_SERVICE_NAME } from '../rpc/client-service.js';
import { startGrpcServer } from '../rpc/grpc-server.js';
import { SessionIdGenerator } from '../session/session-ids.js';
import { SessionTracker } from '../session/session-tracker.js';
import { TtlTracker } from '../session/ttl-tracker.js';
import { DiskFullError, Storage } from '../storage/storage.js';
import { DataTree } from '../tree/data-tree.js';
import { decodeTxnEntry, encodeTxnEntry } from '../tree/txn-codec.js';
import type { SessionId, TxnEntry } from '../tree/types.js';
import { WatchManager } from '../watch/watch-manager.js';
import type { ServerView } from '../admin/server-view.js';
import { NULL_SERVER_METRICS, type ServerMetrics } from '../base/server-metrics.js';
import { ConnectionStats } from '../rpc/connection-stats.js';
import { describeServer, fsyncObserver } from './server-view.js';
import { loadQuorumTlsMaterial, loadTlsMaterial } from '../config/tls-material.js';
import { readEpoch } from '../storage/epoch-file.js';
import type { Effect, Entry, Member, Snapshot } from '../zab/types.js';
import { PeerTransport } from './peer-transport.js';
import { ZabDriver, zabTiming } from './zab-driver.js';
import type { PeerBody } from './peer-codec.js';

export const WARDEN_VERSION = '0.1.0';

/** The role change's reason when an ensemble member stops serving for a full disk. */
const DISK_FULL_REASON = 'disk full';

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
/** Nodes encoded per slice of a snapshot (a few ms each) before other work gets a turn. */
const SNAPSHOT_SLICE_NODES = 1000;
/** How often a full disk is probed for space again (and a refused session expiry retried). */
const DISK_FULL_RETRY_MS = 500;
/** How often a learner reports the sessions its clients kept alive to the leader, at most. */
const TOUCH_REPORT_MS = 100;
/** How long a graceful shutdown waits for requests in flight to be answered. */
const SHUTDOWN_DRAIN_MS = 5000;

/** Bytes of a snapshot's records (about its file size, as ZooKeeper measures it for the DIFF limit). */
function recordBytes(records: Iterable<Uint8Array>): number {
  let n = 0;
  for (const r of records) n += r.length;
  return n;
}

export async function startServer(config: ServerConfig, log: Logger, opts: StartOptions = {}): Promise<RunningServer> {
  const startedAt = performance.now();
  const metrics = opts.metrics ?? NULL_SERVER_METRICS;
  // Certificates are checked before anything is opened: a bad one stops start-up cleanly.
  const tls = loadTlsMaterial(config);
  const quorumTls = loadQuorumTlsMaterial(config);
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
  let acceptedEpoch: number;
  let currentEpoch: number;
  const lastLogged: Zxid = recovered.records.at(-1)?.zxid ?? recovered.snapshot?.zxid ?? 0n;
  try {
    tree = recovered.snapshot ? DataTree.fromSnapshot(recovered.snapshot.zxid, recovered.snapshot.records) : new DataTree();
    // A data dir without epoch files (new, or from before Zab) starts at its last txn's epoch.
    acceptedEpoch = readEpoch(config.dataDir, 'acceptedEpoch') ?? epochOf(lastLogged);
    currentEpoch = Math.min(acceptedEpoch, readEpoch(config.dataDir, 'currentEpoch') ?? epochOf(lastLogged));
  } catch (e) {
    await storage.close();
    throw e;
  }
  metrics.databaseLoaded(performance.now() - startedAt, recovered.records.length);
  let lastSnapshot = recovered.snapshot ? { zxid: recovered.snapshot.zxid, atMs: Date.now() } : undefined;
  // No closure may use `recovered`: it holds the snapshot's records and the replayed log,
  // which the tree and the zab log have taken over; kept, they would stay for good.
  const startupSnapshotWanted = recovered.records.length > 0 || !recovered.snapshot;
  /** size of the newest snapshot (its records), which bounds how far back a DIFF reaches */
  let lastSnapshotBytes = recovered.snapshot ? recordBytes(recovered.snapshot.records) : 0;
  log.info('recovered data tree', {
    zxid: formatZxid(tree.lastZxid),
    snapshot: recovered.snapshot ? formatZxid(recovered.snapshot.zxid) : 'none',
    replayedTxns: recovered.records.length,
    znodes: tree.nodeCount(),
    sessions: tree.sessions().size,
  });

  const serverId = config.myid ?? 0;
  const ensemble = config.servers.length > 0;
  const members: Member[] = ensemble ? config.servers.map((s) => ({ id: s.id, voter: !s.observer })) : [{ id: serverId, voter: true }];
  const epoch = epochOf(tree.lastZxid) + 1;
  const mono = (): number => performance.now();
  const wall = (): number => Date.now();
  const tracker = new SessionTracker(EXPIRY_CHECK_MS);
  const ttls = new TtlTracker();
  const watches = new WatchManager(config.limits, tree.lastZxid);
  const prepper = new Prepper(tree);
  const ids = new SessionIdGenerator(serverId, wall());

  let fatal: Error | undefined;
  let closing = false;
  /** why writes are refused (a full disk), until the resumed core serves again */
  let writesRefused: string | undefined;
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
    if (snapshotting || fatal || driver.diskFull) return;
    snapshotting = true;
    txnsSinceSnapshot = 0;
    nextSnapshotAt = snapThreshold();
    // The records are the tree at exactly this zxid, materialized a slice at a time between
    // other work (the tree keeps the old image of whatever changes meanwhile), so a large
    // tree never stops the server for the whole encoding.
    const cursor = tree.beginSnapshot();
    const zxid = cursor.zxid;
    const began = mono();
    const write = (): void => {
      const records = cursor.records;
      // In the persist order, so it never races a TRUNC or a SNAP from the leader.
      driver.exclusive(() =>
        storage
          .writeSnapshot(zxid, records)
          .then(() => {
            metrics.snapshotWritten(mono() - began);
            lastSnapshot = { zxid, atMs: wall() };
            lastSnapshotBytes = recordBytes(records);
            log.info('snapshot written', { zxid: formatZxid(zxid), reason, records: records.length, ms: Math.round(mono() - began) });
          })
          .catch((e: Error) => {
            // The log holds everything a snapshot would: a full disk only postpones it.
            if (e instanceof DiskFullError) log.warn('snapshot postponed: disk full', { zxid: formatZxid(zxid), error: e.message });
            else failStop(e);
          })
          .finally(() => {
            snapshotting = false;
          }),
      );
    };
    const step = (): void => {
      if (cursor.isCancelled || fatal || closing) {
        if (!cursor.isCancelled) cursor.cancel();
        snapshotting = false;
        return;
      }
      if (cursor.step(SNAPSHOT_SLICE_NODES)) write();
      else setImmediate(step);
    };
    step();
  };

  /**
   * The txns this server prepared, by their encoded bytes: the same bytes come back in the
   * apply effect, and applying the object prep made saves decoding what was just encoded.
   * Entries never applied (a lost leadership) go with their bytes.
   */
  const proposedHere = new WeakMap<Uint8Array, TxnEntry>();
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
        // Refused writes never get here; a proposal racing the halt is abandoned with the rest.
        if (fatal || writesRefused !== undefined) return;
        const payload = encodeTxnEntry(entry);
        metrics.proposed(payload.length);
        proposedHere.set(payload, entry);
        driver.propose({ zxid: entry.header.zxid, data: payload });
      },
      forward(req) {
        const leader = driver.zab.leaderId;
        if (leader !== undefined && transport) transport.send(leader, { kind: 'request', req });
      },
      refuseWrites: () => writesRefused,
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

  // ------------------------------------------------------------------ replication

  let serving = false;
  let mode: Effect & { kind: 'role' } = { kind: 'role', mode: 'looking', epoch: currentEpoch, leader: undefined, reason: 'starting' };
  let firstServing: () => void = () => {};
  const servingOnce = new Promise<void>((resolve) => (firstServing = resolve));
  let startupSnapshotDone = false;
  let listening = false;
  /**
   * Once serving and listening: a snapshot of the replayed tree, so the log it came from can
   * be purged. It is taken in slices between requests, after the port is open, so start-up
   * does not wait for it.
   */
  const startupSnapshot = (): void => {
    if (startupSnapshotDone || !listening || !serving) return;
    startupSnapshotDone = true;
    if (startupSnapshotWanted) setImmediate(() => takeSnapshot('start-up'));
  };
  const isLeader = (): boolean => mode.mode === 'leader' && driver.zab.canPropose && !driver.diskFull;
  /** sessions seen alive on a learner since the last report to the leader */
  const touched = new Set<SessionId>();

  let lookingSince = mono();
  if (ensemble) metrics.lookingStarted();
  const onRole = (e: Extract<Effect, { kind: 'role' }>): void => {
    const before = mode.mode;
    mode = e;
    if (e.mode === 'looking' && before !== 'looking') {
      lookingSince = mono();
      metrics.lookingStarted();
    } else if (ensemble && e.mode !== 'looking' && before === 'looking') {
      const ms = mono() - lookingSince;
      metrics.electionFinished(ms);
      log.info('election finished', { mode: e.mode, leader: e.leader, epoch: e.epoch, ms: Math.round(ms) });
    }
    if (ensemble || e.mode !== 'leader') log.info('zab role', { mode: e.mode, epoch: e.epoch, leader: e.leader, reason: e.reason });
    if (e.mode === 'looking') {
      serving = false;
      if (before !== 'looking') pipeline.stopServing(e.reason === DISK_FULL_REASON ? writesRefused : undefined);
      grpcHealth('NOT_SERVING');
      for (const id of tree.sessions().keys()) tracker.remove(id);
      if (before !== 'looking') armReadOnly(e.reason);
      return;
    }
    leaveReadOnly();
    // Serving again after a full disk (the core was resumed and leads or follows again).
    writesRefused = undefined;
    if (e.mode === 'leader') {
      pipeline.becomeLeader(e.epoch);
      ttls.reset();
      // The leader alone decides expiry; every session gets a full timeout from now.
      for (const [id, sess] of tree.sessions()) tracker.add(id, sess.timeoutMs, mono());
    } else {
      pipeline.becomeLearner();
      for (const id of tree.sessions().keys()) tracker.remove(id);
    }
    serving = true;
    grpcHealth('SERVING');
    startupSnapshot();
    firstServing();
  };

  // ------------------------------------------------------------------ read-only mode

  /** set while a member without a quorum serves reads to clients that accept it */
  let readOnlyServing = false;
  let readOnlyTimer: NodeJS.Timeout | undefined;
  /**
   * Looking, with read-only mode on: serve reads after a grace period (as ZooKeeper, so an
   * ordinary re-election does not flap every client to read-only and back). Not for a full
   * disk: that member stops serving so its clients move to healthy ones.
   */
  const armReadOnly = (reason: string): void => {
    if (!config.readOnlyMode || !ensemble || reason === DISK_FULL_REASON) return;
    clearTimeout(readOnlyTimer);
    readOnlyTimer = setTimeout(() => {
      readOnlyTimer = undefined;
      if (mode.mode !== 'looking' || fatal || closing || driver.diskFull) return;
      pipeline.becomeReadOnly();
      readOnlyServing = true;
      log.warn('read-only mode: no quorum; serving reads to clients that accept a read-only server', { zxid: formatZxid(tree.lastZxid) });
    }, Math.max(2000, config.tickTimeMs));
    readOnlyTimer.unref();
  };
  /** Back in a quorum: read-only clients are sent away, to come back as read-write ones. */
  const leaveReadOnly = (): void => {
    clearTimeout(readOnlyTimer);
    readOnlyTimer = undefined;
    if (!readOnlyServing) return;
    readOnlyServing = false;
    pipeline.stopServing('read-only mode ended: the server is back in its quorum');
    log.info('read-only mode ended: back in the quorum');
  };

  const onApply = (e: Entry): void => {
    const entry = proposedHere.get(e.data) ?? decodeTxnEntry(e.data);
    pipeline.commit(entry, wall());
    metrics.committed();
    if (entry.txn.type === 'createSession' && mode.mode === 'leader') tracker.add(entry.header.sessionId, entry.txn.timeoutMs, mono());
    if (++txnsSinceSnapshot >= nextSnapshotAt) takeSnapshot('snapCount');
  };

  const onInstall = (snap: Snapshot): void => {
    tree.replaceWith(DataTree.fromSnapshot(snap.zxid, snap.records));
    prepper.reset();
    // The driver writes it as this server's newest snapshot: it sets the DIFF limit now.
    lastSnapshotBytes = recordBytes(snap.records);
    log.info('installed a snapshot from the leader', { zxid: formatZxid(snap.zxid), records: snap.records.length });
  };

  const onPeerFrame = (from: number, body: PeerBody): void => {
    if (fatal || closing) return;
    switch (body.kind) {
      case 'zab':
        driver.step(from, body.msg);
        return;
      case 'request': {
        const req = body.req;
        if (!isLeader()) {
          transport?.send(from, { kind: 'answer', answer: { kind: 'failed', sessionId: req.sessionId, cxid: req.cxid, err: Code.CONNECTIONLOSS, message: 'not the leader' } });
          return;
        }
        if (req.kind === 'sync') {
          transport?.send(from, { kind: 'answer', answer: { kind: 'synced', sessionId: req.sessionId, cxid: req.cxid, zxid: pipeline.lastProposedZxid } });
          return;
        }
        pipeline.submitForwarded(req, wall(), (err, message, multiCodes) =>
          transport?.send(from, { kind: 'answer', answer: { kind: 'failed', sessionId: req.sessionId, cxid: req.cxid, err, message, multiCodes } }),
        );
        return;
      }
      case 'answer':
        pipeline.answered(body.answer, wall());
        return;
      case 'touch':
        if (isLeader()) for (const id of body.sessions) tracker.touch(id, mono());
        return;
      case 'hello':
        return;
    }
  };

  /**
   * The disk is full and the core halted. Standalone: the requests waiting on the log are
   * dropped (connection loss, outcome unknown) and writes are refused while reads go on.
   * Ensemble member: it stops serving as if it had lost its leader.
   */
  const onDiskFull = (err: DiskFullError): void => {
    writesRefused = err.message;
    log.error('disk full: writes are refused until space is freed', { error: err.message, mode: mode.mode });
    if (ensemble) onRole({ kind: 'role', mode: 'looking', epoch: mode.epoch, leader: undefined, reason: DISK_FULL_REASON });
    else pipeline.abandonPending(err.message);
  };

  const timing = zabTiming(config.tickTimeMs, config.initLimit, config.syncLimit, config.commitLogCount);
  const driver: ZabDriver = new ZabDriver({
    id: serverId,
    members,
    timing,
    init: { acceptedEpoch, currentEpoch, snapshotZxid: recovered.snapshot?.zxid ?? 0n, entries: recovered.records.map((r) => ({ zxid: r.zxid, data: r.payload })) },
    storage,
    dataDir: config.dataDir,
    log,
    snapshot: () => ({ zxid: tree.lastZxid, records: Array.from(tree.snapshotRecords()) }),
    // A standalone server has no learner to send a DIFF to: keeping txns for one is only memory.
    diffBytesMax: () => (ensemble ? Math.max(0, Math.floor(lastSnapshotBytes * config.snapshotSizeFactor)) : 0),
    // Votes go over the election port, everything else over the quorum port (as ZooKeeper's
    // QuorumCnxManager and Learner connections): a firewall or proxy set up for the two
    // ports of server.N sees the traffic it expects.
    send: (to, msg) => (msg.type === 'vote' ? elections : transport)?.send(to, { kind: 'zab', msg }),
    apply: onApply,
    install: onInstall,
    role: onRole,
    fatal: (e) => failStop(e),
    diskFull: onDiskFull,
  });

  let transport: PeerTransport | undefined;
  let elections: PeerTransport | undefined;
  if (ensemble) {
    const me = config.servers.find((s) => s.id === serverId)!;
    /** One listening port of server.N and the connections to the same port of every peer. */
    const listen = async (what: string, portOf: (s: (typeof config.servers)[number]) => number, onPeerDown: (id: number) => void): Promise<PeerTransport> => {
      try {
        return await PeerTransport.start({
          myId: serverId,
          listenHost: me.host,
          listenPort: portOf(me),
          peers: config.servers.filter((s) => s.id !== serverId).map((s) => ({ id: s.id, host: s.host, port: portOf(s) })),
          log,
          frameBytesMax: config.limits.peerFrameBytesMax,
          queueFramesMax: config.limits.peerQueueFramesMax,
          tls: quorumTls,
          onFrame: onPeerFrame,
          onPeerDown,
        });
      } catch (e) {
        await elections?.close();
        await storage.close();
        throw new Error(`cannot listen for ${what} on ${me.host}:${portOf(me)}: ${(e as Error).message}`);
      }
    };
    // A lost vote is sent again by the election itself; leader sessions ride the quorum port.
    elections = await listen('elections', (s) => s.electionPort, () => {});
    transport = await listen('peers', (s) => s.quorumPort, (id) => {
      if (!fatal && !closing) driver.peerDown(id);
    });
  }
  let grpcHealth: (s: 'SERVING' | 'NOT_SERVING') => void = () => {};
  const timers: NodeJS.Timeout[] = [];
  // Before the start: a disk that is full already when the epochs are written must be retried too.
  let resuming = false;
  timers.push(
    setInterval(() => {
      if (!driver.diskFull || resuming || fatal || closing) return;
      resuming = true;
      driver
        .resume()
        .then((resumed) => {
          if (resumed) log.warn('disk has space again: taking writes again', { mode: ensemble ? 'rejoining the ensemble' : 'standalone' });
        })
        .finally(() => {
          resuming = false;
        });
    }, DISK_FULL_RETRY_MS),
  );
  driver.start();
  if (ensemble) armReadOnly('starting');
  // A standalone server leads as soon as its epochs are on disk: serve only then.
  if (!ensemble) await servingOnce;

  timers.push(
    setInterval(() => {
      if (fatal || closing || !isLeader()) return;
      for (const id of tracker.expire(mono())) {
        log.debug('session expired', { session: `0x${id.toString(16)}` });
        pipeline.submitInternal(id, { op: 'closeSession' }, wall(), (err) => {
          // Refused (disk full): the session stays open for now; try again soon.
          if (err === Code.NOTREADONLY) tracker.add(id, DISK_FULL_RETRY_MS, mono());
        });
      }
    }, EXPIRY_CHECK_MS),
  );

  const reaping = new Set<string>();
  timers.push(
    setInterval(() => {
      if (fatal || closing || !isLeader()) return;
      const now = mono();
      ttls.observe(tree.ttlNodes(), now);
      for (const path of tree.reapCandidates(wall())) {
        if (reaping.has(path)) continue;
        const node = tree.get(path);
        // old by the mtime (another member's wall clock, maybe) and by this leader's own count
        if (node?.kind === 'ttl' && !ttls.due(node, now)) continue;
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
  if (ensemble) {
    // A learner tells the leader which sessions it sees alive, every TOUCH_REPORT_MS (or
    // twice per tickTime if that is sooner). ZooKeeper reports once per half tick, so a
    // session on a follower expires up to half a tick late (about 40 % over a 4 s timeout
    // with tickTime 2000); a small frame every 100 ms keeps expiry close to the timeout.
    timers.push(
      setInterval(() => {
        if (fatal || closing || touched.size === 0) return;
        const leader = driver.zab.leaderId;
        if (leader === undefined || leader === serverId || mode.mode === 'looking') {
          touched.clear();
          return;
        }
        transport?.send(leader, { kind: 'touch', sessions: [...touched] });
        touched.clear();
      }, Math.max(10, Math.min(TOUCH_REPORT_MS, Math.floor(config.tickTimeMs / 2)))),
    );
  }
  for (const t of timers) t.unref();

  const status = (): ServerStatus => ({
    mode: !ensemble ? 'standalone' : readOnlyServing ? 'read-only' : mode.mode,
    serverId,
    lastZxid: tree.lastZxid,
    epoch: driver.zab.currentEpoch,
    clientPort: grpc.port,
    znodeCount: tree.nodeCount(),
    sessionCount: tree.sessions().size,
    watchCount: watches.counts().watches,
    outstandingRequests: pipeline.outstandingRequests,
    peers: config.servers.map((p) => ({ id: p.id, address: `${p.host}:${p.quorumPort}:${p.electionPort}`, role: p.observer ? 'observer' : 'participant' })),
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
        if (mode.mode === 'leader' || !ensemble) tracker.touch(id, mono());
        else touched.add(id);
      },
      serving: () => serving && !fatal && !closing && (config.leaderServes || !ensemble || mode.mode !== 'leader'),
      readOnly: () => readOnlyServing && !fatal && !closing,
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
    driver.stop();
    await transport?.close();
    await elections?.close();
    // Nothing may report a failure after this: the start-up snapshot may still be in flight.
    fatal ??= e;
    await storage.close();
    throw new Error(`cannot listen for clients on ${config.clientPortAddress}:${config.clientPort}: ${e.message}`);
  });

  grpcHealth = (s) => {
    grpc.health.setStatus('', s);
    grpc.health.setStatus(WARDEN_SERVICE_NAME, s);
  };
  grpcHealth(serving ? 'SERVING' : 'NOT_SERVING');
  listening = true;
  startupSnapshot();
  log.info(ensemble ? 'listening; joining the ensemble' : 'serving', {
    mode: status().mode,
    serverId: ensemble ? serverId : undefined,
    peers: ensemble ? `${transport?.port}` : undefined,
    elections: ensemble ? `${elections?.port}` : undefined,
    client: `${config.clientPortAddress}:${grpc.port}`,
    secureClient: grpc.securePort === undefined ? undefined : `${config.secureClientPortAddress ?? config.clientPortAddress}:${grpc.securePort}`,
    tlsCert: tls ? `${tls.subject} until ${tls.notAfter}` : undefined,
    clientAuth: tls?.clientAuth,
    peerTls: ensemble ? (quorumTls ? 'mutual' : 'off') : undefined,
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    config: config.configFile ?? '(defaults)',
    zxid: formatZxid(tree.lastZxid),
    startupMs: Math.round(mono() - startedAt),
  });

  const view = describeServer({
    config,
    servingSinceMono: mono(),
    status,
    serving: () => serving && !fatal && !closing,
    readOnly: () => readOnlyServing,
    tree,
    watches,
    stats,
    tracker,
    monoNowMs: mono,
    lastSnapshot: () => lastSnapshot,
    quorum: () => {
      if (!ensemble) return undefined;
      const voters = config.servers.filter((x) => !x.observer).length;
      const learners = mode.mode === 'leader' ? driver.zab.connectedPeers() : [];
      const observers = new Set(config.servers.filter((x) => x.observer).map((x) => x.id));
      const followers = learners.filter((id) => !observers.has(id)).length;
      // Connected learners; the core does not expose their sync phase, so "synced" counts connected ones.
      return { size: Math.floor(voters / 2) + 1, learners: learners.length, syncedFollowers: followers, syncedObservers: learners.length - followers, pendingSyncs: 0 };
    },
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
      clearTimeout(readOnlyTimer);
      // Answer what is already in flight before cutting the streams; bounded, since a
      // connected client may keep sending.
      const drainUntil = mono() + SHUTDOWN_DRAIN_MS;
      while (pipeline.outstandingRequests > 0 && !fatal && mono() < drainUntil) await new Promise((r) => setTimeout(r, 10));
      await grpc.shutdown(2000);
      driver.stop();
      await transport?.close();
    await elections?.close();
      // Appends already issued finish inside storage.close() before the files are closed.
      await storage.close();
      log.info('stopped', { zxid: formatZxid(tree.lastZxid), code: Code.OK });
    },
  };
}
