/**
 * The metrics of one server: receives the runtime's events (ServerMetrics), reads state
 * from the ServerView when asked, and renders both as Prometheus text (through prom-client)
 * and as ZooKeeper's `mntr` / `srvr` values.
 *
 * Names are ZooKeeper 3.8's wherever ZooKeeper has the metric (its Prometheus provider
 * exports them unprefixed: znode_count, watch_count, fsynctime, election_time, ...), so
 * existing dashboards and alerts keep working; metrics ZooKeeper lacks are prefixed
 * `warden_`. Node's process metrics (CPU, memory, heap, event-loop lag, open fds) come from
 * prom-client's default collectors, ZooKeeper's JVM metrics' counterpart.
 *
 * Each server gets its own registry, so several servers in one process (tests) never mix.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry, Summary } from 'prom-client';
import { Code } from '../../proto/codes.js';
import type { ServerMetrics } from '../base/server-metrics.js';
import { counterOf, epochOf } from '../base/zxid.js';
import { AvgMinMax } from './avg-min-max.js';
import { exportLatency, LatencyBuckets } from './latency-summary.js';
import type { ServerView } from './server-view.js';

export interface MetricsOptions {
  /** an fsync slower than this counts in fsync_threshold_exceed_count */
  fsyncWarningThresholdMs: number;
  /** Node process metrics (default true; tests running many servers in one process turn them off) */
  processMetrics?: boolean;
}

/** ZooKeeper's Prometheus summaries report these quantiles. */
const PERCENTILES = [0.5, 0.9, 0.99];
const SUMMARY_AGE = { maxAgeSeconds: 600, ageBuckets: 5 };

export class MetricsExporter {
  readonly registry = new Registry();
  readonly events: ServerMetrics;
  private view: ServerView | undefined;

  /** request latency in ms since start (ZooKeeper: avg/min/max_latency) */
  readonly latency = new AvgMinMax();
  /** read and write latency distributions (Prometheus readlatency / updatelatency) */
  private readonly readLatency = new LatencyBuckets(() => Date.now());
  private readonly updateLatency = new LatencyBuckets(() => Date.now());
  readonly fsyncTime = new AvgMinMax();
  readonly snapshotTime = new AvgMinMax();
  readonly electionTime = new AvgMinMax();
  readonly proposalSize = new AvgMinMax();
  private lastProposalSize = 0;
  private dbInitMs = 0;
  packetsReceived = 0;
  packetsSent = 0;
  fsyncThresholdExceeded = 0;
  private commits = 0;
  private proposals = 0;
  private lookings = 0;
  private rejectedConnections = 0;
  private authFailures = 0;
  private purgedFiles = 0;

