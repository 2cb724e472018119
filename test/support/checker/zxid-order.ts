/**
 * Zxid order: acknowledged writes carry distinct zxids, and a write acknowledged before
 * another was invoked has the smaller zxid (the leader orders writes in real time). Per
 * session, the zxid a client has seen never goes back (single system image, FIFO).
 */
import type { OpRecord } from './history.js';

export interface ZxidViolation {
  kind: 'duplicate' | 'real-time' | 'session-went-back';
  ops: [number, number];
  detail: string;
}

interface ZxidOp {
  id: number;
  process: number;
  session?: bigint;
  outcome: OpRecord['outcome'];
  invokeMs: number;
  returnMs?: number;
  zxid?: bigint;
  seenZxid?: bigint;
}

const hex = (z: bigint): string => `0x${z.toString(16)}`;

export function checkZxidOrder(ops: readonly ZxidOp[]): ZxidViolation[] {
  const out: ZxidViolation[] = [];
  const writes = ops.filter((o) => o.outcome === 'ok' && o.zxid !== undefined && o.returnMs !== undefined);
  const byZxid = new Map<bigint, ZxidOp>();
  for (const w of writes) {
    const other = byZxid.get(w.zxid!);
    if (other) out.push({ kind: 'duplicate', ops: [other.id, w.id], detail: `both acknowledged with zxid ${hex(w.zxid!)}` });
    else byZxid.set(w.zxid!, w);
  }
  // Sweep in invoke order, folding in every write that returned strictly before: the largest
  // zxid among them must be below the zxid of the write being looked at.
  const byReturn = [...writes].sort((a, b) => a.returnMs! - b.returnMs!);
  const byInvoke = [...writes].sort((a, b) => a.invokeMs - b.invokeMs);
  let j = 0;
  let max: ZxidOp | undefined;
  for (const w of byInvoke) {
    while (j < byReturn.length && byReturn[j]!.returnMs! < w.invokeMs) {
      const r = byReturn[j++]!;
      if (!max || r.zxid! > max.zxid!) max = r;
    }
    if (max && max.zxid! >= w.zxid! && max !== w) {
      out.push({ kind: 'real-time', ops: [max.id, w.id], detail: `${hex(w.zxid!)} was invoked after ${hex(max.zxid!)} was acknowledged` });
    }
  }
  // Per session, in the order the responses came (they are FIFO), the seen zxid never decreases.
  const bySession = new Map<string, ZxidOp[]>();
  for (const o of ops) {
    if (o.seenZxid === undefined || o.returnMs === undefined) continue;
    const k = `${o.process}/${o.session ?? ''}`;
    let list = bySession.get(k);
    if (!list) bySession.set(k, (list = []));
    list.push(o);
  }
  for (const list of bySession.values()) {
    list.sort((a, b) => a.returnMs! - b.returnMs! || a.id - b.id);
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1]!;
      const b = list[i]!;
      if (b.seenZxid! < a.seenZxid!) out.push({ kind: 'session-went-back', ops: [a.id, b.id], detail: `session saw ${hex(a.seenZxid!)} then ${hex(b.seenZxid!)}` });
    }
  }
  return out;
}
