/**
 * Session checks on ephemeral nodes, from what clients observed:
 *  - no ephemeral of a session is visible to a read invoked after its owner observed the
 *    session's expiry;
 *  - no ephemeral disappears while its session provably lived (an operation of the session
 *    succeeded after the read that found it gone, and the owner had not deleted it).
 */

export interface Ephemeral {
  path: string;
  owner: bigint;
  /** when the create returned ok */
  createdMs: number;
  /** when the owner invoked a delete of it, if it did */
  ownerDeleteInvokeMs?: number;
}

export interface Observation {
  path: string;
  invokeMs: number;
  returnMs: number;
  present: boolean;
  /** Stat.ephemeralOwner when present */
  owner?: bigint;
}

export interface SessionFacts {
  /** session -> when its owner observed the expiry */
  expiredAtMs: ReadonlyMap<bigint, number>;
  /** session -> the latest invoke time of an operation of it that succeeded (it lived after that) */
  aliveAtMs: ReadonlyMap<bigint, number>;
}

export interface SessionViolation {
  kind: 'visible-after-expiry' | 'deleted-while-alive';
  path: string;
  session: bigint;
  detail: string;
}

export function checkSessions(ephemerals: readonly Ephemeral[], observations: readonly Observation[], facts: SessionFacts): SessionViolation[] {
  const out: SessionViolation[] = [];
  const byPath = new Map<string, Ephemeral>();
  for (const e of ephemerals) byPath.set(e.path, e);
  for (const o of observations) {
    const e = byPath.get(o.path);
    if (!e) continue;
    const expired = facts.expiredAtMs.get(e.owner);
    if (o.present && o.owner === e.owner && expired !== undefined && o.invokeMs > expired) {
      out.push({ kind: 'visible-after-expiry', path: o.path, session: e.owner, detail: `read at ${o.invokeMs.toFixed(1)} ms saw it; expiry observed at ${expired.toFixed(1)} ms` });
    }
    const alive = facts.aliveAtMs.get(e.owner);
    const deletedByOwner = e.ownerDeleteInvokeMs !== undefined && e.ownerDeleteInvokeMs < o.returnMs;
    if (!o.present && o.invokeMs > e.createdMs && alive !== undefined && o.returnMs < alive && !deletedByOwner) {
      out.push({ kind: 'deleted-while-alive', path: o.path, session: e.owner, detail: `read at ${o.invokeMs.toFixed(1)} ms found it gone; the session still worked at ${alive.toFixed(1)} ms` });
    }
  }
  return out;
}
