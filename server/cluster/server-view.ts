/**
 * Builds the read-only ServerView (server/admin) from a runtime's parts, so the runtime
 * only has to hand them over. Also the runtime's small operational hooks: the fsync
 * observer (metrics + slow-disk warning). Kept apart from server.ts so that restructuring
 * the runtime moves one call, not the admin plumbing.
 */
import type { QuorumView, ServerView, SessionView } from '../admin/server-view.js';
import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../base/log.js';
import type { ServerMetrics } from '../base/server-metrics.js';
import type { ServerStatus } from '../rpc/admin-service.js';
import type { ConnectionStats } from '../rpc/connection-stats.js';
import type { SessionTracker } from '../session/session-tracker.js';
import type { DataTree } from '../tree/data-tree.js';
import type { WatchManager } from '../watch/watch-manager.js';

export interface ViewParts {
  config: ServerConfig;
  /** monotonic ms (performance.now) when the process began serving */
  servingSinceMono: number;
  status(): ServerStatus;
  serving(): boolean;
  readOnly?(): boolean;
  tree: DataTree;
  watches: WatchManager;
  stats: ConnectionStats;
  /** present where this server decides expiry (leader, standalone) */
  tracker?: SessionTracker;
  /** the clock the tracker's deadlines are on */
  monoNowMs(): number;
  lastSnapshot(): { zxid: bigint; atMs: number } | undefined;
  quorum?(): QuorumView | undefined;
}

function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** Bytes of every path and every node's data: ZooKeeper's approximate_data_size. O(nodes). */
export function approximateDataSize(tree: DataTree): number {
  let bytes = 0;
  const stack = ['/'];
  while (stack.length > 0) {
    const path = stack.pop()!;
    const node = tree.get(path);
    if (!node) continue;
    bytes += path.length + node.data.length;
    for (const name of node.children) stack.push(joinPath(path, name));
  }
  return bytes;
}

export function describeServer(p: ViewParts): ServerView {
  return {
    config: p.config,
    uptimeMs: () => performance.now() - p.servingSinceMono,
    status: p.status,
    serving: p.serving,
    readOnly: () => p.readOnly?.() ?? false,
    ephemeralCount: () => p.tree.ephemeralCount(),
    approximateDataSize: () => approximateDataSize(p.tree),
    connections: () => p.stats.list(),
    sessions: (): SessionView[] => {
      const deadlines = new Map(p.tracker?.deadlines() ?? []);
      const wallMinusMono = Date.now() - p.monoNowMs();
      return [...p.tree.sessions()].map(([id, s]) => {
        const d = deadlines.get(id);
        return {
          id,
          timeoutMs: s.timeoutMs,
          expiresAtMs: d === undefined ? undefined : Math.round(d + wallMinusMono),
          ephemerals: [...p.tree.ephemeralsOf(id)],
        };
      });
    },
    watchSummary: () => {
      const c = p.watches.counts();
      return { connections: c.sessions, paths: c.paths, watches: c.watches };
    },
    watchesBySession: () => p.watches.describeBySession(),
    watchesByPath: () => p.watches.describeByPath(),
    quorum: () => p.quorum?.(),
    lastSnapshot: p.lastSnapshot,
  };
}

/** The storage fsync callback: feeds fsynctime and warns when the disk is slow. */
export function fsyncObserver(thresholdMs: number, log: Logger, metrics: ServerMetrics): (durationMs: number, records: number) => void {
  return (durationMs, records) => {
    metrics.fsync(durationMs, records);
    if (durationMs > thresholdMs) {
      log.warn('slow fsync of the txn log; requests wait for it', { ms: Math.round(durationMs), records, threshold: 'fsync.warningthresholdms', thresholdMs });
    }
  };
}
