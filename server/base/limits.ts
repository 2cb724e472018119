/**
 * Every limit Warden enforces, in one place. Each is named so that an error can say which
 * limit was exceeded and what its value is (LimitExceededError below). Config keys that
 * change a limit are noted beside it.
 */
export interface Limits {
  /** Largest znode data in bytes. Config: jute.maxbuffer / dataSizeMax. ZooKeeper: 1 MiB - 1. */
  dataBytesMax: number;
  /** Longest path in UTF-8 bytes. */
  pathBytesMax: number;
  /** Largest single client frame in bytes (also the gRPC max message size). */
  frameBytesMax: number;
  /** Requests a server holds in its pipeline at once, all sessions. Config: globalOutstandingLimit. */
  outstandingRequestsMax: number;
  /** Requests one session may have in flight at once. */
  sessionOutstandingMax: number;
  /** Concurrent connections from one client IP. Config: maxClientCnxns (0 = no limit). */
  connectionsPerAddressMax: number;
  /** Watches one session may hold (all kinds together). */
  watchesPerSessionMax: number;
  /** Ops in one multi or multiRead. */
  multiOpsMax: number;
  /** ACL entries on one node. */
  aclEntriesMax: number;
  /** Children listed in one getChildren answer. */
  childrenMax: number;
  /** Auth identities one connection may add. */
  authInfosMax: number;
  /** Frames queued for one client stream before it is considered stuck and closed. */
  sessionSendQueueMax: number;
  /** Watch events kept for replaying persistent watches after a reconnect. */
  watchHistoryMax: number;
  /** Bytes of txns one fsync batch covers (group commit). */
  batchBytesMax: number;
  /** Txns one fsync batch covers. */
  batchTxnsMax: number;
  /** Largest frame between ensemble members (a SNAP carries a whole tree in one frame). */
  peerFrameBytesMax: number;
  /** Frames queued to a peer while its connection is being (re)established. */
  peerQueueFramesMax: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  dataBytesMax: 1024 * 1024 - 1,
  pathBytesMax: 4096,
  frameBytesMax: 4 * 1024 * 1024,
  outstandingRequestsMax: 1000,
  sessionOutstandingMax: 1000,
  connectionsPerAddressMax: 60,
  watchesPerSessionMax: 100_000,
  multiOpsMax: 1000,
  aclEntriesMax: 64,
  childrenMax: 1_000_000,
  authInfosMax: 16,
  sessionSendQueueMax: 10_000,
  watchHistoryMax: 100_000,
  batchBytesMax: 4 * 1024 * 1024,
  batchTxnsMax: 1000,
  peerFrameBytesMax: 512 * 1024 * 1024,
  peerQueueFramesMax: 100_000,
});

/** A limit was exceeded: the message names it and its value. Maps to Code.LIMITEXCEEDED. */
export class LimitExceededError extends Error {
  override name = 'LimitExceededError';
  constructor(
    readonly limit: keyof Limits | string,
    readonly value: number,
    detail?: string,
  ) {
    super(`limit ${limit}=${value} exceeded${detail ? `: ${detail}` : ''}`);
  }
}

/**
 * Distinct ACL lists the DataTree shares between nodes (data-tree.ts internAcl). Past it,
 * a node keeps its own copy: memory grows as before, nothing is refused.
 */
export const ACL_INTERN_MAX = 10_000;
