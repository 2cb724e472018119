/**
 * Peer frames <-> the Zab core's messages and the request-forwarding messages (the wire
 * format is proto/warden/v1/peer.proto). Decoding checks what the core relies on (known
 * types, entries present) and throws PeerFrameError on anything else, which closes the
 * connection: a peer that sends garbage is treated like a peer that went away.
 */
import { warden } from '../../proto/gen/warden.js';
import { fromLong, longToNumber, toLong } from '../../proto/long.js';
import type { ForwardedAnswer, ForwardedRequest } from '../request/forwarded.js';
import type { WriteOp } from '../request/ops.js';
import type { AuthInfo, SessionId } from '../tree/types.js';
import type { Entry, Msg, PeerState, ServerId, Snapshot } from '../zab/types.js';

const pb = warden.v1;

export class PeerFrameError extends Error {
  override name = 'PeerFrameError';
}

export type TouchFrame = { kind: 'touch'; sessions: SessionId[] };
export type PeerBody = { kind: 'hello'; id: ServerId } | { kind: 'zab'; msg: Msg } | { kind: 'request'; req: ForwardedRequest } | { kind: 'answer'; answer: ForwardedAnswer } | TouchFrame;

// ------------------------------------------------------------------ JSON with bigints and bytes

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // The holder's own value: a Buffer has already been turned into {type, data} by toJSON.
  const raw = this[key];
  if (typeof raw === 'bigint') return { $big: raw.toString() };
  if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.$big === 'string') return BigInt(v.$big);
    if (typeof v.$bytes === 'string') return new Uint8Array(Buffer.from(v.$bytes, 'base64'));
  }
  return value;
}

const toJson = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v, replacer));
const fromJson = <T>(b: Uint8Array | null | undefined): T => JSON.parse(Buffer.from(b ?? new Uint8Array()).toString('utf8'), reviver) as T;

// ------------------------------------------------------------------ encode

const entryOut = (e: Entry): warden.v1.PeerEntry.$Properties => ({ zxid: toLong(e.zxid), data: e.data });
const snapOut = (s: Snapshot): warden.v1.PeerSnapshot.$Properties => ({ zxid: toLong(s.zxid), records: [...s.records] });

function zabOut(m: Msg): warden.v1.ZabFrame.$Properties {
  const f: warden.v1.ZabFrame.$Properties = { type: m.type, conn: 'conn' in m ? m.conn : 0 };
  switch (m.type) {
    case 'vote':
      return { type: m.type, round: m.round, state: m.state, vote: { leader: m.vote.leader, zxid: toLong(m.vote.zxid), epoch: m.vote.epoch } };
    case 'reset':
      return f;
    case 'learnerInfo':
      return { ...f, seq: m.seq, observer: m.observer, acceptedEpoch: m.acceptedEpoch };
    case 'ackEpoch':
      return { ...f, seq: m.seq, epoch: m.epoch, currentEpoch: m.currentEpoch, zxid: toLong(m.lastZxid) };
    case 'ackNewLeader':
    case 'ack':
    case 'commit':
      return { ...f, seq: m.seq, zxid: toLong(m.zxid) };
    case 'upToDate':
      return { ...f, seq: m.seq, zxid: toLong(m.committedZxid) };
    case 'learnerPing':
    case 'leaderPing':
      return { ...f, seq: m.seq };
    case 'leaderInfo':
      return { ...f, seq: m.seq, epoch: m.epoch };
    case 'sync':
      return {
        ...f,
        seq: m.seq,
        epoch: m.epoch,
        mode: m.mode,
        truncZxid: toLong(m.truncZxid),
        snapshot: m.snapshot ? snapOut(m.snapshot) : undefined,
        entries: m.entries.map(entryOut),
        newLeaderZxid: toLong(m.newLeaderZxid),
      };
    case 'proposal':
    case 'inform':
      return { ...f, seq: m.seq, entry: entryOut(m.entry) };
  }
}

export function encodePeerFrame(body: PeerBody): Uint8Array {
  switch (body.kind) {
    case 'hello':
      return pb.PeerFrame.encode({ hello: body.id }).finish();
    case 'zab':
      return pb.PeerFrame.encode({ zab: zabOut(body.msg) }).finish();
    case 'touch':
      return pb.PeerFrame.encode({ request: { type: 'touch', sessions: body.sessions.map((s) => toLong(s)) } }).finish();
    case 'request': {
      const r = body.req;
      if (r.kind === 'sync') return pb.PeerFrame.encode({ request: { type: 'sync', sessionId: toLong(r.sessionId), cxid: toLong(BigInt(r.cxid), false) } }).finish();
      return pb.PeerFrame.encode({
        request: { type: 'request', sessionId: toLong(r.sessionId), cxid: toLong(BigInt(r.cxid), false), opJson: toJson(r.op), authJson: toJson(r.auth), clientIp: r.clientIp },
      }).finish();
    }
    case 'answer': {
      const a = body.answer;
      if (a.kind === 'synced') return pb.PeerFrame.encode({ request: { type: 'synced', sessionId: toLong(a.sessionId), cxid: toLong(BigInt(a.cxid), false), zxid: toLong(a.zxid) } }).finish();
      return pb.PeerFrame.encode({
        request: { type: 'failed', sessionId: toLong(a.sessionId), cxid: toLong(BigInt(a.cxid), false), err: a.err, message: a.message, multiCodes: a.multiCodes ?? [] },
      }).finish();
    }
  }
}

