/**
 * The DataTree: every znode (data, ACL, Stat, children), the ephemerals of each session,
 * the session table, and the containers and TTL nodes the server may reap. It is the
 * replicated state machine: `apply(txn)` is the only way it changes, and applying the same
 * txns in the same order gives the same tree on every replica.
 *
 * Invariants: lastZxid only grows; every node's parent exists; an ephemeral has no
 * children; numChildren equals the size of the children set. A txn that violates them was
 * mis-prepared, which is a bug: apply asserts rather than guessing.
 *
 * Pure: no clock (times come in txn headers), no I/O.
 */
import { assert } from '../base/assert.js';
import { ACL_INTERN_MAX } from '../base/limits.js';
import type { Zxid } from '../base/zxid.js';
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from './acl.js';
import { basename, joinPath, parentOf } from './path.js';
import type { Acl, ApplyResult, NodeKind, OpResult, SessionId, Stat, Txn, TxnEntry, WatchTrigger } from './types.js';
import { SnapshotRecordReader } from './snapshot-record-reader.js';
import { SnapshotRecords } from './snapshot-record-writer.js';


export interface NodeView {
  readonly path: string;
  readonly data: Uint8Array;
  readonly acl: readonly Acl[];
  /** the node's Stat as of this read (a copy for a live node) */
  readonly stat: Readonly<Stat>;
  readonly kind: NodeKind;
  readonly ttlMs: number;
  readonly children: ReadonlySet<string>;
}

const NO_CHILDREN: ReadonlySet<string> = new Set();

/**
 * One znode. Memory per node matters (a tree holds millions): a class gives every node one
 * shape; the Stat fields live on the node itself (no Stat object per node; dataLength and
 * numChildren are not stored, they are the data's length and the children's count); the
 * children set exists only while the node has children (most are leaves); the ACL list is
 * shared by every node with an equal one (DataTree.internAcl); the data is held as a
 * latin1 string, one char per byte (see bytesAsText).
 */
class Node implements NodeView {
  private kids: Set<string> | undefined = undefined;
  /** the SnapshotCursor generation that last emitted this node (0: none) */
  emittedIn = 0;
  mzxid: Zxid;
  pzxid: Zxid;
  mtime: number;
  version = 0;
  cversion = 0;
  aversion = 0;

  /** A node as its create left it: modified, and its children changed, at its creation. */
  constructor(
    readonly path: string,
    /** the data, one latin1 char per byte */
    public dataText: string,
    public acl: readonly Acl[],
    readonly kind: NodeKind,
    readonly ttlMs: number,
    readonly czxid: Zxid,
    readonly ctime: number,
    readonly ephemeralOwner: SessionId,
  ) {
    this.mzxid = czxid;
    this.pzxid = czxid;
    this.mtime = ctime;
  }

  /** A copy of the node's Stat (changing it changes nothing). */
  get stat(): Stat {
    return {
      czxid: this.czxid,
      mzxid: this.mzxid,
      ctime: this.ctime,
      mtime: this.mtime,
      version: this.version,
      cversion: this.cversion,
      aversion: this.aversion,
      ephemeralOwner: this.ephemeralOwner,
      dataLength: this.dataText.length,
      numChildren: this.kids?.size ?? 0,
      pzxid: this.pzxid,
    };
  }

  /** A copy of the data (changing it changes nothing). */
  get data(): Uint8Array {
    return this.dataText.length === 0 ? EMPTY : Buffer.from(this.dataText, 'latin1');
  }

  get children(): ReadonlySet<string> {
    return this.kids ?? NO_CHILDREN;
  }

  addChild(name: string): void {
    (this.kids ??= new Set()).add(name);
  }

  removeChild(name: string): void {
    if (!this.kids) return;
    this.kids.delete(name);
    if (this.kids.size === 0) this.kids = undefined;
  }
}

/**
 * Bytes as a string of one latin1 char each. A node's data is kept this way: a one-byte
 * string costs 16 bytes besides its chars, a Buffer about 100 (its view object, plus its
 * share of a pool or an ArrayBuffer of its own), and most znodes hold a few dozen bytes. The
 * string is always the node's own, so it never keeps a larger buffer (a log segment, a
 * received frame) alive. Reading the data back makes a Buffer of it (Node.data).
 */
