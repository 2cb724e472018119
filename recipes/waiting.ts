/**
 * Waiting with `{ signal, timeoutMs }`: one AbortSignal for a whole wait (the caller's
 * signal and the deadline together), racing a promise against it with the listener always
 * removed, and the monotonic clock the recipes measure time with.
 */
import { performance } from 'node:perf_hooks';

/** Monotonic milliseconds (never jumps with the wall clock). */
export function now(): number {
  return performance.now();
}

/** Thrown when a recipe's `timeoutMs` passes before what it waited for happened. */
export class RecipeTimeoutError extends Error {
  /** `'TimeoutError'`, the same name as the DOMException of `AbortSignal.timeout()`: one `name` check matches both. */
  override name = 'TimeoutError';
  /** Always `'TIMEOUT'`, for matching without `instanceof`. */
  readonly code = 'TIMEOUT';
  constructor(what: string, timeoutMs: number) {
    super(`${what}: not done within ${timeoutMs} ms`);
  }
}

/** The signal of one wait: the caller's signal and, with `timeoutMs`, a RecipeTimeoutError. */
export function waitSignal(what: string, signal: AbortSignal | undefined, timeoutMs: number | undefined): { signal: AbortSignal | undefined; dispose(): void } {
  if (timeoutMs === undefined) return { signal, dispose: () => {} };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new RecipeTimeoutError(what, timeoutMs)), timeoutMs);
  const onAbort = (): void => controller.abort(signal!.reason);
  if (signal?.aborted) controller.abort(signal.reason);
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** `promise`, or the signal's reason if it aborts first. The listener is always removed. */
export function raceSignal<T>(promise: PromiseLike<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return Promise.resolve(promise);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(promise).then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Resolves after `ms` (or rejects when `signal` aborts). For backoff, never for synchronisation. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return raceSignal(
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => clearTimeout(t), { once: true });
    }),
    signal,
  );
}
