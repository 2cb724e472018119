/**
 * Watches as objects: a one-shot watch you can await or iterate, and a persistent watch
 * you iterate (or give a listener) and close. Leaving a `for await` loop unregisters the
 * watch. Events come in stream order; a session that ends delivers a final `None` event
 * (state 'expired' or 'closed') and ends the iteration.
 */
import { EventStream } from './event-stream.js';
import type { AddWatchMode, WatchEvent, Watcher } from './types.js';

/**
 * A one-shot watch (ZooKeeper's data/exist/child watch) to pass as `watch` to exists,
 * getData or getChildren. Await it for the event, or iterate it (one event, then done).
 *
 * @example
 * const changed = new OneShotWatch();
 * const { data } = await client.getData('/config', { watch: changed });
 * const event = await changed;   // { type: 'NodeDataChanged', path: '/config', zxid }
 */
export class OneShotWatch implements PromiseLike<WatchEvent>, AsyncIterable<WatchEvent> {
  private readonly stream = new EventStream<WatchEvent>('one-shot watch', 4, () => this.unregister?.());
  private unregister: (() => void) | undefined;
  private bound = false;
  private first: Promise<WatchEvent> | undefined;

  /** The callback the client registers. @internal */
  readonly watcher: Watcher = (event) => {
    this.stream.push(event);
    this.stream.end();
  };

  /** @internal called by the client when the watch is registered */
  bind(unregister: () => void): void {
    if (this.bound) throw new TypeError('a OneShotWatch can be passed to one call only; create a new one');
    this.bound = true;
    this.unregister = unregister;
  }

  /** @internal the request failed: nothing was registered */
  cancel(): void {
    this.unregister = undefined;
    void this.stream.return();
  }

  /** Whether the watch was registered (the call that took it succeeded). */
  get registered(): boolean {
    return this.bound && this.stream.open;
  }

  then<A = WatchEvent, B = never>(onfulfilled?: ((value: WatchEvent) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    this.first ??= this.stream.next().then((r) => {
      if (r.done) throw new Error('the one-shot watch was closed before it fired');
      return r.value;
    });
    return this.first.then(onfulfilled, onrejected);
  }

  /** Iterates the watch: its one event, then done. Breaking out of the loop closes it. */
  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return this.stream;
  }

  /** Stops waiting: the local watcher is removed (the event, if it comes, is dropped). */
  close(): void {
    void this.stream.return();
  }
}

/**
 * A persistent or persistent-recursive watch from `client.addWatch`. It stays until closed
 * or the session ends; it is re-registered on every reconnect, and missed events are
 * replayed by the server (or a `Resync` event says they could not be).
 *
 * @example
 * const watch = await client.addWatch('/services', 'persistentRecursive');
 * for await (const event of watch) {
 *   if (event.type === 'Resync') await reloadEverything();
 *   else console.log(event.type, event.path);
 * }
 */
export class PersistentWatch implements AsyncIterable<WatchEvent> {
  private readonly stream: EventStream<WatchEvent> | undefined;
  private removing: Promise<void> | undefined;

  /** @internal */
  readonly watcher: Watcher;

  /** @internal created by Client.addWatch */
  constructor(
    /** The watched path (relative to the client's chroot). */
    readonly path: string,
    /** 'persistent' (the node itself) or 'persistentRecursive' (the whole subtree). */
    readonly mode: AddWatchMode,
    listener: Watcher | undefined,
    bufferSize: number,
    private readonly remove: () => Promise<void>,
  ) {
    if (listener) {
      this.watcher = (event) => {
        listener(event);
      };
    } else {
      // The stream ends by a break, an overflow or the session's end: unregister then, but
      // leave what it buffered (and its error) to the consumer.
      const stream = new EventStream<WatchEvent>(`persistent watch on ${path}`, bufferSize, () => void this.unregister());
      this.stream = stream;
      this.watcher = (event) => {
        stream.push(event);
        if (event.type === 'None') stream.end();
      };
    }
  }

  /**
   * Iterates the events in order until the session ends (a final `None` event) or the
   * watch is closed; breaking out of the loop unregisters the watch. Throws a TypeError
   * when the watch was made with a `listener`, and ends with an OverflowError if the
   * consumer falls more than `bufferSize` events behind.
   */
  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    if (!this.stream) throw new TypeError('this watch delivers its events to its listener; it cannot also be iterated');
    return this.stream;
  }

  /** Unregisters the watch (at the server too, when no other local watch shares it). */
  close(): Promise<void> {
    void this.stream?.return();
    return this.unregister();
  }

  private unregister(): Promise<void> {
    this.removing ??= this.remove().catch(() => undefined);
    return this.removing;
  }
}
