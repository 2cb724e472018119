/**
 * Reading log segments and snapshots for the `warden log|snapshot dump|verify` tools:
 * every valid record with its offset, decoded, and the first damage with its byte offset
 * and whether it is a torn tail (start-up would cut it off) or damage inside committed
 * data (start-up would refuse). Reads one file; never writes.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { warden } from '../../proto/gen/warden.js';
import { fromLong } from '../../proto/long.js';
import { decodeTxnEntry } from '../tree/txn-codec.js';
import type { Txn, TxnEntry } from '../tree/types.js';
import { findValidRecordAfter, parseSegmentName, scanSegment } from './log-format.js';
import { parseSnapshotName, scanSnapshot } from './snapshot-format.js';

export interface Damage {
  offset: number;
  reason: string;
  /** 'torn-tail': nothing valid follows (a crash mid-write); 'corrupt': valid data follows or the header is bad */
  kind: 'torn-tail' | 'corrupt';
}

export interface LogInspection {
  file: string;
  firstZxid?: bigint;
  records: Array<{ offset: number; zxid: bigint; bytes: number; entry?: TxnEntry; decodeError?: string }>;
  damage?: Damage;
}

export async function inspectLog(file: string): Promise<LogInspection> {
  const buf = await readFile(file);
  const scan = scanSegment(buf);
  const records = scan.records.map((r) => {
    try {
      return { offset: r.offset, zxid: r.zxid, bytes: r.payload.length, entry: decodeTxnEntry(r.payload) };
    } catch (e) {
      return { offset: r.offset, zxid: r.zxid, bytes: r.payload.length, decodeError: (e as Error).message };
    }
  });
  const out: LogInspection = { file, records, firstZxid: parseSegmentName(basename(file)) };
  if (scan.error) {
    const after = scan.error.offset < 16 ? 0 : findValidRecordAfter(buf, scan.error.offset, scan.records.at(-1)?.zxid ?? -1n);
    out.damage = { ...scan.error, kind: after === undefined ? 'torn-tail' : 'corrupt' };
  }
  return out;
}

export interface SnapshotInspection {
  file: string;
  zxid?: bigint;
  nameZxid?: bigint;
  count?: number;
  sessions: Array<{ offset: number; id: bigint; timeoutMs: number }>;
  nodes: Array<{ offset: number; path: string; dataBytes: number; kind: string; version: number; ephemeralOwner: bigint; mzxid: bigint }>;
  damage?: { offset: number; reason: string };
}

export async function inspectSnapshot(file: string): Promise<SnapshotInspection> {
  const buf = await readFile(file);
  const scan = scanSnapshot(buf);
  const out: SnapshotInspection = { file, zxid: scan.zxid, count: scan.count, nameZxid: parseSnapshotName(basename(file)), sessions: [], nodes: [] };
  for (const r of scan.records) {
    let rec: warden.v1.SnapshotRecord;
    try {
      rec = warden.v1.SnapshotRecord.decode(r.payload);
    } catch (e) {
      out.damage = { offset: r.offset, reason: `record does not decode: ${(e as Error).message}` };
      return out;
    }
    if (rec.session) {
      out.sessions.push({ offset: r.offset, id: fromLong(rec.session.id), timeoutMs: rec.session.timeoutMs ?? 0 });
    } else if (rec.node) {
      const n = rec.node;
      out.nodes.push({
        offset: r.offset,
        path: n.path ?? '',
        dataBytes: n.data?.length ?? 0,
        kind: warden.v1.NodeKind[n.kind ?? 0]?.replace(/^NODE_KIND_/, '').toLowerCase() ?? String(n.kind),
        version: n.stat?.version ?? 0,
        ephemeralOwner: fromLong(n.stat?.ephemeralOwner),
        mzxid: fromLong(n.stat?.mzxid),
      });
    } else {
      out.damage = { offset: r.offset, reason: 'record is neither a node nor a session' };
      return out;
    }
  }
  if (scan.error) out.damage = scan.error;
  else if (out.nameZxid !== undefined && scan.zxid !== out.nameZxid) {
    out.damage = { offset: 8, reason: `holds zxid 0x${scan.zxid!.toString(16)}, not what its name says` };
  }
  return out;
}

/** One line describing a txn, e.g. `create /app/lock-0000000001 ephemeral 12B`. */
export function describeTxn(t: Txn): string {
  switch (t.type) {
    case 'create':
      return `create ${t.path} ${t.kind}${t.ttlMs > 0 ? ` ttl=${t.ttlMs}ms` : ''} ${t.data.length}B${t.ephemeralOwner !== 0n ? ` owner=0x${t.ephemeralOwner.toString(16)}` : ''}`;
    case 'delete':
      return `delete ${t.path}`;
    case 'setData':
      return `setData ${t.path} ${t.data.length}B version=${t.version}`;
    case 'setACL':
      return `setACL ${t.path} aversion=${t.aversion} acl=${t.acl.map((a) => `${a.id.scheme}:${a.id.id}:${a.perms}`).join(',')}`;
    case 'check':
      return `check ${t.path} version=${t.version}`;
    case 'multi':
      return `multi [${t.txns.map(describeTxn).join('; ')}]`;
    case 'error':
      return `error ${t.err}`;
    case 'createSession':
      return `createSession timeout=${t.timeoutMs}ms`;
    case 'closeSession':
      return 'closeSession';
  }
}
