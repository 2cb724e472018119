/**
 * The SDK's crossing to the wire: its requests become `ClientFrame` bytes, `ServerFrame`
 * bytes become plain values with `bigint` zxids. Pure; no I/O, no state. The server's
 * counterpart is server/rpc/codec.ts; both follow proto/warden/v1/client.proto.
 */
import Long from 'long';
import { warden } from '../proto/gen/warden.js';
import { fromLong, longToNumber, toLong } from '../proto/long.js';
import type { Acl, AddWatchMode, ClientIdentity, CreateMode, EventType, Stat, WatcherType } from './types.js';

const pb = warden.v1;

// ------------------------------------------------------------------ requests

export type MultiOpSpec =
  | { op: 'create'; path: string; data: Uint8Array; acl: readonly Acl[]; mode: CreateMode; ttlMs: number }
  | { op: 'delete'; path: string; version: number }
  | { op: 'setData'; path: string; data: Uint8Array; version: number }
  | { op: 'check'; path: string; version: number };

export type ReadOpSpec = { op: 'getData'; path: string } | { op: 'getChildren'; path: string };

/** Every request the SDK can send, before encoding. */
export type RequestOp =
  | Extract<MultiOpSpec, { op: 'create' | 'delete' | 'setData' }>
  | { op: 'exists'; path: string; watch: boolean }
  | { op: 'getData'; path: string; watch: boolean }
  | { op: 'getChildren'; path: string; watch: boolean }
  | { op: 'getAllChildrenNumber'; path: string }
  | { op: 'getEphemerals'; prefixPath: string }
  | { op: 'sync'; path: string }
  | { op: 'multi'; ops: readonly MultiOpSpec[] }
  | { op: 'multiRead'; ops: readonly ReadOpSpec[] }
  | { op: 'getACL'; path: string }
  | { op: 'setACL'; path: string; acl: readonly Acl[]; version: number }
  | { op: 'addWatch'; path: string; mode: AddWatchMode }
  | { op: 'removeWatches'; path: string; type: WatcherType }
  | { op: 'addAuth'; scheme: string; auth: Uint8Array }
  | { op: 'whoAmI' };

const CREATE_MODE: Record<CreateMode, warden.v1.CreateMode> = {
  persistent: pb.CreateMode.CREATE_MODE_PERSISTENT,
  ephemeral: pb.CreateMode.CREATE_MODE_EPHEMERAL,
  persistentSequential: pb.CreateMode.CREATE_MODE_PERSISTENT_SEQUENTIAL,
  ephemeralSequential: pb.CreateMode.CREATE_MODE_EPHEMERAL_SEQUENTIAL,
  container: pb.CreateMode.CREATE_MODE_CONTAINER,
  persistentWithTtl: pb.CreateMode.CREATE_MODE_PERSISTENT_WITH_TTL,
  persistentSequentialWithTtl: pb.CreateMode.CREATE_MODE_PERSISTENT_SEQUENTIAL_WITH_TTL,
};

const WATCHER_TYPE: Record<WatcherType, warden.v1.WatcherType> = {
  children: pb.WatcherType.WATCHER_TYPE_CHILDREN,
  data: pb.WatcherType.WATCHER_TYPE_DATA,
  any: pb.WatcherType.WATCHER_TYPE_ANY,
  persistent: pb.WatcherType.WATCHER_TYPE_PERSISTENT,
  persistentRecursive: pb.WatcherType.WATCHER_TYPE_PERSISTENT_RECURSIVE,
};

const EVENT_TYPE = new Map<number, EventType>([
  [pb.EventType.EVENT_TYPE_NONE, 'None'],
  [pb.EventType.EVENT_TYPE_NODE_CREATED, 'NodeCreated'],
  [pb.EventType.EVENT_TYPE_NODE_DELETED, 'NodeDeleted'],
  [pb.EventType.EVENT_TYPE_NODE_DATA_CHANGED, 'NodeDataChanged'],
  [pb.EventType.EVENT_TYPE_NODE_CHILDREN_CHANGED, 'NodeChildrenChanged'],
  [pb.EventType.EVENT_TYPE_DATA_WATCH_REMOVED, 'DataWatchRemoved'],
  [pb.EventType.EVENT_TYPE_CHILD_WATCH_REMOVED, 'ChildWatchRemoved'],
  [pb.EventType.EVENT_TYPE_PERSISTENT_WATCH_REMOVED, 'PersistentWatchRemoved'],
  [pb.EventType.EVENT_TYPE_RESYNC, 'Resync'],
]);

