/**
 * Recipe events as callbacks and as async iterables (bounded: a consumer that falls more
 * than `bufferSize` behind gets an error, never unbounded memory; leaving the loop
 * unsubscribes). A listener that throws does not stop the others.
 */
export class EventHub<E> {
  private readonly listeners = new Set<(e: E) => void>();

  constructor(private readonly what: string) {}

  on(listener: (e: E) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError(`${this.what}: the listener must be a function`);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: E): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (e) {
        process.emitWarning(`a ${this.what} listener threw: ${(e as Error).message}`, 'WardenRecipeWarning');
      }
    }
  }

  /** Events from now on as an async iterable; ends when `signal` aborts or `end()` is called. */
  iterate(opts: { signal?: AbortSignal; bufferSize?: number } = {}): AsyncIterableIterator<E> {
    const bufferSize = opts.bufferSize ?? 256;
    if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new TypeError(`${this.what}: option \`bufferSize\` must be a positive integer`);
    const buffer: E[] = [];
    let waiter: ((r: IteratorResult<E>) => void) | undefined;
    let failWaiter: ((e: unknown) => void) | undefined;
    let done = false;
    let error: Error | undefined;
    const finish = (): void => {
      if (done) return;
      done = true;
      off();
      this.enders.delete(finish);
      opts.signal?.removeEventListener('abort', finish);
      waiter?.({ value: undefined, done: true });
      waiter = undefined;
    };
    const off = this.on((e) => {
      if (done) return;
      if (waiter) {
        const w = waiter;
        waiter = undefined;
        w({ value: e, done: false });
      } else if (buffer.length >= bufferSize) {
        error = new Error(`${this.what}: the consumer fell ${bufferSize} events behind; events were dropped, re-read the state`);
        if (failWaiter) failWaiter(error);
        finish();
      } else buffer.push(e);
    });
    this.enders.add(finish);
    if (opts.signal?.aborted) finish();
    else opts.signal?.addEventListener('abort', finish, { once: true });
    const it: AsyncIterableIterator<E> = {
      next: () => {
        if (buffer.length) return Promise.resolve({ value: buffer.shift()!, done: false });
        if (error) {
          const e = error;
          error = undefined;
          return Promise.reject(e);
        }
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          waiter = resolve;
          failWaiter = reject;
        });
      },
      return: () => {
        buffer.length = 0;
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }

  private readonly enders = new Set<() => void>();

  /** Ends every iteration (after their buffered events). */
  end(): void {
    for (const f of [...this.enders]) f();
  }
}
