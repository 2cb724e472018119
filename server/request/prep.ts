/**
 * Prep: turn a write request into an idempotent txn, or refuse it with ZooKeeper's code.
 *
 * Requests are prepared as they arrive, before the writes ahead of them have been applied,
 * so validation must see the tree *as it will be* once every pending txn is applied. The
 * Prepper keeps an overlay of node records changed by proposed-but-unapplied txns (as
 * ZooKeeper's outstandingChanges), reads through it, and drops entries as their txns are
 * applied. A multi prepares its ops against a scratch layer over that overlay, merged only
 * if every op succeeds.
 *
 * Invariant: a txn prepared here always applies cleanly to the tree after the txns before
 * it (apply asserts it). Pure: time and identity come in the context.
 */
import { Code } from '../../proto/codes.js';
import { LimitExceededError, type Limits } from '../base/limits.js';
import type { Zxid } from '../base/zxid.js';
import { checkAcl, fixupAcl } from '../tree/acl.js';
import { childCreates, type DataTree } from '../tree/data-tree.js';
import { isUnder, parentOf, RESERVED_ROOT, validatePath } from '../tree/path.js';
import { Perms, type Acl, type AuthInfo, type NodeKind, type SessionId, type Stat, type Txn } from '../tree/types.js';
import type { MultiOp, WriteOp } from './ops.js';

export interface PrepContext {
  zxid: Zxid;
  timeMs: number;
  sessionId: SessionId;
  auth: readonly AuthInfo[];
  clientIp?: string;
  limits: Limits;
  superDigest?: string;
  extendedTypesEnabled: boolean;
}

export type PrepOutcome = { ok: true; txn: Txn } | { ok: false; err: number; message: string; multiResults?: number[] };

/** TTLs above this are refused, as ZooKeeper's EphemeralType.TTL maximum. */
export const TTL_MS_MAX = 2 ** 40 - 1;

interface Rec {
  readonly stat: Readonly<Stat>;
  readonly acl: readonly Acl[];
  readonly kind: NodeKind;
  readonly ttlMs: number;
  readonly childCount: number;
}

type Fail = { ok: false; err: number; message: string };
const fail = (err: number, message: string): Fail => ({ ok: false, err, message });

/** Reads through: local (this request) -> pending (proposed txns) -> applied tree. */
class View {
  readonly nodes = new Map<string, Rec | null>();
  readonly sessions = new Map<SessionId, boolean>();
  constructor(
    private readonly tree: DataTree,
    private readonly below?: View,
  ) {}

  get(path: string): Rec | undefined {
    const local = this.nodes.get(path);
    if (local !== undefined) return local ?? undefined;
    if (this.below) return this.below.get(path);
    const n = this.tree.get(path);
    return n ? { stat: n.stat, acl: n.acl, kind: n.kind, ttlMs: n.ttlMs, childCount: n.children.size } : undefined;
  }

  sessionLive(id: SessionId): boolean {
    const local = this.sessions.get(id);
    if (local !== undefined) return local;
    if (this.below) return this.below.sessionLive(id);
    return this.tree.sessions().has(id);
  }

  /** Ephemerals of a session as they will be: applied ones not deleted since, plus pending creates. */
  ephemeralsOf(id: SessionId): string[] {
    const out = new Set<string>();
    for (const p of this.tree.ephemeralsOf(id)) out.add(p);
    const layers: View[] = [];
    for (let v: View | undefined = this; v; v = v.below) layers.unshift(v);
    for (const layer of layers) {
      for (const [path, rec] of layer.nodes) {
        if (rec && rec.kind === 'ephemeral' && rec.stat.ephemeralOwner === id) out.add(path);
      }
    }
    return [...out].filter((p) => this.get(p) !== undefined).sort();
  }

  set(path: string, rec: Rec | null): void {
    this.nodes.set(path, rec);
  }
}

export class Prepper {
  private pending: View;
  /** (zxid, path) for every overlay entry, in zxid order, so applied() can drop them */
  private changes: Array<{ zxid: Zxid; path?: string; session?: SessionId }> = [];
  private readonly latest = new Map<string, Zxid>();
  private readonly latestSession = new Map<SessionId, Zxid>();

  constructor(private readonly tree: DataTree) {
    this.pending = new View(tree);
  }

  prepare(op: WriteOp, ctx: PrepContext): PrepOutcome {
    const scratch = new View(this.tree, this.pending);
    let outcome: PrepOutcome;
    if (op.op === 'multi') {
      outcome = this.prepMulti(op.ops, scratch, ctx);
    } else {
      outcome = this.prepOne(op, scratch, ctx);
    }
    if (outcome.ok) this.merge(scratch, ctx.zxid);
    return outcome;
  }