function acls(list: readonly Acl[]): warden.v1.Acl.$Properties[] {
  return list.map((a) => ({ perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } }));
}

function createReq(c: Extract<MultiOpSpec, { op: 'create' }>): warden.v1.CreateRequest.$Properties {
  return { path: c.path, data: c.data, acl: acls(c.acl), mode: CREATE_MODE[c.mode], ttlMs: Long.fromNumber(c.ttlMs) };
}

function multiOp(m: MultiOpSpec): warden.v1.MultiOp.$Properties {
  switch (m.op) {
    case 'create':
      return { create: createReq(m) };
    case 'delete':
      return { delete: { path: m.path, version: m.version } };
    case 'setData':
      return { setData: { path: m.path, data: m.data, version: m.version } };
    case 'check':
      return { check: { path: m.path, version: m.version } };
  }
}

function requestBody(op: RequestOp): Partial<warden.v1.Request.$Properties> {
  switch (op.op) {
    case 'create':
      return { create: createReq(op) };
    case 'delete':
      return { delete: { path: op.path, version: op.version } };
    case 'exists':
      return { exists: { path: op.path, watch: op.watch } };
    case 'getData':
      return { getData: { path: op.path, watch: op.watch } };
    case 'setData':
      return { setData: { path: op.path, data: op.data, version: op.version } };
    case 'getChildren':
      return { getChildren: { path: op.path, watch: op.watch } };
    case 'getAllChildrenNumber':
      return { getAllChildrenNumber: { path: op.path } };
    case 'getEphemerals':
      return { getEphemerals: { prefixPath: op.prefixPath } };
    case 'sync':
      return { sync: { path: op.path } };
    case 'multi':
      return { multi: { ops: op.ops.map(multiOp) } };
    case 'multiRead':
      return {
        multiRead: {
          ops: op.ops.map((r) => (r.op === 'getData' ? { getData: { path: r.path, watch: false } } : { getChildren: { path: r.path, watch: false } })),
        },
      };
    case 'getACL':
      return { getAcl: { path: op.path } };
    case 'setACL':
      return { setAcl: { path: op.path, acl: acls(op.acl), version: op.version } };
    case 'addWatch':
      return {
        addWatch: {
          path: op.path,
          mode: op.mode === 'persistent' ? pb.AddWatchMode.ADD_WATCH_MODE_PERSISTENT : pb.AddWatchMode.ADD_WATCH_MODE_PERSISTENT_RECURSIVE,
        },
      };
    case 'removeWatches':
      return { removeWatches: { path: op.path, type: WATCHER_TYPE[op.type] } };
    case 'addAuth':
      return { addAuth: { scheme: op.scheme, auth: op.auth } };
    case 'whoAmI':
      return { whoAmI: {} };
  }
}

function frame(f: warden.v1.ClientFrame.$Properties): Uint8Array {
  return pb.ClientFrame.encode(f).finish();
}

export function encodeRequest(xid: number, op: RequestOp): Uint8Array {
  return frame({ request: { xid: Long.fromNumber(xid), ...requestBody(op) } });
}

export interface ConnectSpec {
  sessionId: bigint;
  password: Uint8Array;
  timeoutMs: number;
  lastZxidSeen: bigint;
  readOnly: boolean;
}

export function encodeConnect(c: ConnectSpec): Uint8Array {
  return frame({
    connect: { sessionId: toLong(c.sessionId), password: c.password, timeoutMs: c.timeoutMs, lastZxidSeen: toLong(c.lastZxidSeen), readOnly: c.readOnly, frameBatches: true },
  });
}

export function encodePing(nonce: bigint): Uint8Array {
  return frame({ ping: { nonce: toLong(nonce) } });
}

export interface WatchLists {
  data: string[];
  exist: string[];
  child: string[];
  persistent: string[];
  persistentRecursive: string[];
}

export function encodeSetWatches(xid: number, relativeZxid: bigint, w: WatchLists): Uint8Array {
  return frame({
    setWatches: {
      xid: Long.fromNumber(xid),
      relativeZxid: toLong(relativeZxid),
      dataWatches: w.data,
      existWatches: w.exist,
      childWatches: w.child,
      persistentWatches: w.persistent,
      persistentRecursiveWatches: w.persistentRecursive,
    },
  });
}

export function encodeClose(xid: number): Uint8Array {
  return frame({ close: { xid: Long.fromNumber(xid) } });
}

// ------------------------------------------------------------------ server frames

