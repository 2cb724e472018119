/**
 * The crossing between wire frames (generated protobuf classes, Long) and the pipeline's
 * own types (bigint, plain unions). No logic beyond shape: what a request means is decided
 * in server/request.
 *
 * A frame that does not decode, or decodes to something no request can be (no op, an
 * unknown enum), becomes a `FrameError` the edge answers with MARSHALLINGERROR or
 * UNIMPLEMENTED rather than a crash.
 */
import { warden } from '../../proto/gen/warden.js';
import { fromLong, longToNumber, toLong, numberToLong } from '../../proto/long.js';
import { Code } from '../../proto/codes.js';
import type { Acl, CreateMode, OpResult, Stat } from '../tree/types.js';
import type { ClientOp, MultiOp, ReadOp, WatcherKind } from '../request/ops.js';
import type { Outgoing, ReplyBody, SetWatchesOp } from '../request/pipeline.js';
import type { ReadResult } from '../request/read.js';

const pb = warden.v1;

export class FrameError extends Error {
  override name = 'FrameError';
  constructor(
    readonly code: number,
    message: string,
    readonly xid = 0,
  ) {
    super(message);
  }
}

export type Incoming =
  | { kind: 'connect'; sessionId: bigint; password: Uint8Array; timeoutMs: number; lastZxidSeen: bigint; readOnly: boolean; frameBatches: boolean }
  | { kind: 'request'; xid: number; op: ClientOp }
  | { kind: 'ping'; nonce: bigint }
  | { kind: 'setWatches'; xid: number; op: SetWatchesOp }
  | { kind: 'close'; xid: number };

/** client.proto's CreateMode numbers -> the pipeline's modes (also used by forwarded writes). */
export const CREATE_MODES: Record<number, CreateMode> = {
  [pb.CreateMode.CREATE_MODE_PERSISTENT]: 'persistent',
  [pb.CreateMode.CREATE_MODE_EPHEMERAL]: 'ephemeral',
  [pb.CreateMode.CREATE_MODE_PERSISTENT_SEQUENTIAL]: 'persistentSequential',
  [pb.CreateMode.CREATE_MODE_EPHEMERAL_SEQUENTIAL]: 'ephemeralSequential',
  [pb.CreateMode.CREATE_MODE_CONTAINER]: 'container',
  [pb.CreateMode.CREATE_MODE_PERSISTENT_WITH_TTL]: 'persistentWithTtl',
  [pb.CreateMode.CREATE_MODE_PERSISTENT_SEQUENTIAL_WITH_TTL]: 'persistentSequentialWithTtl',
};

const WATCHER_KINDS: Record<number, WatcherKind> = {
  [pb.WatcherType.WATCHER_TYPE_CHILDREN]: 'children',
  [pb.WatcherType.WATCHER_TYPE_DATA]: 'data',
  [pb.WatcherType.WATCHER_TYPE_ANY]: 'any',
  [pb.WatcherType.WATCHER_TYPE_PERSISTENT]: 'persistent',
  [pb.WatcherType.WATCHER_TYPE_PERSISTENT_RECURSIVE]: 'persistentRecursive',
};

const EVENT_TYPES: Record<Extract<Outgoing, { kind: 'event' }>['type'], warden.v1.EventType> = {
  created: pb.EventType.EVENT_TYPE_NODE_CREATED,
  deleted: pb.EventType.EVENT_TYPE_NODE_DELETED,
  dataChanged: pb.EventType.EVENT_TYPE_NODE_DATA_CHANGED,
  childrenChanged: pb.EventType.EVENT_TYPE_NODE_CHILDREN_CHANGED,
  resync: pb.EventType.EVENT_TYPE_RESYNC,
};

const EMPTY = new Uint8Array(0);

// ------------------------------------------------------------------ decoding

/**
 * The frames in one message: one, or those of a batch in order. A frame inside a batch that
 * cannot be a request comes back as its FrameError in its place, so the others still count;
 * bytes that do not decode at all throw.
 */