  /** Txns up to `zxid` are in the tree now: their overlay entries are no longer needed. */
  applied(zxid: Zxid): void {
    let i = 0;
    while (i < this.changes.length && this.changes[i]!.zxid <= zxid) {
      const c = this.changes[i]!;
      if (c.path !== undefined && (this.latest.get(c.path) ?? 0n) <= zxid) {
        this.pending.nodes.delete(c.path);
        this.latest.delete(c.path);
      }
      if (c.session !== undefined && (this.latestSession.get(c.session) ?? 0n) <= zxid) {
        this.pending.sessions.delete(c.session);
        this.latestSession.delete(c.session);
      }
      i++;
    }
    if (i > 0) this.changes = this.changes.slice(i);
  }

  /** Forget every pending change (its txns will never be applied). */
  reset(): void {
    this.pending = new View(this.tree);
    this.changes = [];
    this.latest.clear();
    this.latestSession.clear();
  }

  pendingCount(): number {
    return this.pending.nodes.size;
  }

  private merge(scratch: View, zxid: Zxid): void {
    for (const [path, rec] of scratch.nodes) {
      this.pending.nodes.set(path, rec);
      this.latest.set(path, zxid);
      this.changes.push({ zxid, path });
    }
    for (const [id, live] of scratch.sessions) {
      this.pending.sessions.set(id, live);
      this.latestSession.set(id, zxid);
      this.changes.push({ zxid, session: id });
    }
  }

  private prepMulti(ops: MultiOp[], view: View, ctx: PrepContext): PrepOutcome {
    if (ops.length > ctx.limits.multiOpsMax) {
      return fail(Code.LIMITEXCEEDED, new LimitExceededError('multiOpsMax', ctx.limits.multiOpsMax, `multi has ${ops.length} ops`).message);
    }
    const txns: Txn[] = [];
    for (let i = 0; i < ops.length; i++) {
      const r = this.prepOne(ops[i]!, view, ctx);
      if (!r.ok) {
        const codes = ops.map((_, j) => (j < i ? Code.OK : j === i ? r.err : Code.RUNTIMEINCONSISTENCY));
        return { ok: false, err: r.err, message: `multi op ${i} (${ops[i]!.op}): ${r.message}`, multiResults: codes };
      }
      txns.push(r.txn);
    }
    return { ok: true, txn: { type: 'multi', txns } };
  }

  private prepOne(op: Exclude<WriteOp, { op: 'multi' }>, view: View, ctx: PrepContext): PrepOutcome {
    switch (op.op) {
      case 'create':
        return this.prepCreate(op, view, ctx);
      case 'delete':
        return this.prepDelete(op.path, op.version, view, ctx, true);
      case 'setData':
        return this.prepSetData(op, view, ctx);
      case 'setACL':
        return this.prepSetAcl(op, view, ctx);
      case 'check': {
        const bad = checkPath(op.path, ctx);
        if (bad) return bad;
        const rec = view.get(op.path);
        if (!rec) return fail(Code.NONODE, `no node ${op.path}`);
        if (!checkAcl(rec.acl, Perms.READ, ctx.auth, ctx.clientIp)) return fail(Code.NOAUTH, `no READ permission on ${op.path}`);
        if (op.version !== -1 && op.version !== rec.stat.version) {
          return fail(Code.BADVERSION, `${op.path} is at version ${rec.stat.version}, not ${op.version}`);
        }
        return { ok: true, txn: { type: 'check', path: op.path, version: op.version } };
      }
      case 'createSession':
        view.sessions.set(ctx.sessionId, true);
        return { ok: true, txn: { type: 'createSession', timeoutMs: op.timeoutMs, password: op.password } };
      case 'closeSession': {
        if (!view.sessionLive(ctx.sessionId)) return fail(Code.SESSIONEXPIRED, `session 0x${ctx.sessionId.toString(16)} is not open`);
        for (const path of view.ephemeralsOf(ctx.sessionId)) this.recordDelete(path, view, ctx.zxid);
        view.sessions.set(ctx.sessionId, false);
        return { ok: true, txn: { type: 'closeSession' } };
      }
      case 'reap': {
        const rec = view.get(op.path);
        if (!rec) return fail(Code.NONODE, `no node ${op.path}`);
        const reapable =
          rec.childCount === 0 &&
          ((rec.kind === 'container' && rec.stat.cversion > 0) || (rec.kind === 'ttl' && ctx.timeMs - rec.stat.mtime > rec.ttlMs));
        if (!reapable) return fail(Code.NOTEMPTY, `${op.path} is no longer reapable`);
        this.recordDelete(op.path, view, ctx.zxid);
        return { ok: true, txn: { type: 'delete', path: op.path } };
      }
    }
  }