function bytesAsText(b: Uint8Array): string {
  if (b.byteLength === 0) return '';
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

export interface SessionInfo {
  timeoutMs: number;
  password: Uint8Array;
}

const EMPTY = new Uint8Array(0);
const NO_PATHS: ReadonlySet<string> = new Set();


/**
 * How many children were ever created under a node: the next sequence number for a
 * sequential child. ZooKeeper stores this count as the node's cversion and serves
 * cversion = 2 * creates - numChildren (so a client sees every create and every delete);
 * Warden stores the served value, so the count is recovered from it. ZooKeeper's sequence
 * numbers therefore do not advance on deletes, and neither do Warden's.
 */
export function childCreates(cversion: number, numChildren: number): number {
  const twice = cversion + numChildren;
  assert(twice >= 0 && twice % 2 === 0, `cversion ${cversion} and numChildren ${numChildren} fit cversion = 2 * creates - numChildren`);
  return twice / 2;
}

export function copyStat(s: Readonly<Stat>): Stat {
  return { ...s };
}

export class DataTree {
  private readonly nodes = new Map<string, Node>();
  private readonly ephemerals = new Map<SessionId, Set<string>>();
  private readonly sessionTable = new Map<SessionId, SessionInfo>();
  private readonly containers = new Set<string>();
  private readonly ttls = new Set<string>();
  /** one array per distinct ACL, shared by the nodes that have it */
  private readonly acls = new Map<string, readonly Acl[]>();
  private zxid: Zxid = 0n;
  private cursor: SnapshotCursor | undefined = undefined;
  private snapshotGeneration = 0;

  constructor(empty = false) {
    if (empty) return;
    this.addNode(new Node('/', '', this.internAcl(OPEN_ACL_UNSAFE), 'persistent', 0, 0n, 0, 0n));
    this.addSystemNode('/zookeeper', OPEN_ACL_UNSAFE);
    this.addSystemNode('/zookeeper/quota', READ_ACL_UNSAFE);
  }

  /**
   * The nodes every tree starts with, linked into their parent like any child (so `ls /`
   * shows `zookeeper` and snapshots keep them). As in ZooKeeper they count as children but
   * not as creates: the parent's cversion drops by one, keeping cversion = 2 * creates -
   * numChildren for every node (see childCreates).
   */
  private addSystemNode(path: string, acl: readonly Acl[]): void {
    const parent = this.nodes.get(parentOf(path));
    assert(parent !== undefined, `system node ${path}: parent exists`);
    this.addNode(new Node(path, '', this.internAcl(acl), 'persistent', 0, 0n, 0, 0n));
    parent.addChild(basename(path));
    parent.cversion -= 1;
  }

  get lastZxid(): Zxid {
    return this.zxid;
  }

  get(path: string): NodeView | undefined {
    return this.nodes.get(path);
  }

  nodeCount(): number {
    return this.nodes.size;
  }

  ephemeralsOf(session: SessionId): ReadonlySet<string> {
    return this.ephemerals.get(session) ?? NO_PATHS;
  }

  ephemeralCount(): number {
    let n = 0;
    for (const set of this.ephemerals.values()) n += set.size;
    return n;
  }

  sessions(): ReadonlyMap<SessionId, SessionInfo> {
    return this.sessionTable;
  }

  /** Every descendant of `path` (not counting itself). */
  descendantCount(path: string): number {
    const node = this.nodes.get(path);
    if (!node) return 0;
    let n = 0;
    const stack = [node];
    while (stack.length > 0) {
      const cur = stack.pop()!;
      for (const name of cur.children) {
        n++;
        const child = this.nodes.get(joinPath(cur.path, name));
        if (child && child.children.size > 0) stack.push(child);
      }
    }
    return n;
  }

  /** Containers that had children and now have none; TTL nodes childless and unmodified for their TTL. */
  reapCandidates(nowMs: number): string[] {
    const out: string[] = [];
    for (const path of this.containers) {
      const n = this.nodes.get(path);
      if (n && n.children.size === 0 && n.cversion > 0) out.push(path);
    }
    for (const path of this.ttls) {
      const n = this.nodes.get(path);
      if (n && n.children.size === 0 && nowMs - n.mtime > n.ttlMs) out.push(path);
    }
    return out.sort();
  }

  /** Every TTL node (for the leader's own count of their age, see session/ttl-tracker.ts). */
  *ttlNodes(): Iterable<NodeView> {
    for (const path of this.ttls) {
      const n = this.nodes.get(path);
      if (n) yield n;
    }
  }

  // ------------------------------------------------------------------ apply

  apply(entry: TxnEntry): ApplyResult {
    const { header, txn } = entry;
    assert(header.zxid > this.zxid, `txn zxid 0x${header.zxid.toString(16)} must be above the tree's 0x${this.zxid.toString(16)}`);
    const triggers: WatchTrigger[] = [];
    const result = this.applyTxn(txn, header.zxid, header.timeMs, header.sessionId, triggers);
    this.zxid = header.zxid;
    return { result, triggers };
  }

  private applyTxn(txn: Txn, zxid: Zxid, timeMs: number, sessionId: SessionId, triggers: WatchTrigger[]): OpResult {
    switch (txn.type) {
      case 'create': {
        const parentPath = parentOf(txn.path);
        const parent = this.nodes.get(parentPath);
        assert(parent !== undefined, `create ${txn.path}: parent exists`);
        assert(!this.nodes.has(txn.path), `create ${txn.path}: node is new`);
        assert(parent.kind !== 'ephemeral', `create ${txn.path}: parent is not ephemeral`);
        this.touch(parent);
        const owner = txn.kind === 'ephemeral' ? txn.ephemeralOwner : 0n;
        const node = new Node(txn.path, bytesAsText(txn.data), this.internAcl(txn.acl), txn.kind, txn.ttlMs, zxid, timeMs, owner);
        this.addNode(node);
        parent.addChild(basename(txn.path));
        parent.cversion = txn.parentCVersion;
        parent.pzxid = zxid;
        triggers.push({ path: txn.path, type: 'created', zxid }, { path: parentPath, type: 'childrenChanged', zxid });
        return { type: 'create', path: txn.path, stat: node.stat };
      }
      case 'delete': {
        const node = this.nodes.get(txn.path);
        assert(node !== undefined, `delete ${txn.path}: node exists`);
        assert(node.children.size === 0, `delete ${txn.path}: node has no children`);
        this.removeNode(node, zxid);
        triggers.push({ path: txn.path, type: 'deleted', zxid }, { path: parentOf(txn.path), type: 'childrenChanged', zxid });
        return { type: 'delete' };
      }
      case 'setData': {
        const node = this.nodes.get(txn.path);
        assert(node !== undefined, `setData ${txn.path}: node exists`);
        this.touch(node);
        node.dataText = bytesAsText(txn.data);
        node.version = txn.version;
        node.mzxid = zxid;
        node.mtime = timeMs;
        triggers.push({ path: txn.path, type: 'dataChanged', zxid });
        return { type: 'setData', stat: node.stat };
      }
      case 'setACL': {
        const node = this.nodes.get(txn.path);
        assert(node !== undefined, `setACL ${txn.path}: node exists`);
        this.touch(node);
        node.acl = this.internAcl(txn.acl);
        node.aversion = txn.aversion;
        return { type: 'setACL', stat: node.stat };
      }
      case 'check':
        return { type: 'check' };
      case 'multi':
        return { type: 'multi', results: txn.txns.map((t) => this.applyTxn(t, zxid, timeMs, sessionId, triggers)) };
      case 'error':
        return { type: 'error', err: txn.err };
      case 'createSession':
        this.sessionTable.set(sessionId, { timeoutMs: txn.timeoutMs, password: txn.password });
        return { type: 'createSession' };
      case 'closeSession': {
        const paths = [...this.ephemeralsOf(sessionId)].sort();
        for (const path of paths) {
          const node = this.nodes.get(path);
          assert(node !== undefined && node.children.size === 0, `closeSession: ephemeral ${path} exists and is childless`);
          this.removeNode(node, zxid);
          triggers.push({ path, type: 'deleted', zxid }, { path: parentOf(path), type: 'childrenChanged', zxid });
        }
        this.ephemerals.delete(sessionId);
        this.sessionTable.delete(sessionId);
        return { type: 'closeSession', deletedPaths: paths };
      }
    }
  }

  /** The shared array equal to `acl` (ACLs are few: most nodes have one of a handful). */
  private internAcl(acl: readonly Acl[]): readonly Acl[] {
    const key = acl.map((a) => `${a.perms}:${a.id.scheme}:${a.id.id}`).join(',');
    const known = this.acls.get(key);
    if (known) return known;
    if (this.acls.size >= ACL_INTERN_MAX) return acl;
    this.acls.set(key, acl);
    return acl;
  }

  private addNode(node: Node): void {
    this.nodes.set(node.path, node);
    if (node.kind === 'ephemeral') {
      let set = this.ephemerals.get(node.ephemeralOwner);
      if (!set) this.ephemerals.set(node.ephemeralOwner, (set = new Set()));
      set.add(node.path);
    } else if (node.kind === 'container') {
      this.containers.add(node.path);
    } else if (node.kind === 'ttl') {
      this.ttls.add(node.path);
    }
  }

  private removeNode(node: Node, zxid: Zxid): void {
    const parent = this.nodes.get(parentOf(node.path));
    assert(parent !== undefined, `remove ${node.path}: parent exists`);
    this.touch(node);
    this.touch(parent);
    this.nodes.delete(node.path);
    parent.removeChild(basename(node.path));
    parent.cversion += 1;
    parent.pzxid = zxid;
    if (node.kind === 'ephemeral') {
      const set = this.ephemerals.get(node.ephemeralOwner);
      set?.delete(node.path);
      if (set && set.size === 0) this.ephemerals.delete(node.ephemeralOwner);
    }
    this.containers.delete(node.path);
    this.ttls.delete(node.path);
  }

  // ------------------------------------------------------------------ digest and snapshots

  /**
   * An order-independent 64-bit hash of every node (path, data, ACL, Stat) and session, so
   * two replicas at the same zxid can be compared cheaply. Used by tests and the simulator.
   */
  digest(): bigint {
    let sum = 0n;
    const mask = (1n << 64n) - 1n;
    for (const n of this.nodes.values()) {
      const s = n.stat;
      const acl = n.acl.map((a) => `${a.perms}:${a.id.scheme}:${a.id.id}`).join(',');
      sum = (sum + fnv1a(`${n.path}|${hex(n.data)}|${acl}|${n.kind}|${n.ttlMs}|${s.czxid}|${s.mzxid}|${s.ctime}|${s.mtime}|${s.version}|${s.cversion}|${s.aversion}|${s.ephemeralOwner}|${s.numChildren}|${s.pzxid}`)) & mask;
    }
    for (const [id, s] of this.sessionTable) sum = (sum + fnv1a(`session|${id}|${s.timeoutMs}|${hex(s.password)}`)) & mask;
    return (sum + fnv1a(`zxid|${this.zxid}`)) & mask;
  }

  /** Encoded snapshot records: sessions, then nodes with every parent before its children. */
  snapshotRecords(): SnapshotRecords {
    const out = this.sessionRecords();
    const stack: string[] = ['/'];
    while (stack.length > 0) {
      const path = stack.pop()!;
      const n = this.nodes.get(path);
      assert(n !== undefined, `snapshot: ${path} exists`);
      out.addNode(n);
      for (const name of n.children) stack.push(joinPath(path, name));
    }
    return out;
  }

  private sessionRecords(): SnapshotRecords {
    const out = new SnapshotRecords();
    for (const [id, s] of this.sessionTable) out.addSession(id, s.timeoutMs, s.password);
    return out;
  }

  /**
   * The same records as snapshotRecords() at this zxid, taken a piece at a time
   * (SnapshotCursor.step) while txns keep applying, so a large tree is snapshotted without
   * stopping the server. One cursor at a time; a new one, or replaceWith, cancels the last.
   */
  beginSnapshot(): SnapshotCursor {
    this.cursor?.cancel();
    const cursor = new SnapshotCursor(++this.snapshotGeneration, this.zxid, this.sessionRecords(), (path) => this.nodes.get(path), () => {
      if (this.cursor === cursor) this.cursor = undefined;
    });
    this.cursor = cursor;
    return cursor;
  }

  /** Called before a node changes: a running snapshot that has not emitted it keeps its image from before. */
  private touch(node: Node): void {
    if (this.cursor && node.emittedIn !== this.cursor.generation) this.cursor.keepBefore(node);
  }

  /**
   * Takes over another tree's whole content (a SNAP from the leader), keeping this object,
   * which the pipeline, prep and watches hold.
   */
  replaceWith(other: DataTree): void {
    this.cursor?.cancel();
    const copy = <K, V>(to: Map<K, V>, from: Map<K, V>): void => {
      to.clear();
      for (const [k, v] of from) to.set(k, v);
    };
    copy(this.nodes, other.nodes);
    copy(this.ephemerals, other.ephemerals);
    copy(this.sessionTable, other.sessionTable);
    copy(this.acls, other.acls);
    this.containers.clear();
    for (const p of other.containers) this.containers.add(p);
    this.ttls.clear();
    for (const p of other.ttls) this.ttls.add(p);
    this.zxid = other.zxid;
  }

  /** Rebuilds a tree from snapshot records; throws on a record that does not fit (corrupt snapshot). */
  static fromSnapshot(zxid: Zxid, records: Iterable<Uint8Array>): DataTree {
    const tree = new DataTree(true);
    const r = new SnapshotRecordReader();
    // The reader hands out one list per distinct ACL encoding: intern each list once.
    const interned = new Map<readonly Acl[], readonly Acl[]>();
    for (const bytes of records) {
      r.read(bytes);
      if (r.isSession) {
        tree.sessionTable.set(r.sessionId, { timeoutMs: r.timeoutMs, password: r.password });
        continue;
      }
      const path = r.path;
      const read = r.acl();
      let acl = interned.get(read);
      if (!acl) interned.set(read, (acl = tree.internAcl(read)));
      const node = new Node(path, bytesAsText(r.data), acl, r.kind, r.ttlMs, r.czxid, r.ctime, r.ephemeralOwner);
      node.mzxid = r.mzxid;
      node.pzxid = r.pzxid;
      node.mtime = r.mtime;
      node.version = r.version;
      node.cversion = r.cversion;
      node.aversion = r.aversion;
      if (path !== '/') {
        const parent = tree.nodes.get(parentOf(path));
        if (!parent) throw new Error(`snapshot node ${path} comes before its parent`);
        parent.addChild(basename(path));
      }
      tree.addNode(node);
    }
    if (!tree.nodes.has('/')) throw new Error('snapshot has no root node');
    tree.zxid = zxid;
    return tree;
  }
}

/**
 * A snapshot of the tree as it was at `zxid`, materialized a piece at a time. Copy on
 * write: before a txn changes a node this cursor has not emitted yet, the tree hands over
 * the node's image from before (keepBefore), and the walk uses that image (its data, Stat,
 * ACL and children) instead of the live node. Nodes created after `zxid` are never reached:
 * the walk follows only children lists from before. So the records equal what
 * snapshotRecords() returned at `zxid`, in the same order. Pure; the caller paces step().
 */
export class SnapshotCursor {
  readonly records: SnapshotRecords;
  private readonly stack: string[] = ['/'];
  private readonly before = new Map<string, NodeView>();
  private cancelled = false;

  /** @internal created by DataTree.beginSnapshot */
  constructor(
    readonly generation: number,
    readonly zxid: Zxid,
    sessions: SnapshotRecords,
    private readonly live: (path: string) => Node | undefined,
    private readonly detach: () => void,
  ) {
    this.records = sessions;
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Emits up to `maxNodes` more nodes; true when the snapshot is complete. */
  step(maxNodes: number): boolean {
    assert(!this.cancelled, 'a cancelled snapshot is not stepped');
    for (let i = 0; i < maxNodes && this.stack.length > 0; i++) {
      const path = this.stack.pop()!;
      const kept = this.before.get(path);
      let n: NodeView;
      if (kept) {
        this.before.delete(path);
        n = kept;
      } else {
        const node = this.live(path);
        assert(node !== undefined, `snapshot: ${path} exists (or its image was kept)`);
        node.emittedIn = this.generation;
        n = node;
      }
      this.records.addNode(n);
      for (const name of n.children) this.stack.push(joinPath(path, name));
    }
    if (this.stack.length > 0) return false;
    // Images of nodes created after `zxid` and changed again are never reached: drop them.
    this.before.clear();
    this.detach();
    return true;
  }

  cancel(): void {
    this.cancelled = true;
    this.before.clear();
    this.detach();
  }

  /** @internal the tree is about to change `node`, which this cursor has not emitted */
  keepBefore(node: Node): void {
    if (this.before.has(node.path)) return;
    // Marked as emitted, so later changes do not copy it again; the walk emits the copy.
    node.emittedIn = this.generation;
    this.before.set(node.path, {
      path: node.path,
      data: node.data,
      acl: node.acl,
      stat: node.stat,
      kind: node.kind,
      ttlMs: node.ttlMs,
      children: new Set(node.children),
    });
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

function fnv1a(text: string): bigint {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * FNV_PRIME) & MASK64;
  }
  return h;
}