export function decodeClientFrames(bytes: Uint8Array): Array<Incoming | FrameError> {
  let frame: warden.v1.ClientFrame;
  try {
    frame = pb.ClientFrame.decode(bytes);
  } catch (e) {
    throw new FrameError(Code.MARSHALLINGERROR, `malformed frame: ${(e as Error).message}`);
  }
  if (frame.kind !== 'batch') return [inPlace(frame)];
  return (frame.batch!.frames ?? []).map((inner) => {
    if (inner.batch) return new FrameError(Code.MARSHALLINGERROR, 'a frame batch inside a frame batch');
    return inPlace(inner instanceof pb.ClientFrame ? inner : pb.ClientFrame.fromObject(inner));
  });
}

function inPlace(frame: warden.v1.ClientFrame): Incoming | FrameError {
  try {
    return fromClientFrame(frame);
  } catch (e) {
    if (e instanceof FrameError) return e;
    throw e;
  }
}

/** One frame (not a batch); throws FrameError for anything no request can be. */
export function decodeClientFrame(bytes: Uint8Array): Incoming {
  const [only, ...more] = decodeClientFrames(bytes);
  if (only === undefined || more.length > 0) throw new FrameError(Code.MARSHALLINGERROR, 'a frame batch where one frame was expected');
  if (only instanceof FrameError) throw only;
  return only;
}

function fromClientFrame(frame: warden.v1.ClientFrame): Incoming {
  switch (frame.kind) {
    case 'connect': {
      const c = frame.connect!;
      return {
        kind: 'connect',
        sessionId: fromLong(c.sessionId),
        password: c.password ?? EMPTY,
        timeoutMs: c.timeoutMs ?? 0,
        lastZxidSeen: fromLong(c.lastZxidSeen),
        readOnly: c.readOnly ?? false,
        frameBatches: c.frameBatches ?? false,
      };
    }
    case 'request': {
      const r = frame.request!;
      const xid = longToNumber(r.xid);
      return { kind: 'request', xid, op: decodeOp(r, xid) };
    }
    case 'ping':
      return { kind: 'ping', nonce: fromLong(frame.ping!.nonce) };
    case 'setWatches': {
      const w = frame.setWatches!;
      return {
        kind: 'setWatches',
        xid: longToNumber(w.xid),
        op: {
          op: 'setWatches',
          relativeZxid: fromLong(w.relativeZxid),
          data: w.dataWatches ?? [],
          exist: w.existWatches ?? [],
          child: w.childWatches ?? [],
          persistent: w.persistentWatches ?? [],
          persistentRecursive: w.persistentRecursiveWatches ?? [],
        },
      };
    }
    case 'close':
      return { kind: 'close', xid: longToNumber(frame.close!.xid) };
    default:
      throw new FrameError(Code.MARSHALLINGERROR, 'frame has no known kind');
  }
}

function decodeAcl(list: warden.v1.Acl.$Properties[] | null | undefined): Acl[] {
  return (list ?? []).map((a) => ({ perms: a.perms ?? 0, id: { scheme: a.id?.scheme ?? '', id: a.id?.id ?? '' } }));
}

function decodeCreate(c: warden.v1.CreateRequest.$Properties, xid: number): Extract<ClientOp, { op: 'create' }> {
  const mode = CREATE_MODES[c.mode ?? 0];
  if (!mode) throw new FrameError(Code.BADARGUMENTS, `unknown create mode ${c.mode}`, xid);
  return { op: 'create', path: c.path ?? '', data: c.data ?? EMPTY, acl: decodeAcl(c.acl), mode, ttlMs: longToNumber(c.ttlMs) };
}

