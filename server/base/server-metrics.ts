/**
 * What the runtime reports as it works, as plain events: the seam between the server and
 * whatever exports numbers (server/admin turns them into Prometheus metrics and the
 * ZooKeeper-style `mntr` values). The runtime only ever calls these methods; it never
 * reads a metric back, so a missing exporter (NULL_SERVER_METRICS) changes nothing.
 *
 * Counts that are state rather than events (znode_count, watch_count, ...) are not here:
 * the exporter reads them from a ServerView when it is scraped.
 *
 * Implementations must be cheap and must never throw: they are called on the request path.
 */
export interface ServerMetrics {
  /** A frame arrived from a client (ZooKeeper: packets_received). */
  packetReceived(): void;
  /** A frame was sent to a client (ZooKeeper: packets_sent). */
  packetSent(): void;
  /** A client request was answered, `latencyMs` after it arrived. */
  requestAnswered(latencyMs: number, write: boolean, err: number): void;
  /** One fsync of the txn log covering `records` records (ZooKeeper: fsynctime). */
  fsync(durationMs: number, records: number): void;
  /** A snapshot was written (ZooKeeper: snapshottime). */
  snapshotWritten(durationMs: number): void;
  /** Start-up loaded the tree: snapshot plus `txns` replayed log records (ZooKeeper: dbinittime). */
  databaseLoaded(durationMs: number, txns: number): void;
  /** A txn was proposed (ZooKeeper: proposal_count, proposal sizes). */
  proposed(bytes: number): void;
  /** A txn was committed (ZooKeeper: commit_count). */
  committed(): void;
  /** The server started looking for a leader (ZooKeeper: looking_count). */
  lookingStarted(): void;
  /** An election ended after `durationMs` (ZooKeeper: election_time). */
  electionFinished(durationMs: number): void;
  /** Old snapshots and logs were removed by a purge. */
  purged(files: number): void;
  /** A connection was refused (limits, not serving) (ZooKeeper: connection_rejected). */
  connectionRejected(): void;
}

const nothing = (): void => {};

/** Drops every event: for tests and for a runtime started without an exporter. */
export const NULL_SERVER_METRICS: ServerMetrics = {
  packetReceived: nothing,
  packetSent: nothing,
  requestAnswered: nothing,
  fsync: nothing,
  snapshotWritten: nothing,
  databaseLoaded: nothing,
  proposed: nothing,
  committed: nothing,
  lookingStarted: nothing,
  electionFinished: nothing,
  purged: nothing,
  connectionRejected: nothing,
};