export type ServerMessage =
  | { kind: 'connected'; sessionId: bigint; password: Uint8Array; timeoutMs: number; lastZxid: bigint; serverId: number; readOnly: boolean; frameBatchBytesMax: number }
  | { kind: 'response'; xid: number; zxid: bigint; err: number; message: string; body: warden.v1.Response }
  | { kind: 'event'; type: EventType; path: string; zxid: bigint }
  | { kind: 'pong'; nonce: bigint; zxid: bigint }
  | { kind: 'closed'; err: number; message: string };

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/**
 * Decodes one message from the server: one frame, or a batch of them, in order. Throws
 * ProtocolError for bytes that are no ServerFrame (or a batch inside a batch).
 */
export function decodeServerFrames(bytes: Uint8Array): ServerMessage[] {
  let f: warden.v1.ServerFrame;
  try {
    f = pb.ServerFrame.decode(bytes);
  } catch (e) {
    throw new ProtocolError(`undecodable server frame: ${(e as Error).message}`);
  }
  if (f.kind !== 'batch') return [fromServerFrame(f)];
  return (f.batch!.frames ?? []).map((inner) => {
    if (inner.batch) throw new ProtocolError('a frame batch inside a frame batch');
    return fromServerFrame(inner instanceof pb.ServerFrame ? inner : pb.ServerFrame.fromObject(inner));
  });
}

/** Decodes one server frame (not a batch); throws ProtocolError for anything else. */
export function decodeServerFrame(bytes: Uint8Array): ServerMessage {
  const frames = decodeServerFrames(bytes);
  if (frames.length !== 1) throw new ProtocolError('a frame batch where one frame was expected');
  return frames[0]!;
}

function fromServerFrame(f: warden.v1.ServerFrame): ServerMessage {
  switch (f.kind) {
    case 'connected': {
      const c = f.connected!;
      return {
        kind: 'connected',
        sessionId: fromLong(c.sessionId),
        password: c.password ?? new Uint8Array(0),
        timeoutMs: c.timeoutMs ?? 0,
        lastZxid: fromLong(c.lastZxid),
        serverId: c.serverId ?? 0,
        readOnly: c.readOnly ?? false,
        frameBatchBytesMax: c.frameBatchBytesMax ?? 0,
      };
    }
    case 'response': {
      const r = pb.Response.create(f.response!);
      return { kind: 'response', xid: longToNumber(r.xid), zxid: fromLong(r.zxid), err: r.err ?? 0, message: r.message ?? '', body: r };
    }
    case 'event': {
      const e = f.event!;
      const type = EVENT_TYPE.get(e.type ?? 0);
      if (type === undefined) throw new ProtocolError(`unknown watch event type ${e.type}`);
      return { kind: 'event', type, path: e.path ?? '', zxid: fromLong(e.zxid) };
    }
    case 'pong':
      return { kind: 'pong', nonce: fromLong(f.pong!.nonce), zxid: fromLong(f.pong!.zxid) };
    case 'closed':
      return { kind: 'closed', err: f.closed!.err ?? 0, message: f.closed!.message ?? '' };
    default:
      throw new ProtocolError('server frame of no known kind');
  }
}

// ------------------------------------------------------------------ result pieces

export function decodeStat(s: warden.v1.Stat.$Properties | null | undefined): Stat {
  return {
    czxid: fromLong(s?.czxid),
    mzxid: fromLong(s?.mzxid),
    ctime: longToNumber(s?.ctime),
    mtime: longToNumber(s?.mtime),
    version: s?.version ?? 0,
    cversion: s?.cversion ?? 0,
    aversion: s?.aversion ?? 0,
    ephemeralOwner: fromLong(s?.ephemeralOwner),
    dataLength: s?.dataLength ?? 0,
    numChildren: s?.numChildren ?? 0,
    pzxid: fromLong(s?.pzxid),
  };
}

export function decodeAcl(list: warden.v1.Acl.$Properties[] | null | undefined): Acl[] {
  return (list ?? []).map((a) => ({ perms: a.perms ?? 0, id: { scheme: a.id?.scheme ?? '', id: a.id?.id ?? '' } }));
}

export function decodeIdentities(list: warden.v1.ClientIdentity.$Properties[] | null | undefined): ClientIdentity[] {
  return (list ?? []).map((i) => ({ scheme: i.scheme ?? '', id: i.id ?? '' }));
}

/** Bytes from a protobuf bytes field as a Buffer (a Uint8Array with toString('utf8')). */
export function toBuffer(b: Uint8Array | null | undefined): Buffer {
  if (!b) return Buffer.alloc(0);
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