  private prepCreate(op: Extract<WriteOp, { op: 'create' }>, view: View, ctx: PrepContext): PrepOutcome {
    const sequential = op.mode === 'persistentSequential' || op.mode === 'ephemeralSequential' || op.mode === 'persistentSequentialWithTtl';
    const withTtl = op.mode === 'persistentWithTtl' || op.mode === 'persistentSequentialWithTtl';
    const kind: NodeKind = op.mode === 'ephemeral' || op.mode === 'ephemeralSequential' ? 'ephemeral' : op.mode === 'container' ? 'container' : withTtl ? 'ttl' : 'persistent';
    if (withTtl) {
      if (!ctx.extendedTypesEnabled) return fail(Code.UNIMPLEMENTED, 'TTL nodes are disabled (extendedTypesEnabled=false)');
      if (!Number.isInteger(op.ttlMs) || op.ttlMs <= 0 || op.ttlMs > TTL_MS_MAX) {
        return fail(Code.BADARGUMENTS, `TTL must be an integer in 1..${TTL_MS_MAX} ms, got ${op.ttlMs}`);
      }
    } else if (op.ttlMs !== 0) {
      return fail(Code.BADARGUMENTS, `a TTL is only valid with the *WithTtl create modes`);
    }
    const valid = validatePath(op.path, { sequential, pathBytesMax: ctx.limits.pathBytesMax });
    if (!valid.ok) return fail(Code.BADARGUMENTS, valid.message);
    if (op.data.length > ctx.limits.dataBytesMax) {
      return fail(Code.LIMITEXCEEDED, new LimitExceededError('dataBytesMax', ctx.limits.dataBytesMax, `data is ${op.data.length} bytes`).message);
    }
    const acl = fixupAcl(op.acl, ctx.auth, ctx.limits.aclEntriesMax);
    if (!acl.ok) return fail(acl.err, acl.message);
    const parentPath = sequential && op.path.endsWith('/') ? op.path.slice(0, -1) || '/' : parentOf(op.path);
    if (op.path === '/') return fail(Code.NODEEXISTS, 'the root node always exists');
    if (isUnder(parentOf(op.path), RESERVED_ROOT) || op.path === RESERVED_ROOT) {
      return fail(Code.BADARGUMENTS, `${RESERVED_ROOT} is reserved for the server`);
    }
    const parent = view.get(parentPath);
    if (!parent) return fail(Code.NONODE, `no parent node ${parentPath} for ${op.path}`);
    if (!checkAcl(parent.acl, Perms.CREATE, ctx.auth, ctx.clientIp)) return fail(Code.NOAUTH, `no CREATE permission on ${parentPath}`);
    const path = sequential ? `${op.path}${formatSequence(childCreates(parent.stat.cversion, parent.childCount))}` : op.path;
    if (sequential) {
      const again = validatePath(path, { pathBytesMax: ctx.limits.pathBytesMax });
      if (!again.ok) return fail(Code.BADARGUMENTS, again.message);
    }
    if (view.get(path)) return fail(Code.NODEEXISTS, `node ${path} already exists`);
    if (parent.kind === 'ephemeral') return fail(Code.NOCHILDRENFOREPHEMERALS, `${parentPath} is ephemeral and cannot have children`);
    if (kind === 'ephemeral' && !view.sessionLive(ctx.sessionId)) {
      return fail(Code.SESSIONEXPIRED, `session 0x${ctx.sessionId.toString(16)} is closing; no new ephemerals`);
    }
    const parentCVersion = parent.stat.cversion + 1;
    const owner = kind === 'ephemeral' ? ctx.sessionId : 0n;
    view.set(parentPath, { ...parent, stat: { ...parent.stat, cversion: parentCVersion, pzxid: ctx.zxid }, childCount: parent.childCount + 1 });
    view.set(path, {
      stat: { czxid: ctx.zxid, mzxid: ctx.zxid, ctime: ctx.timeMs, mtime: ctx.timeMs, version: 0, cversion: 0, aversion: 0, ephemeralOwner: owner, dataLength: op.data.length, numChildren: 0, pzxid: ctx.zxid },
      acl: acl.acl,
      kind,
      ttlMs: withTtl ? op.ttlMs : 0,
      childCount: 0,
    });
    return { ok: true, txn: { type: 'create', path, data: op.data, acl: acl.acl, kind, ephemeralOwner: owner, parentCVersion, ttlMs: withTtl ? op.ttlMs : 0 } };
  }

