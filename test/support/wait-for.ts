/**
 * Polling with a deadline: the only way integration tests wait for something that has no
 * event to await. Never a bare sleep as synchronisation.
 */

export interface WaitForOptions {
  /** Give up after this long. Generous by default: tests run on a loaded 2-core machine. @default 20000 */
  timeoutMs?: number;
  /** Time between polls. @default 25 */
  intervalMs?: number;
  /** Said in the timeout error, to tell which wait failed. */
  what?: string;
}

/**
 * Calls `condition` until it returns a truthy value (or a promise of one) and resolves to
 * that value. A condition that throws counts as "not yet"; the last error is the timeout
 * error's cause.
 *
 * @example
 * const stat = await waitFor(() => client.exists('/gone').then((s) => s === null), { what: 'node deleted' });
 */
export async function waitFor<T>(condition: () => T | Promise<T>, opts: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const intervalMs = opts.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`waitFor timed out after ${timeoutMs} ms${opts.what ? `: ${opts.what}` : ''}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A promise with its resolve/reject outside: for callbacks a test waits on. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
