/**
 * Watch checks on what each client received, in arrival order (events and responses share
 * one ordered stream): events in zxid order, no event twice, no change missed while a
 * persistent watch was registered (reconnects included), and the event for a change before
 * any response that reflects it.
 *
 * The truth is the set of acknowledged changes per path (their zxids): those certainly
 * happened, so a watch that covered them must have fired for them. A `Resync` event (the
 * server could not replay what a reconnecting client missed, e.g. after it restarted) stands
 * for the changes between the last event before it and the first event after it: they are
 * neither missed nor "data before event", because the client was told to read again.
 */

export type WatchLogEntry =
  /** a persistent watch on `path` took effect once the client had seen `fromZxid` */
  | { kind: 'watch'; path: string; fromZxid: bigint }
  /** a watch event as delivered */
  | { kind: 'event'; path: string; type: string; zxid: bigint }
  /** a response that reflects the node as of its change `mzxid` (getData / exists stat) */
  | { kind: 'data'; path: string; mzxid: bigint }
  /** the client stopped watching here (closing, expired), having seen everything up to `zxid` */
  | { kind: 'end'; zxid: bigint };

export interface WatchViolation {
  kind: 'out-of-order' | 'duplicate' | 'missed' | 'data-before-event';
  client: number;
  path: string;
  zxid: bigint;
  detail: string;
}

const hex = (z: bigint): string => `0x${z.toString(16)}`;
/** The event type a server sends when it cannot replay the changes a reconnecting client missed. */
const RESYNC = 'Resync';

export function checkWatches(streams: ReadonlyMap<number, readonly WatchLogEntry[]>, changes: ReadonlyMap<string, readonly bigint[]>): WatchViolation[] {
  const out: WatchViolation[] = [];
  for (const [client, stream] of streams) checkStream(client, stream, changes, out);
  return out;
}

function checkStream(client: number, stream: readonly WatchLogEntry[], changes: ReadonlyMap<string, readonly bigint[]>, out: WatchViolation[]): void {
  // First pass: the span of changes each Resync covers. A Resync on a path says "changes may
  // have been missed here, read again" (a server that restarted cannot replay them): it
  // covers every change after the last event delivered for the path before it, up to the
  // first event delivered after it (or to the end).
  const covered = new Map<string, Array<{ from: bigint; to: bigint | undefined }>>();
  const lastNormal = new Map<string, bigint>();
  const openResync = new Map<string, { from: bigint; to: bigint | undefined }>();
  for (const e of stream) {
    if (e.kind !== 'event') continue;
    if (e.type === RESYNC) {
      if (!openResync.has(e.path)) {
        const span = { from: lastNormal.get(e.path) ?? -1n, to: undefined };
        openResync.set(e.path, span);
        (covered.get(e.path) ?? covered.set(e.path, []).get(e.path)!).push(span);
      }
    } else {
      const span = openResync.get(e.path);
      if (span) {
        span.to = e.zxid;
        openResync.delete(e.path);
      }
      lastNormal.set(e.path, e.zxid);
    }
  }
  const isCovered = (path: string, z: bigint): boolean => (covered.get(path) ?? []).some((c) => z > c.from && (c.to === undefined || z < c.to));

  const seen = new Set<string>();
  const lastByPath = new Map<string, bigint>();
  let lastAny = -1n;
  const delivered = new Map<string, Set<bigint>>();
  const resynced = new Set<string>();
  // watches open so far: path -> fromZxid (a later registration of the same path keeps the earliest)
  const open = new Map<string, bigint>();
  const windows: Array<{ path: string; from: bigint; to: bigint | undefined }> = [];
  for (const e of stream) {
    switch (e.kind) {
      case 'watch':
        if (!open.has(e.path)) open.set(e.path, e.fromZxid);
        windows.push({ path: e.path, from: e.fromZxid, to: undefined });
        break;
      case 'event': {
        if (e.type === RESYNC) {
          resynced.add(e.path);
          break;
        }
        const id = `${e.path}|${e.type}|${e.zxid}`;
        if (seen.has(id)) out.push({ kind: 'duplicate', client, path: e.path, zxid: e.zxid, detail: `${e.type} ${hex(e.zxid)} delivered twice` });
        seen.add(id);
        // One txn fires at most one event per path, so per path zxids strictly increase; across
        // paths one txn (a multi) may fire several events with the same zxid.
        const prevPath = lastByPath.get(e.path);
        if (prevPath !== undefined && e.zxid < prevPath) {
          out.push({ kind: 'out-of-order', client, path: e.path, zxid: e.zxid, detail: `${hex(e.zxid)} after ${hex(prevPath)} on the same path` });
        } else if (e.zxid < lastAny) {
          out.push({ kind: 'out-of-order', client, path: e.path, zxid: e.zxid, detail: `${hex(e.zxid)} after ${hex(lastAny)}` });
        }
        lastByPath.set(e.path, e.zxid);
        if (e.zxid > lastAny) lastAny = e.zxid;
        let set = delivered.get(e.path);
        if (!set) delivered.set(e.path, (set = new Set()));
        set.add(e.zxid);
        break;
      }
      case 'data': {
        const from = open.get(e.path);
        // Data read after a Resync that covers its change is what the Resync asked for.
        const forgiven = resynced.has(e.path) && isCovered(e.path, e.mzxid);
        if (from !== undefined && e.mzxid > from && !delivered.get(e.path)?.has(e.mzxid) && !forgiven) {
          out.push({ kind: 'data-before-event', client, path: e.path, zxid: e.mzxid, detail: `a response showed change ${hex(e.mzxid)} before its event` });
        }
        break;
      }
      case 'end':
        for (const w of windows) if (w.to === undefined) w.to = e.zxid;
        open.clear();
        resynced.clear();
        break;
    }
  }
  for (const w of windows) {
    if (w.to === undefined) continue; // a watch never closed with a known position cannot be judged
    for (const z of changes.get(w.path) ?? []) {
      if (z > w.from && z <= w.to && !delivered.get(w.path)?.has(z) && !isCovered(w.path, z)) {
        out.push({ kind: 'missed', client, path: w.path, zxid: z, detail: `no event for acknowledged change ${hex(z)} (watch from ${hex(w.from)} to ${hex(w.to)})` });
      }
    }
  }
}