  private prepDelete(path: string, version: number, view: View, ctx: PrepContext, checkPerms: boolean): PrepOutcome {
    const bad = checkPath(path, ctx);
    if (bad) return bad;
    if (path === '/') return fail(Code.BADARGUMENTS, 'the root node cannot be deleted');
    if (isUnder(path, RESERVED_ROOT)) return fail(Code.BADARGUMENTS, `${RESERVED_ROOT} is reserved for the server`);
    const rec = view.get(path);
    if (!rec) return fail(Code.NONODE, `no node ${path}`);
    const parent = view.get(parentOf(path));
    if (checkPerms && parent && !checkAcl(parent.acl, Perms.DELETE, ctx.auth, ctx.clientIp)) {
      return fail(Code.NOAUTH, `no DELETE permission on ${parentOf(path)}`);
    }
    if (version !== -1 && version !== rec.stat.version) return fail(Code.BADVERSION, `${path} is at version ${rec.stat.version}, not ${version}`);
    if (rec.childCount > 0) return fail(Code.NOTEMPTY, `${path} has ${rec.childCount} children`);
    this.recordDelete(path, view, ctx.zxid);
    return { ok: true, txn: { type: 'delete', path } };
  }

  /** Mirrors DataTree's delete in the view: node gone, parent's cversion+1 and pzxid. */
  private recordDelete(path: string, view: View, zxid: Zxid): void {
    const parentPath = parentOf(path);
    const parent = view.get(parentPath);
    if (parent) {
      view.set(parentPath, { ...parent, stat: { ...parent.stat, cversion: parent.stat.cversion + 1, pzxid: zxid }, childCount: parent.childCount - 1 });
    }
    view.set(path, null);
  }

  private prepSetData(op: Extract<WriteOp, { op: 'setData' }>, view: View, ctx: PrepContext): PrepOutcome {
    const bad = checkPath(op.path, ctx);
    if (bad) return bad;
    if (isUnder(op.path, RESERVED_ROOT)) return fail(Code.BADARGUMENTS, `${RESERVED_ROOT} is reserved for the server`);
    if (op.data.length > ctx.limits.dataBytesMax) {
      return fail(Code.LIMITEXCEEDED, new LimitExceededError('dataBytesMax', ctx.limits.dataBytesMax, `data is ${op.data.length} bytes`).message);
    }
    const rec = view.get(op.path);
    if (!rec) return fail(Code.NONODE, `no node ${op.path}`);
    if (!checkAcl(rec.acl, Perms.WRITE, ctx.auth, ctx.clientIp)) return fail(Code.NOAUTH, `no WRITE permission on ${op.path}`);
    if (op.version !== -1 && op.version !== rec.stat.version) {
      return fail(Code.BADVERSION, `${op.path} is at version ${rec.stat.version}, not ${op.version}`);
    }
    const version = rec.stat.version + 1;
    view.set(op.path, { ...rec, stat: { ...rec.stat, version, mzxid: ctx.zxid, mtime: ctx.timeMs, dataLength: op.data.length } });
    return { ok: true, txn: { type: 'setData', path: op.path, data: op.data, version } };
  }

  private prepSetAcl(op: Extract<WriteOp, { op: 'setACL' }>, view: View, ctx: PrepContext): PrepOutcome {
    const bad = checkPath(op.path, ctx);
    if (bad) return bad;
    if (isUnder(op.path, RESERVED_ROOT)) return fail(Code.BADARGUMENTS, `${RESERVED_ROOT} is reserved for the server`);
    const rec = view.get(op.path);
    if (!rec) return fail(Code.NONODE, `no node ${op.path}`);
    if (!checkAcl(rec.acl, Perms.ADMIN, ctx.auth, ctx.clientIp)) return fail(Code.NOAUTH, `no ADMIN permission on ${op.path}`);
    if (op.version !== -1 && op.version !== rec.stat.aversion) {
      return fail(Code.BADVERSION, `${op.path} is at ACL version ${rec.stat.aversion}, not ${op.version}`);
    }
    const acl = fixupAcl(op.acl, ctx.auth, ctx.limits.aclEntriesMax);
    if (!acl.ok) return fail(acl.err, acl.message);
    const aversion = rec.stat.aversion + 1;
    view.set(op.path, { ...rec, acl: acl.acl, stat: { ...rec.stat, aversion } });
    return { ok: true, txn: { type: 'setACL', path: op.path, acl: acl.acl, aversion } };
  }
}

function checkPath(path: string, ctx: PrepContext): Fail | undefined {
  const valid = validatePath(path, { pathBytesMax: ctx.limits.pathBytesMax });
  return valid.ok ? undefined : fail(Code.BADARGUMENTS, valid.message);
}

/** ZooKeeper's "%010d" of how many children the parent has ever had created (childCreates). */
export function formatSequence(n: number): string {
  return n < 0 ? `-${String(-n).padStart(9, '0')}` : String(n).padStart(10, '0');
}
