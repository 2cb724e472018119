/**
 * A forwarded write's op <-> the protobuf messages of peer.proto's ForwardedWrite, which
 * reuse the client request messages (CreateRequest, MultiRequest, ...) of client.proto.
 * The leader prepares what this decodes exactly as it prepares a client's own request, so
 * decoding only checks shape (an op is present, enums are known) and leaves meaning
 * (paths, versions, ACLs) to prep. Anything else is a PeerFrameError: the connection is
 * closed, as for any peer that sends garbage.
 */
import { warden } from '../../proto/gen/warden.js';
import { longToNumber, toLong, numberToLong } from '../../proto/long.js';
import type { MultiOp, WriteOp } from '../request/ops.js';
import { CREATE_MODES } from '../rpc/codec.js';
import { aclIn, aclOut } from '../tree/txn-codec.js';
import type { CreateMode } from '../tree/types.js';
import { PeerFrameError } from './peer-frame-error.js';

const pb = warden.v1;
const EMPTY = new Uint8Array(0);

const MODE_TO_PB = Object.fromEntries(Object.entries(CREATE_MODES).map(([n, mode]) => [mode, Number(n)])) as Record<CreateMode, warden.v1.CreateMode>;

type OpFields = Pick<warden.v1.ForwardedWrite.$Properties, 'create' | 'delete' | 'setData' | 'setAcl' | 'check' | 'multi' | 'createSession' | 'closeSession' | 'reap'>;

function createOut(op: Extract<WriteOp, { op: 'create' }>): warden.v1.CreateRequest.$Properties {
  return { path: op.path, data: op.data, acl: aclOut(op.acl), mode: MODE_TO_PB[op.mode], ttlMs: numberToLong(op.ttlMs) };
}

function multiOpOut(op: MultiOp): warden.v1.MultiOp.$Properties {
  switch (op.op) {
    case 'create':
      return { create: createOut(op) };
    case 'delete':
      return { delete: { path: op.path, version: op.version } };
    case 'setData':
      return { setData: { path: op.path, data: op.data, version: op.version } };
    case 'check':
      return { check: { path: op.path, version: op.version } };
  }
}

export function writeOpOut(op: WriteOp): OpFields {
  switch (op.op) {
    case 'create':
    case 'delete':
    case 'setData':
    case 'check':
      // the same fields as in a multi
      return multiOpOut(op);
    case 'setACL':
      return { setAcl: { path: op.path, acl: aclOut(op.acl), version: op.version } };
    case 'multi':
      return { multi: { ops: op.ops.map(multiOpOut) } };
    case 'createSession':
      return { createSession: { timeoutMs: op.timeoutMs, password: op.password } };
    case 'closeSession':
      return { closeSession: {} };
    case 'reap':
      return { reap: { path: op.path } };
  }
}

function createIn(c: warden.v1.CreateRequest.$Properties): Extract<WriteOp, { op: 'create' }> {
  const mode = CREATE_MODES[c.mode ?? 0];
  if (!mode) throw new PeerFrameError(`forwarded create with unknown mode ${c.mode}`);
  return { op: 'create', path: c.path ?? '', data: c.data ?? EMPTY, acl: aclIn(c.acl), mode, ttlMs: longToNumber(c.ttlMs) };
}

/** The ops a multi may hold (the same fields stand for them outside a multi). */
function multiOpIn(m: warden.v1.MultiOp.$Properties): MultiOp | undefined {
  if (m.create) return createIn(m.create);
  if (m.delete) return { op: 'delete', path: m.delete.path ?? '', version: m.delete.version ?? 0 };
  if (m.setData) return { op: 'setData', path: m.setData.path ?? '', data: m.setData.data ?? EMPTY, version: m.setData.version ?? 0 };
  if (m.check) return { op: 'check', path: m.check.path ?? '', version: m.check.version ?? 0 };
  return undefined;
}

function multiIn(m: warden.v1.MultiRequest.$Properties): WriteOp {
  const ops = (m.ops ?? []).map((o, i) => {
    const op = multiOpIn(o);
    if (!op) throw new PeerFrameError(`forwarded multi: op ${i} is none of create, delete, setData, check`);
    return op;
  });
  return { op: 'multi', ops };
}

export function writeOpIn(w: OpFields): WriteOp {
  const simple = multiOpIn(w);
  if (simple) return simple;
  if (w.setAcl) return { op: 'setACL', path: w.setAcl.path ?? '', acl: aclIn(w.setAcl.acl), version: w.setAcl.version ?? 0 };
  if (w.multi) return multiIn(w.multi);
  if (w.createSession) return { op: 'createSession', timeoutMs: w.createSession.timeoutMs ?? 0, password: w.createSession.password ?? EMPTY };
  if (w.closeSession) return { op: 'closeSession' };
  if (w.reap) return { op: 'reap', path: w.reap.path ?? '' };
  throw new PeerFrameError('forwarded write without an op');
}