function decodeOp(r: warden.v1.Request.$Properties, xid: number): ClientOp {
  switch (r.op) {
    case 'create':
      return decodeCreate(r.create!, xid);
    case 'delete':
      return { op: 'delete', path: r.delete!.path ?? '', version: r.delete!.version ?? 0 };
    case 'exists':
      return { op: 'exists', path: r.exists!.path ?? '', watch: r.exists!.watch ?? false };
    case 'getData':
      return { op: 'getData', path: r.getData!.path ?? '', watch: r.getData!.watch ?? false };
    case 'setData':
      return { op: 'setData', path: r.setData!.path ?? '', data: r.setData!.data ?? EMPTY, version: r.setData!.version ?? 0 };
    case 'getChildren':
      return { op: 'getChildren', path: r.getChildren!.path ?? '', watch: r.getChildren!.watch ?? false };
    case 'getAllChildrenNumber':
      return { op: 'getAllChildrenNumber', path: r.getAllChildrenNumber!.path ?? '' };
    case 'getEphemerals':
      return { op: 'getEphemerals', prefixPath: r.getEphemerals!.prefixPath || '/' };
    case 'sync':
      return { op: 'sync', path: r.sync!.path ?? '' };
    case 'multi':
      return { op: 'multi', ops: (r.multi!.ops ?? []).map((m) => decodeMultiOp(m, xid)) };
    case 'multiRead':
      return {
        op: 'multiRead',
        ops: (r.multiRead!.ops ?? []).map((m): Extract<ReadOp, { op: 'getData' | 'getChildren' }> => {
          if (m.getData) return { op: 'getData', path: m.getData.path ?? '', watch: false };
          if (m.getChildren) return { op: 'getChildren', path: m.getChildren.path ?? '', watch: false };
          throw new FrameError(Code.BADARGUMENTS, 'multiRead op is neither getData nor getChildren', xid);
        }),
      };
    case 'getAcl':
      return { op: 'getACL', path: r.getAcl!.path ?? '' };
    case 'setAcl':
      return { op: 'setACL', path: r.setAcl!.path ?? '', acl: decodeAcl(r.setAcl!.acl), version: r.setAcl!.version ?? 0 };
    case 'addWatch': {
      const mode = r.addWatch!.mode ?? 0;
      if (mode !== pb.AddWatchMode.ADD_WATCH_MODE_PERSISTENT && mode !== pb.AddWatchMode.ADD_WATCH_MODE_PERSISTENT_RECURSIVE) {
        throw new FrameError(Code.BADARGUMENTS, `unknown addWatch mode ${mode}`, xid);
      }
      return { op: 'addWatch', path: r.addWatch!.path ?? '', mode: mode === pb.AddWatchMode.ADD_WATCH_MODE_PERSISTENT ? 'persistent' : 'persistentRecursive' };
    }
    case 'removeWatches': {
      const kind = WATCHER_KINDS[r.removeWatches!.type ?? 0];
      if (!kind) throw new FrameError(Code.BADARGUMENTS, `unknown watcher type ${r.removeWatches!.type}`, xid);
      return { op: 'removeWatches', path: r.removeWatches!.path ?? '', kind };
    }
    case 'addAuth':
      return { op: 'addAuth', scheme: r.addAuth!.scheme ?? '', auth: r.addAuth!.auth ?? EMPTY };
    case 'whoAmI':
      return { op: 'whoAmI' };
    default:
      throw new FrameError(Code.UNIMPLEMENTED, 'request has no known op', xid);
  }
}

function decodeMultiOp(m: warden.v1.MultiOp.$Properties, xid: number): MultiOp {
  if (m.create) return decodeCreate(m.create, xid);
  if (m.delete) return { op: 'delete', path: m.delete.path ?? '', version: m.delete.version ?? 0 };
  if (m.setData) return { op: 'setData', path: m.setData.path ?? '', data: m.setData.data ?? EMPTY, version: m.setData.version ?? 0 };
  if (m.check) return { op: 'check', path: m.check.path ?? '', version: m.check.version ?? 0 };
  throw new FrameError(Code.BADARGUMENTS, 'multi op is none of create, delete, setData, check', xid);
}

// ------------------------------------------------------------------ encoding

export function encodeStat(s: Readonly<Stat>): warden.v1.Stat.$Properties {
  return {
    czxid: toLong(s.czxid),
    mzxid: toLong(s.mzxid),
    ctime: numberToLong(s.ctime),
    mtime: numberToLong(s.mtime),
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: toLong(s.ephemeralOwner),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
    pzxid: toLong(s.pzxid),
  };
}

