/**
 * What the admin server and the metrics exporter may read of a running server: a narrow,
 * read-only view the runtime builds (server/cluster/server-view.ts) from its parts. The
 * admin side never reaches past it into the tree, the pipeline or the consensus core.
 */
import type { ServerConfig } from '../config/server-config.js';
import type { ConnectionInfo } from '../rpc/connection-stats.js';
import type { ServerStatus } from '../rpc/admin-service.js';

export interface SessionView {
  id: bigint;
  timeoutMs: number;
  /** wall-clock ms at which it expires unless heard from; undefined where expiry is not decided here */
  expiresAtMs?: number;
  ephemerals: string[];
}

export interface QuorumView {
  /** voters needed for a quorum */
  size: number;
  /** learners (followers + observers) connected to this leader; 0 when not leading */
  learners: number;
  syncedFollowers: number;
  syncedObservers: number;
  pendingSyncs: number;
}

export interface ServerView {
  readonly config: ServerConfig;
  /** ms since the process began serving, on the monotonic clock (a wall-clock step does not move it) */
  uptimeMs(): number;
  status(): ServerStatus;
  /** true only for a server serving reads without a quorum */
  readOnly(): boolean;
  /** false while starting, shutting down or without a quorum */
  serving(): boolean;
  ephemeralCount(): number;
  /** sum of path and data bytes over the tree (ZooKeeper: approximate_data_size) */
  approximateDataSize(): number;
  connections(): ConnectionInfo[];
  sessions(): SessionView[];
  watchSummary(): { connections: number; paths: number; watches: number };
  watchesBySession(): Map<bigint, string[]>;
  watchesByPath(): Map<string, bigint[]>;
  /** undefined in standalone mode */
  quorum(): QuorumView | undefined;
  lastSnapshot(): { zxid: bigint; atMs: number } | undefined;
}
