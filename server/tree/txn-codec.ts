/**
 * TxnEntry <-> bytes (the protobuf TxnEntry of proto/warden/v1/storage.proto). These bytes
 * are what the log stores and, later, what the leader sends to followers.
 */
import { warden } from '../../proto/gen/warden.js';
import { fromLong, longToNumber, toLong, numberToLong } from '../../proto/long.js';
import type { Acl, NodeKind, Txn, TxnEntry } from './types.js';
import { KIND_FROM_PB, KIND_TO_PB } from './node-kind-pb.js';

const pb = warden.v1;
const EMPTY = new Uint8Array(0);


export class TxnDecodeError extends Error {
  override name = 'TxnDecodeError';
}

/** ACLs as client.proto's Acl messages (also used by forwarded writes). */
export const aclOut = (acl: readonly Acl[]): warden.v1.Acl.$Properties[] => acl.map((a) => ({ perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } }));
export const aclIn = (acl: warden.v1.Acl.$Properties[] | null | undefined): Acl[] =>
  (acl ?? []).map((a) => ({ perms: a.perms ?? 0, id: { scheme: a.id?.scheme ?? '', id: a.id?.id ?? '' } }));

function txnOut(t: Txn): warden.v1.Txn.$Properties {
  switch (t.type) {
    case 'create':
      return {
        create: {
          path: t.path,
          data: t.data,
          acl: aclOut(t.acl),
          kind: KIND_TO_PB[t.kind],
          ephemeralOwner: toLong(t.ephemeralOwner),
          parentCversion: t.parentCVersion,
          ttlMs: numberToLong(t.ttlMs),
        },
      };
    case 'delete':
      return { delete: { path: t.path } };
    case 'setData':
      return { setData: { path: t.path, data: t.data, version: t.version } };
    case 'setACL':
      return { setAcl: { path: t.path, acl: aclOut(t.acl), aversion: t.aversion } };
    case 'check':
      return { check: { path: t.path, version: t.version } };
    case 'multi':
      return { multi: { txns: t.txns.map(txnOut) } };
    case 'error':
      return { error: { err: t.err } };
    case 'createSession':
      return { createSession: { timeoutMs: t.timeoutMs, password: t.password } };
    case 'closeSession':
      return { closeSession: {} };
  }
}

function txnIn(t: warden.v1.Txn.$Properties): Txn {
  if (t.create) {
    const kind = KIND_FROM_PB[t.create.kind ?? 0];
    if (!kind) throw new TxnDecodeError(`unknown node kind ${t.create.kind}`);
    return {
      type: 'create',
      path: t.create.path ?? '',
      data: t.create.data ?? EMPTY,
      acl: aclIn(t.create.acl),
      kind,
      ephemeralOwner: fromLong(t.create.ephemeralOwner),
      parentCVersion: t.create.parentCversion ?? 0,
      ttlMs: longToNumber(t.create.ttlMs),
    };
  }
  if (t.delete) return { type: 'delete', path: t.delete.path ?? '' };
  if (t.setData) return { type: 'setData', path: t.setData.path ?? '', data: t.setData.data ?? EMPTY, version: t.setData.version ?? 0 };
  if (t.setAcl) return { type: 'setACL', path: t.setAcl.path ?? '', acl: aclIn(t.setAcl.acl), aversion: t.setAcl.aversion ?? 0 };
  if (t.check) return { type: 'check', path: t.check.path ?? '', version: t.check.version ?? 0 };
  if (t.multi) return { type: 'multi', txns: (t.multi.txns ?? []).map(txnIn) };
  if (t.error) return { type: 'error', err: t.error.err ?? 0 };
  if (t.createSession) return { type: 'createSession', timeoutMs: t.createSession.timeoutMs ?? 0, password: t.createSession.password ?? EMPTY };
  if (t.closeSession) return { type: 'closeSession' };
  throw new TxnDecodeError('txn has no known kind');
}

export function encodeTxnEntry(e: TxnEntry): Uint8Array {
  return pb.TxnEntry.encode({
    header: {
      sessionId: toLong(e.header.sessionId),
      cxid: numberToLong(e.header.cxid),
      zxid: toLong(e.header.zxid),
      timeMs: numberToLong(e.header.timeMs),
    },
    txn: txnOut(e.txn),
  }).finish();
}

export function decodeTxnEntry(bytes: Uint8Array): TxnEntry {
  let m: warden.v1.TxnEntry;
  try {
    m = pb.TxnEntry.decode(bytes);
  } catch (e) {
    throw new TxnDecodeError(`malformed txn entry: ${(e as Error).message}`);
  }
  if (!m.header || !m.txn) throw new TxnDecodeError('txn entry lacks a header or a txn');
  return {
    header: {
      sessionId: fromLong(m.header.sessionId),
      cxid: longToNumber(m.header.cxid),
      zxid: fromLong(m.header.zxid),
      timeMs: longToNumber(m.header.timeMs),
    },
    txn: txnIn(m.txn),
  };
}
