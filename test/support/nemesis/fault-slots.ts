/**
 * What the faults in flight hold, so that overlapping faults never act on the same target:
 * a member (killed, paused, isolated, failing its I/O), a link proxy, or a member's clock.
 * A fault takes all its targets at once or none (then it is skipped), and gives them back
 * when it has healed. Targets are plain keys: `member:<id>`, `link:<n>`, `clock:<id>`.
 */
export class FaultSlots {
  private readonly held = new Set<string>();

  /** Takes every key, or none if one is held already. */
  take(keys: readonly string[]): boolean {
    if (keys.length === 0 || keys.some((k) => this.held.has(k)) || new Set(keys).size !== keys.length) return false;
    for (const k of keys) this.held.add(k);
    return true;
  }

  release(keys: readonly string[]): void {
    for (const k of keys) this.held.delete(k);
  }

  isFree(key: string): boolean {
    return !this.held.has(key);
  }
}
