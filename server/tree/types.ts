/**
 * The replicated state's vocabulary: znodes, Stat, ACLs, and the transactions that change
 * them. A Txn is idempotent and self-contained: it carries every value its effect needs
 * (final path with sequence suffix, new versions, parent cversion, the leader's time in
 * its header), so applying it reads no clock and decides nothing that could differ
 * between replicas. The wire/disk form of these types is proto/warden/v1/storage.proto.
 */
import type { Zxid } from '../base/zxid.js';

export type SessionId = bigint;

/** Permission bits, as ZooKeeper's. */
export const Perms = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  DELETE: 8,
  ADMIN: 16,
  ALL: 31,
} as const;

export interface Id {
  readonly scheme: string;
  readonly id: string;
}

export interface Acl {
  readonly perms: number;
  readonly id: Id;
}

export interface Stat {
  czxid: Zxid;
  mzxid: Zxid;
  /** ms since the epoch (the leader's clock when the creating txn was prepared) */
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  /** session id of an ephemeral node's owner, else 0n */
  ephemeralOwner: SessionId;
  dataLength: number;
  numChildren: number;
  pzxid: Zxid;
}

export type NodeKind = 'persistent' | 'ephemeral' | 'container' | 'ttl';

export type CreateMode =
  | 'persistent'
  | 'ephemeral'
  | 'persistentSequential'
  | 'ephemeralSequential'
  | 'container'
  | 'persistentWithTtl'
  | 'persistentSequentialWithTtl';

export type Txn =
  | {
      type: 'create';
      /** final path, sequence suffix included */
      path: string;
      data: Uint8Array;
      acl: Acl[];
      kind: NodeKind;
      ephemeralOwner: SessionId;
      /** the parent's cversion after this create */
      parentCVersion: number;
      /** > 0 only for kind 'ttl' */
      ttlMs: number;
    }
  | { type: 'delete'; path: string }
  | { type: 'setData'; path: string; data: Uint8Array; /** version after */ version: number }
  | { type: 'setACL'; path: string; acl: Acl[]; /** aversion after */ aversion: number }
  | { type: 'check'; path: string; version: number }
  | { type: 'multi'; txns: Txn[] }
  | { type: 'error'; err: number }
  | { type: 'createSession'; timeoutMs: number; password: Uint8Array }
  | { type: 'closeSession' };

export interface TxnHeader {
  /** the session that asked for it, 0n for the server itself (reaping TTL/containers) */
  sessionId: SessionId;
  /** the request's xid */
  cxid: number;
  zxid: Zxid;
  /** the leader's wall clock (ms since the epoch) when it prepared the txn */
  timeMs: number;
}

export interface TxnEntry {
  header: TxnHeader;
  txn: Txn;
}

/** What applying a txn changed, per op, for the reply. */
export type OpResult =
  | { type: 'create'; path: string; stat: Stat }
  | { type: 'delete' }
  | { type: 'setData'; stat: Stat }
  | { type: 'setACL'; stat: Stat }
  | { type: 'check' }
  | { type: 'multi'; results: OpResult[] }
  | { type: 'error'; err: number }
  | { type: 'createSession' }
  | { type: 'closeSession'; deletedPaths: string[] };

export type TriggerType = 'created' | 'deleted' | 'dataChanged' | 'childrenChanged';

/**
 * A change a watch may care about. The tree reports what happened; the watch manager
 * decides whom to tell (server/watch).
 */
export interface WatchTrigger {
  path: string;
  type: TriggerType;
  zxid: Zxid;
}

export interface ApplyResult {
  result: OpResult;
  triggers: WatchTrigger[];
}

/** The authenticated identities of one connection (scheme + id), e.g. digest user:hash. */
export type AuthInfo = Id;
