/**
 * Watch-fed mirrors (service cache, tree cache, config watch) apply changes one at a time
 * in event order, each re-reading the present state; this is that queue. A failed task is
 * reported as a warning and does not stop the ones after it.
 */
export class SerialTasks {
  private tail: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly what: string) {}

  run(task: () => Promise<void>): void {
    if (this.stopped) return;
    this.tail = this.tail.then(task).catch((err: unknown) => {
      if (!this.stopped) process.emitWarning(`${this.what}: ${(err as Error).message}`, 'WardenRecipeWarning');
    });
  }

  /** Resolves after every task queued so far. */
  settled(): Promise<void> {
    return this.tail;
  }

  /** No more tasks; failures of running ones are no longer reported. */
  stop(): void {
    this.stopped = true;
  }
}
