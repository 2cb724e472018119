/**
 * How a service provider picks one instance among the live ones (Curator's
 * ProviderStrategy), and how instances reported as failing are kept out of rotation for a
 * while (Curator's DownInstancePolicy: 2 errors, 30 s by default).
 *
 * Pure: randomness and time are passed in.
 */

/** The least an instance needs for the strategies: a stable id. */
export interface Identified {
  /** The instance's id, unique within its service; strategies remember instances by it. */
  id: string;
}

/** Picks one of `instances` (never called with an empty list). */
export interface ProviderStrategy<T extends Identified = Identified> {
  /** A label for logs and errors, e.g. `'round-robin'` or `'sticky(random)'`. */
  readonly name: string;
  /** Returns one of `instances`; may keep state between calls (round-robin position, sticky choice). */
  pick(instances: readonly T[]): T;
}

/** Each instance in turn (the list is sorted by id by the discovery cache). */
export function roundRobin<T extends Identified>(): ProviderStrategy<T> {
  let next = 0;
  return {
    name: 'round-robin',
    pick(instances) {
      const i = next % instances.length;
      next = (i + 1) % Number.MAX_SAFE_INTEGER;
      return instances[i]!;
    },
  };
}

/**
 * A uniformly random instance.
 * @param random a source of numbers in [0, 1) @default Math.random
 */
export function randomPick<T extends Identified>(random: () => number = Math.random): ProviderStrategy<T> {
  return {
    name: 'random',
    pick(instances) {
      return instances[Math.min(instances.length - 1, Math.floor(random() * instances.length))]!;
    },
  };
}

/** The same instance for as long as it is live; a new one (chosen by `inner`) when it goes. */
export function sticky<T extends Identified>(inner: ProviderStrategy<T> = roundRobin<T>()): ProviderStrategy<T> {
  let current: string | undefined;
  return {
    name: `sticky(${inner.name})`,
    pick(instances) {
      const still = current === undefined ? undefined : instances.find((i) => i.id === current);
      if (still) return still;
      const chosen = inner.pick(instances);
      current = chosen.id;
      return chosen;
    },
  };
}

/** Curator's defaults: two errors take an instance out for 30 s. */
export const DOWN_ERROR_THRESHOLD = 2;
export const DOWN_COOLDOWN_MS = 30_000;

/**
 * Instances reported as failing (`noteError`). After `errorThreshold` errors an instance
 * is down for `cooldownMs`, then it is tried again with a clean slate. Errors older than
 * the cooldown are forgotten.
 */
export class DownInstances {
  private readonly errors = new Map<string, { count: number; firstAtMs: number; downUntilMs: number }>();

  constructor(
    /** Errors within one cooldown window that take an instance down. @default 2 */
    readonly errorThreshold = DOWN_ERROR_THRESHOLD,
    /** How long a down instance stays out, and how long an error is remembered. @default 30000 */
    readonly cooldownMs = DOWN_COOLDOWN_MS,
  ) {
    if (!Number.isInteger(errorThreshold) || errorThreshold < 1) throw new TypeError('DownInstances: `errorThreshold` must be a positive integer');
    if (!Number.isFinite(cooldownMs) || cooldownMs < 0) throw new TypeError('DownInstances: `cooldownMs` must be a non-negative number');
  }

  /**
   * Records one failure of instance `id` at `nowMs`. The count restarts when the first
   * remembered error is a cooldown old; reaching `errorThreshold` marks it down until
   * `nowMs + cooldownMs`.
   */
  noteError(id: string, nowMs: number): void {
    let e = this.errors.get(id);
    if (!e || nowMs - e.firstAtMs >= this.cooldownMs) {
      e = { count: 0, firstAtMs: nowMs, downUntilMs: 0 };
      this.errors.set(id, e);
    }
    e.count++;
    if (e.count >= this.errorThreshold) e.downUntilMs = nowMs + this.cooldownMs;
  }

  /**
   * Whether instance `id` is out of rotation at `nowMs`. Once its cooldown has passed (or
   * its errors are a cooldown old) it is forgotten, so it starts again with a clean slate.
   */
  isDown(id: string, nowMs: number): boolean {
    const e = this.errors.get(id);
    if (!e) return false;
    if (e.downUntilMs > nowMs) return true;
    if (e.downUntilMs !== 0 || nowMs - e.firstAtMs >= this.cooldownMs) this.errors.delete(id);
    return false;
  }

  /** The instances not down at `nowMs`. */
  filter<T extends Identified>(instances: readonly T[], nowMs: number): T[] {
    return instances.filter((i) => !this.isDown(i.id, nowMs));
  }
}
