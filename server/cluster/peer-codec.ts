/**
 * Peer frames <-> the Zab core's messages and the request-forwarding messages (the wire
 * format is proto/warden/v1/peer.proto; a forwarded write's op is in forward-codec.ts). Decoding checks what the core relies on (known
 * types, entries present) and throws PeerFrameError on anything else, which closes the
 * connection: a peer that sends garbage is treated like a peer that went away.
 */
import { warden } from '../../proto/gen/warden.js';
import { fromLong, longToNumber, toLong, numberToLong } from '../../proto/long.js';
import type { ForwardedAnswer, ForwardedRequest } from '../request/forwarded.js';
import type { AuthInfo, SessionId } from '../tree/types.js';
import type { Entry, Msg, PeerState, ServerId, Snapshot } from '../zab/types.js';
import { writeOpIn, writeOpOut } from './forward-codec.js';
import { PeerFrameError } from './peer-frame-error.js';

const pb = warden.v1;

export { PeerFrameError };

export type TouchFrame = { kind: 'touch'; sessions: SessionId[] };
export type PeerBody = { kind: 'hello'; id: ServerId } | { kind: 'zab'; msg: Msg } | { kind: 'request'; req: ForwardedRequest } | { kind: 'answer'; answer: ForwardedAnswer } | TouchFrame;

// ------------------------------------------------------------------ encode

const entryOut = (e: Entry): warden.v1.PeerEntry.$Properties => ({ zxid: toLong(e.zxid), data: e.data });
const snapOut = (s: Snapshot): warden.v1.PeerSnapshot.$Properties => ({ zxid: toLong(s.zxid), records: [...s.records] });

// Object literals, not spreads of a common part: this runs for every PROPOSAL, ACK and
// COMMIT, and a spread made each of them a slow, differently shaped object to encode.
function zabOut(m: Msg): warden.v1.ZabFrame.$Properties {
  switch (m.type) {
    case 'vote':
      return { type: m.type, conn: 0, round: m.round, state: m.state, vote: { leader: m.vote.leader, zxid: toLong(m.vote.zxid), epoch: m.vote.epoch } };
    case 'reset':
      return { type: m.type, conn: m.conn };
    case 'learnerInfo':
      return { type: m.type, conn: m.conn, seq: m.seq, observer: m.observer, acceptedEpoch: m.acceptedEpoch };
    case 'ackEpoch':
      return { type: m.type, conn: m.conn, seq: m.seq, epoch: m.epoch, currentEpoch: m.currentEpoch, zxid: toLong(m.lastZxid) };
    case 'ackNewLeader':
    case 'ack':
    case 'commit':
      return { type: m.type, conn: m.conn, seq: m.seq, zxid: toLong(m.zxid) };
    case 'upToDate':
      return { type: m.type, conn: m.conn, seq: m.seq, zxid: toLong(m.committedZxid) };
    case 'learnerPing':
    case 'leaderPing':
      return { type: m.type, conn: m.conn, seq: m.seq };
    case 'leaderInfo':
      return { type: m.type, conn: m.conn, seq: m.seq, epoch: m.epoch };
    case 'sync':
      return {
        type: m.type,
        conn: m.conn,
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
      return { type: m.type, conn: m.conn, seq: m.seq, entry: entryOut(m.entry) };
  }
}

export function encodePeerFrame(body: PeerBody): Uint8Array {
  switch (body.kind) {
    case 'hello':
      return pb.PeerFrame.encode({ hello: body.id }).finish();
    case 'zab':
      return pb.PeerFrame.encode({ zab: zabOut(body.msg) }).finish();
    case 'touch':
      return pb.PeerFrame.encode({ touch: { sessions: body.sessions.map((s) => toLong(s)) } }).finish();
    case 'request': {
      const r = body.req;
      const who = { sessionId: toLong(r.sessionId), cxid: numberToLong(r.cxid) };
      if (r.kind === 'sync') return pb.PeerFrame.encode({ sync: who }).finish();
      return pb.PeerFrame.encode({ write: { ...who, auth: r.auth.map((a) => ({ scheme: a.scheme, id: a.id })), clientIp: r.clientIp, ...writeOpOut(r.op) } }).finish();
    }
    case 'answer': {
      const a = body.answer;
      const who = { sessionId: toLong(a.sessionId), cxid: numberToLong(a.cxid) };
      if (a.kind === 'synced') return pb.PeerFrame.encode({ synced: { ...who, zxid: toLong(a.zxid) } }).finish();
      return pb.PeerFrame.encode({ failed: { ...who, err: a.err, message: a.message, multiCodes: a.multiCodes ?? [] } }).finish();
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
  switch (m.body) {
    case 'touch':
      return { kind: 'touch', sessions: (m.touch!.sessions ?? []).map((s) => fromLong(s)) };
    case 'sync':
      return { kind: 'request', req: { kind: 'sync', sessionId: fromLong(m.sync!.sessionId), cxid: longToNumber(m.sync!.cxid) } };
    case 'write': {
      const w = m.write!;
      const auth: AuthInfo[] = (w.auth ?? []).map((a) => ({ scheme: a.scheme ?? '', id: a.id ?? '' }));
      return { kind: 'request', req: { kind: 'write', sessionId: fromLong(w.sessionId), cxid: longToNumber(w.cxid), op: writeOpIn(w), auth, clientIp: w.clientIp ?? '' } };
    }
    case 'synced':
      return { kind: 'answer', answer: { kind: 'synced', sessionId: fromLong(m.synced!.sessionId), cxid: longToNumber(m.synced!.cxid), zxid: fromLong(m.synced!.zxid) } };
    case 'failed': {
      const f = m.failed!;
      const multiCodes = f.multiCodes && f.multiCodes.length > 0 ? f.multiCodes : undefined;
      return { kind: 'answer', answer: { kind: 'failed', sessionId: fromLong(f.sessionId), cxid: longToNumber(f.cxid), err: f.err ?? 0, message: f.message ?? '', multiCodes } };
    }
  }
  throw new PeerFrameError('peer frame has no body');
}
