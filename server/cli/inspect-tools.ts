/**
 * `warden log dump|verify <file>` and `warden snapshot dump|verify <file>`: print the
 * records of a txn log segment or a snapshot, and find damage with its byte offset
 * (ZooKeeper's LogFormatter / SnapshotFormatter and TxnLogToolkit, for Warden's formats).
 *
 * verify exits 0 for a clean file, 1 for damage. A torn tail in a log (nothing valid after
 * the damage) is reported as such: start-up cuts it off, losing only unacknowledged writes.
 */
import { formatZxid } from '../base/zxid.js';
import { describeTxn, inspectLog, inspectSnapshot } from '../storage/inspect.js';
import { CommandError, parse, UsageError } from './args.js';

export const LOG_HELP = `Usage: warden log dump <file> [--json]
       warden log verify <file>

Reads one txn log segment (<dataLogDir>/log/log.<zxid>).
  dump     print every record: offset, zxid, session, time and the change
  verify   check every record's length, CRC and zxid order; exit 1 at the first damage,
           printing its byte offset and whether it is a torn tail or corruption
      --json   one JSON object per record
  -h, --help   this help
`;

export const SNAPSHOT_HELP = `Usage: warden snapshot dump <file> [--json]
       warden snapshot verify <file>

Reads one snapshot (<dataDir>/snap/snapshot.<zxid>).
  dump     print the sessions and every znode: path, kind, data size, version, owner
  verify   check the header, every record's CRC and the footer; exit 1 at the first
           damage, printing its byte offset
      --json   one JSON object per record
  -h, --help   this help
`;

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x));

function parseTool(args: string[], help: string): { action: 'dump' | 'verify'; file: string; json: boolean } | 'help' {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, help, true);
  if (values.help) return 'help';
  const [action, file, ...extra] = positionals;
  if (action !== 'dump' && action !== 'verify') throw new UsageError(action === undefined ? 'expected dump or verify' : `unknown action "${action}" (dump or verify)`, help);
  if (file === undefined) throw new UsageError(`${action} needs a file`, help);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`, help);
  return { action, file, json: values.json ?? false };
}

async function read<T>(what: () => Promise<T>, file: string): Promise<T> {
  try {
    return await what();
  } catch (e) {
    throw new CommandError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function logTool(args: string[]): Promise<number> {
  const p = parseTool(args, LOG_HELP);
  if (p === 'help') {
    process.stdout.write(LOG_HELP);
    return 0;
  }
  const r = await read(() => inspectLog(p.file), p.file);
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  if (p.action === 'dump') {
    for (const rec of r.records) {
      if (p.json) {
        out(json({ offset: rec.offset, zxid: rec.zxid, bytes: rec.bytes, header: rec.entry?.header, txn: rec.entry ? describeTxn(rec.entry.txn) : undefined, decodeError: rec.decodeError }));
        continue;
      }
      const e = rec.entry;
      const what = e ? `session=0x${e.header.sessionId.toString(16)} cxid=${e.header.cxid} time=${new Date(e.header.timeMs).toISOString()} ${describeTxn(e.txn)}` : `UNDECODABLE: ${rec.decodeError}`;
      out(`${String(rec.offset).padStart(10)} ${formatZxid(rec.zxid)} ${what}`);
    }
  }
  const undecodable = r.records.find((x) => x.decodeError !== undefined);
  if (r.damage) {
    const meaning =
      r.damage.kind === 'torn-tail'
        ? 'a torn write at the end (nothing valid follows); start-up truncates it'
        : 'corruption inside the log (valid records follow, or the header is bad); start-up refuses this log';
    process.stderr.write(`${p.file}: ${r.damage.reason} at byte ${r.damage.offset}: ${meaning}\n`);
  } else if (undecodable) {
    process.stderr.write(`${p.file}: record ${formatZxid(undecodable.zxid)} at byte ${undecodable.offset} has a valid CRC but does not decode: ${undecodable.decodeError}\n`);
  }
  if (p.action === 'verify' && !r.damage && !undecodable) {
    const last = r.records.at(-1);
    out(`${p.file}: OK, ${r.records.length} records${last ? `, ${formatZxid(r.records[0]!.zxid)} .. ${formatZxid(last.zxid)}` : ''}`);
  } else if (p.action === 'dump') {
    out(`${r.records.length} records`);
  }
  return r.damage || undecodable ? 1 : 0;
}

export async function snapshotTool(args: string[]): Promise<number> {
  const p = parseTool(args, SNAPSHOT_HELP);
  if (p === 'help') {
    process.stdout.write(SNAPSHOT_HELP);
    return 0;
  }
  const r = await read(() => inspectSnapshot(p.file), p.file);
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  if (p.action === 'dump') {
    if (r.zxid !== undefined) out(p.json ? json({ zxid: r.zxid, records: r.count }) : `snapshot at ${formatZxid(r.zxid)}, ${r.count} records`);
    for (const s of r.sessions) out(p.json ? json({ session: s }) : `${String(s.offset).padStart(10)} session 0x${s.id.toString(16)} timeout=${s.timeoutMs}ms`);
    for (const n of r.nodes) {
      if (p.json) out(json({ node: n }));
      else
        out(`${String(n.offset).padStart(10)} ${n.path} ${n.kind} ${n.dataBytes}B version=${n.version} mzxid=${formatZxid(n.mzxid)}${n.ephemeralOwner !== 0n ? ` owner=0x${n.ephemeralOwner.toString(16)}` : ''}`);
    }
  }
  if (r.damage) {
    process.stderr.write(`${p.file}: ${r.damage.reason} at byte ${r.damage.offset}: this snapshot is invalid; start-up falls back to an older one\n`);
    return 1;
  }
  out(`${p.file}: OK, ${r.sessions.length} sessions, ${r.nodes.length} znodes${r.zxid !== undefined ? ` at ${formatZxid(r.zxid)}` : ''}`);
  return 0;
}
