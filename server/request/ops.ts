/**
 * Client operations after decoding from the wire (server/rpc) and before prep. Writes
 * become txns (server/request/prep.ts); reads run against the applied tree
 * (server/request/read.ts). Paths here are not yet validated.
 */
import type { Acl, CreateMode } from '../tree/types.js';

export type WriteOp =
  | { op: 'create'; path: string; data: Uint8Array; acl: Acl[]; mode: CreateMode; ttlMs: number }
  | { op: 'delete'; path: string; version: number }
  | { op: 'setData'; path: string; data: Uint8Array; version: number }
  | { op: 'setACL'; path: string; acl: Acl[]; version: number }
  | { op: 'check'; path: string; version: number }
  | { op: 'multi'; ops: MultiOp[] }
  | { op: 'createSession'; timeoutMs: number; password: Uint8Array }
  | { op: 'closeSession' }
  /** server-originated: delete an expired TTL node or an empty container, if it still is one */
  | { op: 'reap'; path: string };

export type MultiOp = Extract<WriteOp, { op: 'create' | 'delete' | 'setData' | 'check' }>;

export type WatcherKind = 'children' | 'data' | 'any' | 'persistent' | 'persistentRecursive';

export type ReadOp =
  | { op: 'exists'; path: string; watch: boolean }
  | { op: 'getData'; path: string; watch: boolean }
  | { op: 'getChildren'; path: string; watch: boolean }
  | { op: 'getAllChildrenNumber'; path: string }
  | { op: 'getEphemerals'; prefixPath: string }
  | { op: 'getACL'; path: string }
  | { op: 'multiRead'; ops: Array<Extract<ReadOp, { op: 'getData' | 'getChildren' }>> };

/** Ops that change connection or watch state but not the tree. */
export type SessionOp =
  | { op: 'sync'; path: string }
  | { op: 'addWatch'; path: string; mode: 'persistent' | 'persistentRecursive' }
  | { op: 'removeWatches'; path: string; kind: WatcherKind }
  | { op: 'addAuth'; scheme: string; auth: Uint8Array }
  | { op: 'whoAmI' };

export type ClientOp = WriteOp | ReadOp | SessionOp;

export function isWriteOp(op: ClientOp): op is WriteOp {
  switch (op.op) {
    case 'create':
    case 'delete':
    case 'setData':
    case 'setACL':
    case 'check':
    case 'multi':
    case 'createSession':
    case 'closeSession':
    case 'reap':
      return true;
    default:
      return false;
  }
}
