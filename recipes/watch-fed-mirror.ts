/**
 * What the watch-fed mirrors (ServiceCache, TreeCache, ConfigWatch) share: the event hub
 * they publish on, the queue that applies changes one at a time in event order, the
 * persistent watch and reconnect listener that feed it, and closing all of that exactly once.
 * Each subclass decides what to read and what to emit.
 */
import type { PersistentWatch } from '../sdk/index.js';
import { EventHub } from './event-hub.js';
import { SerialTasks } from './serial-tasks.js';

export abstract class WatchFedMirror<E> {
  /** @internal where the mirror publishes its events */
  protected readonly hub: EventHub<E>;
  /** @internal applies changes one at a time, in event order */
  protected readonly tasks: SerialTasks;
  /** @internal the persistent watch that feeds the mirror */
  protected watch: PersistentWatch | undefined;
  /** @internal removes the reconnect listener */
  protected offState: (() => void) | undefined;
  /** @internal set once by close() */
  protected closed = false;

  /** `kind` names the mirror in errors ("tree cache"); `label` in warnings ("tree cache /config"). */
  protected constructor(kind: string, label: string) {
    this.hub = new EventHub<E>(kind);
    this.tasks = new SerialTasks(label);
  }

  /**
   * Calls `listener` for every event from now on; returns a function that unsubscribes.
   * A listener that throws is reported as a process warning and does not stop the others.
   */
  on(listener: (e: E) => void): () => void {
    return this.hub.on(listener);
  }

  /** Resolves after every change seen so far has been applied (for tests and tools). */
  settled(): Promise<void> {
    return this.tasks.settled();
  }

  /**
   * Stops following changes: drops pending work, removes the watch and the reconnect
   * listener, and ends every event iterator. Idempotent. What was mirrored stays readable
   * but is no longer updated.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tasks.stop();
    this.offState?.();
    await this.watch?.close();
    this.hub.end();
  }
}