// ------------------------------------------------------------------ decode

function entryIn(e: warden.v1.IPeerEntry | null | undefined): Entry {
  if (!e) throw new PeerFrameError('entry missing');
  return { zxid: fromLong(e.zxid), data: e.data ?? new Uint8Array() };
}

const STATES = new Set<PeerState>(['looking', 'following', 'leading', 'observing']);

function zabIn(f: warden.v1.IZabFrame): Msg {
  const conn = f.conn ?? 0;
  const seq = f.seq ?? 0;
  switch (f.type) {
    case 'vote': {
      const state = f.state as PeerState;
      if (!STATES.has(state) || !f.vote) throw new PeerFrameError(`bad vote (state ${f.state})`);
      return { type: 'vote', round: f.round ?? 0, state, vote: { leader: f.vote.leader ?? 0, zxid: fromLong(f.vote.zxid), epoch: f.vote.epoch ?? 0 } };
    }
    case 'reset':
      return { type: 'reset', conn };
    case 'learnerInfo':
      return { type: 'learnerInfo', conn, seq, observer: f.observer ?? false, acceptedEpoch: f.acceptedEpoch ?? 0 };
    case 'ackEpoch':
      return { type: 'ackEpoch', conn, seq, epoch: f.epoch ?? 0, currentEpoch: f.currentEpoch ?? 0, lastZxid: fromLong(f.zxid) };
    case 'ackNewLeader':
    case 'ack':
    case 'commit':
      return { type: f.type, conn, seq, zxid: fromLong(f.zxid) };
    case 'upToDate':
      return { type: 'upToDate', conn, seq, committedZxid: fromLong(f.zxid) };
    case 'learnerPing':
    case 'leaderPing':
      return { type: f.type, conn, seq };
    case 'leaderInfo':
      return { type: 'leaderInfo', conn, seq, epoch: f.epoch ?? 0 };
    case 'sync': {
      const mode = f.mode;
      if (mode !== 'diff' && mode !== 'trunc' && mode !== 'snap') throw new PeerFrameError(`bad sync mode ${mode}`);
      const snapshot: Snapshot | undefined = f.snapshot ? { zxid: fromLong(f.snapshot.zxid), records: f.snapshot.records ?? [] } : undefined;
      if (mode === 'snap' && !snapshot) throw new PeerFrameError('SNAP without a snapshot');
      return {
        type: 'sync',
        conn,
        seq,
        epoch: f.epoch ?? 0,
        mode,
        truncZxid: fromLong(f.truncZxid),
        snapshot,
        entries: (f.entries ?? []).map(entryIn),
        newLeaderZxid: fromLong(f.newLeaderZxid),
      };
    }
    case 'proposal':
    case 'inform':
      return { type: f.type, conn, seq, entry: entryIn(f.entry) };
    default:
      throw new PeerFrameError(`unknown zab message type "${f.type}"`);
  }
}

export function decodePeerFrame(bytes: Uint8Array): PeerBody {
  let m: warden.v1.PeerFrame;
  try {
    m = pb.PeerFrame.decode(bytes);
  } catch (e) {
    throw new PeerFrameError(`malformed peer frame: ${(e as Error).message}`);
  }
  if (m.body === 'hello') return { kind: 'hello', id: m.hello ?? 0 };
  if (m.body === 'zab' && m.zab) return { kind: 'zab', msg: zabIn(m.zab) };
  if (m.body === 'request' && m.request) {
    const r = m.request;
    const sessionId = fromLong(r.sessionId);
    const cxid = longToNumber(r.cxid);
    switch (r.type) {
      case 'touch':
        return { kind: 'touch', sessions: (r.sessions ?? []).map((s) => fromLong(s)) };
      case 'sync':
        return { kind: 'request', req: { kind: 'sync', sessionId, cxid } };
      case 'request':
        return { kind: 'request', req: { kind: 'write', sessionId, cxid, op: fromJson<WriteOp>(r.opJson), auth: fromJson<AuthInfo[]>(r.authJson), clientIp: r.clientIp ?? '' } };
      case 'synced':
        return { kind: 'answer', answer: { kind: 'synced', sessionId, cxid, zxid: fromLong(r.zxid) } };
      case 'failed':
        return { kind: 'answer', answer: { kind: 'failed', sessionId, cxid, err: r.err ?? 0, message: r.message ?? '', multiCodes: r.multiCodes && r.multiCodes.length > 0 ? r.multiCodes : undefined } };
      default:
        throw new PeerFrameError(`unknown request frame type "${r.type}"`);
    }
  }
  throw new PeerFrameError('peer frame has no body');
}
