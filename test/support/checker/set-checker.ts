/**
 * The set check: every acknowledged create is in the final read; nothing appears that was
 * never attempted. Unknown creates may be present or absent (counted, not judged).
 */

export interface SetAdd {
  element: string;
  outcome: 'ok' | 'failed' | 'unknown';
}

export interface SetResult {
  acknowledged: number;
  /** acknowledged and missing from the final read: must be 0 */
  lost: string[];
  /** in the final read but never attempted, or attempted and definitely failed: must be 0 */
  unexpected: string[];
  unknownPresent: number;
  unknownAbsent: number;
}

export function checkSet(adds: readonly SetAdd[], finalRead: Iterable<string>): SetResult {
  const final = new Set(finalRead);
  const attempted = new Map<string, SetAdd['outcome']>();
  for (const a of adds) {
    const before = attempted.get(a.element);
    // An element attempted twice counts by its strongest outcome.
    if (before === 'ok' || (before === 'unknown' && a.outcome === 'failed')) continue;
    attempted.set(a.element, a.outcome);
  }
  const r: SetResult = { acknowledged: 0, lost: [], unexpected: [], unknownPresent: 0, unknownAbsent: 0 };
  for (const [element, outcome] of attempted) {
    if (outcome === 'ok') {
      r.acknowledged++;
      if (!final.has(element)) r.lost.push(element);
    } else if (outcome === 'unknown') {
      if (final.has(element)) r.unknownPresent++;
      else r.unknownAbsent++;
    }
  }
  for (const e of final) {
    const outcome = attempted.get(e);
    if (outcome === undefined || outcome === 'failed') r.unexpected.push(e);
  }
  return r;
}
