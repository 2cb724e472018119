/**
 * The SDK's public data shapes: Stat, ACL, create modes, watch events. Plain objects with
 * `bigint` for 64-bit values (zxids, session ids); times are ms since the epoch as numbers.
 */

/** All eleven fields of ZooKeeper's Stat. */
export interface Stat {
  /** zxid of the change that created the node */
  czxid: bigint;
  /** zxid of the last change to the node's data */
  mzxid: bigint;
  /** creation time, ms since the epoch (the server's clock) */
  ctime: number;
  /** last data change time, ms since the epoch */
  mtime: number;
  /** number of data changes */
  version: number;
  /** number of changes to the children */
  cversion: number;
  /** number of ACL changes */
  aversion: number;
  /** session id of the owner if the node is ephemeral, else 0n */
  ephemeralOwner: bigint;
  /** length of the node's data, in bytes */
  dataLength: number;
  /** number of children of the node */
  numChildren: number;
  /** zxid of the last change to the children */
  pzxid: bigint;
}

/** Permission bits, as ZooKeeper's. */
export const Perms = {
  /** read the node: getData, getChildren, getAllChildrenNumber (exists needs no permission) */
  READ: 1,
  /** change the node's data: setData */
  WRITE: 2,
  /** create children of the node */
  CREATE: 4,
  /** delete children of the node */
  DELETE: 8,
  /** change the node's ACL: setACL (getACL needs READ or ADMIN) */
  ADMIN: 16,
  /** all of the above */
  ALL: 31,
} as const;

/** An identity, as ZooKeeper's: an authentication scheme and an id within it. */
export interface Id {
  /** 'world', 'auth', 'digest', 'ip', 'super' */
  scheme: string;
  /**
   * The id within the scheme: 'anyone' for world, `user:base64(sha1(user:password))` for
   * digest, an address or `address/bits` for ip, '' for auth (the creator's identities).
   */
  id: string;
}

/** One ACL entry: the permissions it grants and the identity it grants them to. */
export interface Acl {
  /** bit set of {@link Perms} */
  perms: number;
  /** who gets `perms` */
  id: Id;
}

/** ZooKeeper's well-known ACLs. */
export const Acls = {
  /** Anyone may do anything. */
  OPEN_ACL_UNSAFE: [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }] as readonly Acl[],
  /** Anyone may read. */
  READ_ACL_UNSAFE: [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }] as readonly Acl[],
  /** Everything for the identities the creating connection has authenticated as (addAuth). */
  CREATOR_ALL_ACL: [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }] as readonly Acl[],
} as const;

/**
 * How a node is created. The sequential modes append the parent's 10-digit counter; TTL
 * modes need `ttlMs` and the node is removed when it has been unmodified and childless for
 * that long; a container is removed once its last child is gone.
 */
export type CreateMode =
  | 'persistent'
  | 'ephemeral'
  | 'persistentSequential'
  | 'ephemeralSequential'
  | 'container'
  | 'persistentWithTtl'
  | 'persistentSequentialWithTtl';

/** Every CreateMode, in ZooKeeper's order (for validation and UIs). */
export const CREATE_MODES: readonly CreateMode[] = [
  'persistent',
  'ephemeral',
  'persistentSequential',
  'ephemeralSequential',
  'container',
  'persistentWithTtl',
  'persistentSequentialWithTtl',
];

/** ZooKeeper's event types, plus Warden's `Resync` for persistent watches. */
export type EventType =
  | 'None'
  | 'NodeCreated'
  | 'NodeDeleted'
  | 'NodeDataChanged'
  | 'NodeChildrenChanged'
  | 'DataWatchRemoved'
  | 'ChildWatchRemoved'
  | 'PersistentWatchRemoved'
  /**
   * Warden only: the server could not replay every event a persistent watch missed while
   * the client was away. Re-read what is watched under `path`.
   */
  | 'Resync';

/** Connection states, as events. */
export type ConnectionState = 'connected' | 'connectedReadOnly' | 'disconnected' | 'reconnected' | 'expired' | 'closed';

/** What a watch reports: which change happened, to which node. */
export interface WatchEvent {
  /** what happened (see EventType) */
  type: EventType;
  /** the node it happened to, relative to the client's chroot */
  path: string;
  /** zxid of the change that fired the event (for None/…Removed: the client's last zxid) */
  zxid: bigint;
  /** Only for type 'None': the session ended ('expired' or 'closed') and the watch with it. */
  state?: ConnectionState;
}

/** Watch kinds for removeWatches (ZooKeeper's WatcherType). */
export type WatcherType = 'children' | 'data' | 'any' | 'persistent' | 'persistentRecursive';

/** Modes of addWatch. */
export type AddWatchMode = 'persistent' | 'persistentRecursive';

/** A watch callback. It runs in event order; an exception it throws is reported as a process warning, not to the caller. */
export type Watcher = (event: WatchEvent) => void;

/** Data may be given as bytes or as a string (UTF-8). */
export type Data = Uint8Array | string;

/** One identity the server associates with a connection (the result of `whoAmI`). */
export interface ClientIdentity {
  /** the authentication scheme: 'ip', 'digest', 'super', ... */
  scheme: string;
  /** the id within that scheme, e.g. the client's address for 'ip', the user for 'digest' */
  id: string;
}
