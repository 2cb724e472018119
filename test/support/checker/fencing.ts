/**
 * A fencing resource and the lock check it feeds. Lock holders write to the resource with
 * their fencing token; the fenced resource refuses a token below the highest it has accepted
 * (a stale holder, e.g. one paused past its session timeout). An unfenced twin accepts
 * every write, and is fed the same attempts, to show what the lock alone would have let
 * through.
 *
 * An overlap is an accepted write that belongs to a critical section other than the latest
 * one the resource has seen: either a section acquired earlier (a lower token) writing
 * after a later one wrote (a stale holder), or a section resuming after another one's write
 * (A, B, A: interleaved). With fencing the first cannot be accepted, and the second only if
 * the lock handed one token to two holders.
 */

export interface FenceWrite {
  holder: string;
  token: bigint;
  atMs: number;
  accepted: boolean;
}

export class FencedResource {
  readonly log: FenceWrite[] = [];
  private highest = -1n;

  constructor(readonly fenced: boolean) {}

  write(holder: string, token: bigint, atMs: number): boolean {
    const accepted = !this.fenced || token >= this.highest;
    if (accepted && token > this.highest) this.highest = token;
    this.log.push({ holder, token, atMs, accepted });
    return accepted;
  }
}

export interface LockResult {
  accepted: number;
  refused: number;
  /** interleaved critical sections the resource accepted */
  overlaps: number;
}

export function checkLock(log: readonly FenceWrite[]): LockResult {
  let accepted = 0;
  let refused = 0;
  let overlaps = 0;
  let current: string | undefined;
  let highest = -1n;
  // sections whose run at the resource was interrupted by another section's accepted write
  const interrupted = new Set<string>();
  for (const w of log) {
    if (!w.accepted) {
      refused++;
      continue;
    }
    accepted++;
    const section = `${w.holder}#${w.token}`;
    if (current !== undefined && current !== section) {
      interrupted.add(current);
      if (w.token < highest || interrupted.has(section)) overlaps++;
    }
    if (w.token > highest) highest = w.token;
    current = section;
  }
  return { accepted, refused, overlaps };
}
