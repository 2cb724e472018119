/**
 * A bounded, single-consumer async iterable of events: how watches and connection states
 * are offered to `for await`. Events are buffered up to `bufferSize`; a consumer that falls
 * further behind gets the buffered events and then an OverflowError (never a silent gap,
 * never unbounded memory). Leaving the loop (`break`, `return`, a throw) calls `onClose`
 * once, which is how a watch unregisters itself.
 */
import { OverflowError } from './errors.js';

export class EventStream<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private error: unknown;
  private closed = false;

  constructor(
    private readonly what: string,
    private readonly bufferSize: number,
    private readonly onClose: () => void = () => {},
  ) {}

  /** Whether the stream still accepts events. */
  get open(): boolean {
    return !this.ended && !this.closed;
  }

  push(item: T): void {
    if (!this.open) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: item, done: false });
      return;
    }
    if (this.buffer.length >= this.bufferSize) {
      this.fail(new OverflowError(this.what, this.bufferSize));
      return;
    }
    this.buffer.push(item);
  }

  /** No more events: the consumer drains the buffer, then the loop ends. */
  end(): void {
    if (!this.open) return;
    this.ended = true;
    this.release();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  }

  /** Ends with an error the consumer sees after the buffered events. */
  fail(err: unknown): void {
    if (!this.open) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(err);
    } else {
      this.error = err;
    }
    this.ended = true;
    this.release();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift() as T, done: false });
    if (this.error !== undefined) {
      const err = this.error;
      this.error = undefined;
      return Promise.reject(err);
    }
    if (!this.open) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Called by `break` in for-await: stop, drop the buffer, unregister. */
  return(): Promise<IteratorResult<T>> {
    this.closed = true;
    this.buffer.length = 0;
    this.error = undefined;
    this.release();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private released = false;
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.onClose();
  }
}
