/**
 * Reads against the applied tree: exists, getData, getChildren, getAllChildrenNumber,
 * getEphemerals, getACL and multiRead, with ZooKeeper's permission checks and the watch a
 * read asks for. Returns values (never throws for a client's mistake). Pure.
 *
 * Which watch: exists registers a data watch on a node that exists and an exist watch on
 * one that does not; getData and getChildren register only when they succeed.
 */
import { Code } from '../../proto/codes.js';
import { LimitExceededError, type Limits } from '../base/limits.js';
import { checkAcl } from '../tree/acl.js';
import { copyStat, type DataTree } from '../tree/data-tree.js';
import { isUnder, validatePath } from '../tree/path.js';
import { Perms, type Acl, type AuthInfo, type SessionId, type Stat } from '../tree/types.js';
import type { ReadOp } from './ops.js';

export type DataResult = { op: 'getData'; data: Uint8Array; stat: Stat };
export type ChildrenResult = { op: 'getChildren'; children: string[]; stat: Stat };

export type ReadResult =
  | { op: 'exists'; stat: Stat | null }
  | DataResult
  | ChildrenResult
  | { op: 'getAllChildrenNumber'; count: number }
  | { op: 'getEphemerals'; paths: string[] }
  | { op: 'getACL'; acl: readonly Acl[]; stat: Stat }
  | { op: 'multiRead'; results: Array<{ ok: true; result: DataResult | ChildrenResult } | { ok: false; err: number; message: string }> };

export type ReadOutcome =
  | { ok: true; result: ReadResult; watch?: { path: string; kind: 'data' | 'exist' | 'child' } }
  | { ok: false; err: number; message: string };

export interface ReadContext {
  sessionId: SessionId;
  auth: readonly AuthInfo[];
  clientIp?: string;
  limits: Limits;
}

type Fail = { ok: false; err: number; message: string };
const fail = (err: number, message: string): Fail => ({ ok: false, err, message });

export function executeRead(tree: DataTree, op: ReadOp, ctx: ReadContext): ReadOutcome {
  if (op.op === 'multiRead') {
    if (op.ops.length > ctx.limits.multiOpsMax) {
      return fail(Code.LIMITEXCEEDED, new LimitExceededError('multiOpsMax', ctx.limits.multiOpsMax, `multiRead has ${op.ops.length} ops`).message);
    }
    const results = op.ops.map((sub) => {
      const r = executeRead(tree, { ...sub, watch: false }, ctx);
      if (!r.ok) return r;
      return { ok: true as const, result: r.result as DataResult | ChildrenResult };
    });
    return { ok: true, result: { op: 'multiRead', results } };
  }
  if (op.op === 'getEphemerals') {
    const prefix = op.prefixPath || '/';
    const valid = validatePath(prefix, { pathBytesMax: ctx.limits.pathBytesMax });
    if (!valid.ok) return fail(Code.BADARGUMENTS, valid.message);
    const paths = [...tree.ephemeralsOf(ctx.sessionId)].filter((p) => isUnder(p, prefix) || p.startsWith(prefix)).sort();
    return { ok: true, result: { op: 'getEphemerals', paths } };
  }
  const valid = validatePath(op.path, { pathBytesMax: ctx.limits.pathBytesMax });
  if (!valid.ok) return fail(Code.BADARGUMENTS, valid.message);
  const node = tree.get(op.path);
  switch (op.op) {
    case 'exists':
      if (!node) return { ok: true, result: { op: 'exists', stat: null }, ...(op.watch ? { watch: { path: op.path, kind: 'exist' as const } } : {}) };
      return { ok: true, result: { op: 'exists', stat: copyStat(node.stat) }, ...(op.watch ? { watch: { path: op.path, kind: 'data' as const } } : {}) };
    case 'getData':
      if (!node) return fail(Code.NONODE, `no node ${op.path}`);
      if (!checkAcl(node.acl, Perms.READ, ctx.auth, ctx.clientIp)) return fail(Code.NOAUTH, `no READ permission on ${op.path}`);
      return { ok: true, result: { op: 'getData', data: node.data, stat: copyStat(node.stat) }, ...(op.watch ? { watch: { path: op.path, kind: 'data' as const } } : {}) };
    case 'getChildren': {
      if (!node) return fail(Code.NONODE, `no node ${op.path}`);
      if (!checkAcl(node.acl, Perms.READ, ctx.auth, ctx.clientIp)) return fail(Code.NOAUTH, `no READ permission on ${op.path}`);
      if (node.children.size > ctx.limits.childrenMax) {
        return fail(Code.LIMITEXCEEDED, new LimitExceededError('childrenMax', ctx.limits.childrenMax, `${op.path} has ${node.children.size} children`).message);
      }
      const children = [...node.children].sort();
      return { ok: true, result: { op: 'getChildren', children, stat: copyStat(node.stat) }, ...(op.watch ? { watch: { path: op.path, kind: 'child' as const } } : {}) };
    }
    case 'getAllChildrenNumber':
      if (!node) return fail(Code.NONODE, `no node ${op.path}`);
      if (!checkAcl(node.acl, Perms.READ, ctx.auth, ctx.clientIp)) return fail(Code.NOAUTH, `no READ permission on ${op.path}`);
      return { ok: true, result: { op: 'getAllChildrenNumber', count: tree.descendantCount(op.path) } };
    case 'getACL':
      if (!node) return fail(Code.NONODE, `no node ${op.path}`);
      if (!checkAcl(node.acl, Perms.READ | Perms.ADMIN, ctx.auth, ctx.clientIp)) return fail(Code.NOAUTH, `no READ or ADMIN permission on ${op.path}`);
      return { ok: true, result: { op: 'getACL', acl: node.acl, stat: copyStat(node.stat) } };
  }
}