  constructor(private readonly opts: MetricsOptions) {
    const r = this.registry;
    const counter = (name: string, help: string): Counter => new Counter({ name, help, registers: [r] });
    const summary = (name: string, help: string): Summary => new Summary({ name, help, percentiles: PERCENTILES, ...SUMMARY_AGE, registers: [r] });
    const gauge = (name: string, help: string, read: (v: ServerView) => number): void => {
      const self = this;
      new Gauge({
        name,
        help,
        registers: [r],
        collect() {
          if (self.view) this.set(read(self.view));
        },
      });
    };

    // Per-frame and per-request numbers are plain fields read at scrape time: a prom-client
    // call per frame showed in the server's CPU profile.
    const self = this;
    const countedOnScrape = (name: string, help: string, read: () => number): void => {
      new Counter({
        name,
        help,
        registers: [r],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    };
    countedOnScrape('packets_received', 'Frames received from clients', () => this.packetsReceived);
    countedOnScrape('packets_sent', 'Frames sent to clients', () => this.packetsSent);
    exportLatency(r, 'readlatency', 'Read request latency in ms, from arrival to reply', this.readLatency, PERCENTILES);
    exportLatency(r, 'updatelatency', 'Write request latency in ms, from arrival to reply (after the fsync)', this.updateLatency, PERCENTILES);
    const fsyncTime = summary('fsynctime', 'Txn log fsync time in ms');
    const fsyncExceeded = counter('fsync_threshold_exceed_count', 'Fsyncs slower than fsync.warningthresholdms');
    const snapshotTime = summary('snapshottime', 'Snapshot write time in ms');
    const dbInitTime = summary('dbinittime', 'Time to load the newest snapshot and replay the log, in ms');
    const txnsLoaded = summary('startup_txns_loaded', 'Log records replayed at start-up');
    const proposalCount = counter('proposal_count', 'Txns proposed');
    const commitCount = counter('commit_count', 'Txns committed');
    const lookingCount = counter('looking_count', 'Times this server started looking for a leader');
    const electionTime = summary('election_time', 'Leader election time in ms');
    const connectionRejected = counter('connection_rejected', 'Client connections refused (limits)');
    const purged = counter('warden_purged_files', 'Snapshot and log files removed by purges');
    const authFailed = counter('warden_auth_failed', 'Requests refused with NOAUTH or AUTHFAILED');

    gauge('znode_count', 'Znodes in the tree', (v) => v.status().znodeCount);
    gauge('watch_count', 'Watches set by clients', (v) => v.status().watchCount);
    gauge('ephemerals_count', 'Ephemeral znodes', (v) => v.ephemeralCount());
    gauge('approximate_data_size', 'Bytes of paths and data in the tree', (v) => v.approximateDataSize());
    gauge('outstanding_requests', 'Requests received and not yet answered', (v) => v.status().outstandingRequests);
    gauge('num_alive_connections', 'Open client connections', (v) => v.connections().length);
    gauge('global_sessions', 'Sessions known to the server', (v) => v.status().sessionCount);
    gauge('uptime', 'Milliseconds since the server began serving', (v) => v.uptimeMs());
    gauge('quorum_size', 'Voters needed for a quorum (1 when standalone)', (v) => v.quorum()?.size ?? 1);
    gauge('learners', 'Learners connected to this leader', (v) => v.quorum()?.learners ?? 0);
    gauge('synced_followers', 'Followers in sync with this leader', (v) => v.quorum()?.syncedFollowers ?? 0);
    gauge('synced_observers', 'Observers in sync with this leader', (v) => v.quorum()?.syncedObservers ?? 0);
    gauge('pending_syncs', 'Learners this leader is still synchronizing', (v) => v.quorum()?.pendingSyncs ?? 0);
    gauge('avg_latency', 'Mean request latency in ms since start', () => this.latency.avg);
    gauge('min_latency', 'Minimum request latency in ms since start', () => this.latency.min);
    gauge('max_latency', 'Maximum request latency in ms since start', () => this.latency.max);
    gauge('last_proposal_size', 'Bytes of the last proposal', () => this.lastProposalSize);
    gauge('min_proposal_size', 'Bytes of the smallest proposal', () => this.proposalSize.min);
    gauge('max_proposal_size', 'Bytes of the largest proposal', () => this.proposalSize.max);
    gauge('warden_epoch', 'Epoch of the last applied zxid', (v) => epochOf(v.status().lastZxid));
    gauge('warden_zxid_counter', 'Counter of the last applied zxid', (v) => counterOf(v.status().lastZxid));
    new Gauge({
      name: 'warden_server_state',
      help: '1 for the current server mode',
      labelNames: ['state'],
      registers: [r],
      collect() {
        if (!self.view) return;
        this.reset();
        this.set({ state: self.view.status().mode }, 1);
      },
    });

    if (opts.processMetrics !== false) collectDefaultMetrics({ register: r });

    this.events = {
      packetReceived: () => {
        this.packetsReceived++;
      },
      packetSent: () => {
        this.packetsSent++;
      },
      requestAnswered: (ms, write, err) => {
        this.latency.add(ms);
        (write ? this.updateLatency : this.readLatency).observe(ms);
        if (err === Code.NOAUTH || err === Code.AUTHFAILED) {
          this.authFailures++;
          authFailed.inc();
        }
      },
      fsync: (ms) => {
        this.fsyncTime.add(ms);
        fsyncTime.observe(ms);
        if (ms > this.opts.fsyncWarningThresholdMs) {
          this.fsyncThresholdExceeded++;
          fsyncExceeded.inc();
        }
      },
      snapshotWritten: (ms) => {
        this.snapshotTime.add(ms);
        snapshotTime.observe(ms);
      },
      databaseLoaded: (ms, txns) => {
        this.dbInitMs = ms;
        dbInitTime.observe(ms);
        txnsLoaded.observe(txns);
      },
      proposed: (bytes) => {
        this.proposals++;
        this.lastProposalSize = bytes;
        this.proposalSize.add(bytes);
        proposalCount.inc();
      },
      committed: () => {
        this.commits++;
        commitCount.inc();
      },
      lookingStarted: () => {
        this.lookings++;
        lookingCount.inc();
      },
      electionFinished: (ms) => {
        this.electionTime.add(ms);
        electionTime.observe(ms);
      },
      purged: (files) => {
        this.purgedFiles += files;
        purged.inc(files);
      },
      connectionRejected: () => {
        this.rejectedConnections++;
        connectionRejected.inc();
      },
    };
  }

  /** The running server to read state from; until then only event metrics are exported. */
  attach(view: ServerView): void {
    this.view = view;
  }

  /** Prometheus text exposition format. */
  async prometheus(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** ZooKeeper's srvr `server_stats` object. */
  serverStats(view: ServerView): Record<string, unknown> {
    const s = view.status();
    return {
      packets_sent: this.packetsSent,
      packets_received: this.packetsReceived,
      fsync_threshold_exceed_count: this.fsyncThresholdExceeded,
      provider_null: false,
      uptime: Math.round(view.uptimeMs()),
      server_state: s.mode,
      outstanding_requests: s.outstandingRequests,
      min_latency: round(this.latency.min),
      avg_latency: round(this.latency.avg),
      max_latency: round(this.latency.max),
      last_processed_zxid: `0x${s.lastZxid.toString(16)}`,
      num_alive_client_connections: view.connections().length,
      auth_failed_count: this.authFailures,
    };
  }

  /** ZooKeeper's `mntr` values (without the zk_ prefix, as its admin server returns them). */
  async monitor(view: ServerView): Promise<Record<string, string | number>> {
    const s = view.status();
    const out: Record<string, string | number> = {
      version: s.version,
      avg_latency: round(this.latency.avg),
      max_latency: round(this.latency.max),
      min_latency: round(this.latency.min),
      packets_received: this.packetsReceived,
      packets_sent: this.packetsSent,
      num_alive_connections: view.connections().length,
      outstanding_requests: s.outstandingRequests,
      server_state: s.mode,
      znode_count: s.znodeCount,
      watch_count: s.watchCount,
      ephemerals_count: view.ephemeralCount(),
      approximate_data_size: view.approximateDataSize(),
      uptime: Math.round(view.uptimeMs()),
      global_sessions: s.sessionCount,
      fsync_threshold_exceed_count: this.fsyncThresholdExceeded,
      last_proposal_size: this.lastProposalSize,
      min_proposal_size: this.proposalSize.min,
      max_proposal_size: this.proposalSize.max,
      proposal_count: this.proposals,
      commit_count: this.commits,
      looking_count: this.lookings,
      connection_rejected: this.rejectedConnections,
      dbinittime: round(this.dbInitMs),
    };
    const fds = await this.valueOf('process_open_fds');
    if (fds !== undefined) out.open_file_descriptor_count = fds;
    const maxFds = await this.valueOf('process_max_fds');
    if (maxFds !== undefined) out.max_file_descriptor_count = maxFds;
    const q = view.quorum();
    if (q) {
      out.quorum_size = q.size;
      if (s.mode === 'leader') {
        out.learners = q.learners;
        out.synced_followers = q.syncedFollowers;
        out.synced_observers = q.syncedObservers;
        out.pending_syncs = q.pendingSyncs;
      }
    }
    const put = (k: string, v: number): void => {
      out[k] = v;
    };
    this.latency.dump('latency', put);
    this.fsyncTime.dump('fsynctime', put);
    this.snapshotTime.dump('snapshottime', put);
    this.electionTime.dump('election_time', put);
    return out;
  }

  private async valueOf(name: string): Promise<number | undefined> {
    const metric = this.registry.getSingleMetric(name);
    if (!metric) return undefined;
    const v = (await metric.get()).values[0]?.value;
    return typeof v === 'number' ? v : undefined;
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