function encodeAcl(acl: readonly Acl[]): warden.v1.Acl.$Properties[] {
  return acl.map((a) => ({ perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } }));
}

/** `frameBatchBytesMax`: what a `connected` frame announces (0: this server takes no batches). */
export function encodeServerFrame(out: Outgoing, frameBatchBytesMax = 0): Uint8Array {
  return pb.ServerFrame.encode(toServerFrame(out, frameBatchBytesMax)).finish();
}

function toServerFrame(out: Outgoing, frameBatchBytesMax: number): warden.v1.ServerFrame.$Properties {
  switch (out.kind) {
    case 'connected':
      return {
        connected: {
          sessionId: toLong(out.sessionId),
          password: out.password,
          timeoutMs: out.timeoutMs,
          lastZxid: toLong(out.zxid),
          serverId: 0,
          readOnly: out.readOnly ?? false,
          frameBatchBytesMax,
        },
      };
    case 'pong':
      return { pong: { nonce: toLong(out.nonce), zxid: toLong(out.zxid) } };
    case 'closed':
      return { closed: { err: out.err, message: out.message } };
    case 'event':
      return { event: { type: EVENT_TYPES[out.type], path: out.path, zxid: toLong(out.zxid) } };
    case 'response':
      return { response: { xid: numberToLong(out.xid), zxid: toLong(out.zxid), err: out.err, message: out.message, ...encodeBody(out.body) } };
  }
}

function encodeBody(body: ReplyBody): Partial<warden.v1.Response.$Properties> {
  switch (body.kind) {
    case 'empty':
      return { empty: {} };
    case 'sync':
      return { sync: { path: body.path } };
    case 'whoAmI':
      return { whoAmI: { identities: body.ids.map((i) => ({ scheme: i.scheme, id: i.id })) } };
    case 'multiFailed':
      return { multi: { results: body.codes.map((err) => ({ err, empty: {} })) } };
    case 'op':
      return encodeOpResult(body.result);
    case 'read':
      return encodeReadResult(body.result);
  }
}

function encodeOpResult(r: OpResult): Partial<warden.v1.Response.$Properties> {
  switch (r.type) {
    case 'create':
      return { create: { path: r.path, stat: encodeStat(r.stat) } };
    case 'setData':
    case 'setACL':
      return { stat: { stat: encodeStat(r.stat) } };
    case 'multi':
      return { multi: { results: r.results.map(encodeMultiResult) } };
    default:
      return { empty: {} };
  }
}

function encodeMultiResult(r: OpResult): warden.v1.MultiResult.$Properties {
  switch (r.type) {
    case 'create':
      return { err: 0, create: { path: r.path, stat: encodeStat(r.stat) } };
    case 'setData':
    case 'setACL':
      return { err: 0, stat: { stat: encodeStat(r.stat) } };
    case 'error':
      return { err: r.err, empty: {} };
    default:
      return { err: 0, empty: {} };
  }
}

function encodeReadResult(r: ReadResult): Partial<warden.v1.Response.$Properties> {
  switch (r.op) {
    case 'exists':
      return { stat: r.stat ? { stat: encodeStat(r.stat) } : {} };
    case 'getData':
      return { getData: { data: r.data, stat: encodeStat(r.stat) } };
    case 'getChildren':
      return { getChildren: { children: [...r.children], stat: encodeStat(r.stat) } };
    case 'getAllChildrenNumber':
      return { count: { count: r.count } };
    case 'getEphemerals':
      return { paths: { paths: [...r.paths] } };
    case 'getACL':
      return { getAcl: { acl: encodeAcl(r.acl), stat: encodeStat(r.stat) } };
    case 'multiRead':
      return {
        multiRead: {
          results: r.results.map((x) => {
            if (!x.ok) return { err: x.err };
            if (x.result.op === 'getData') return { err: 0, getData: { data: x.result.data, stat: encodeStat(x.result.stat) } };
            return { err: 0, getChildren: { children: [...x.result.children], stat: encodeStat(x.result.stat) } };
          }),
        },
      };
  }
}
