/**
 * A shared integer in one znode (Curator's SharedCount): read with its version,
 * compare-and-set by version, and increment with a CAS loop. Changes are followed by a
 * persistent watch (no polling).
 */
import { BadVersionError, NodeExistsError, NoNodeError, type Client, type PersistentWatch } from '../sdk/index.js';
import { EventHub } from './event-hub.js';
import { ensurePath, parentOf } from './paths.js';
import { checkPath, intOption, knownKeys, optionsObject, waitOptions, type WaitOptions } from './validate.js';
import { raceSignal, waitSignal } from './waiting.js';

/** The counter as read from its node, and the version to compare-and-set against. */
export interface CounterValue {
  /** The counter's value (a safe integer). */
  value: number;
  /** The node's version: pass it to trySet(). */
  version: number;
}

function encode(n: number): Buffer {
  return Buffer.from(String(n), 'utf8');
}

function decode(path: string, b: Buffer): number {
  const n = Number(b.toString('utf8'));
  if (!Number.isSafeInteger(n)) throw new TypeError(`shared counter ${path}: the node does not hold an integer`);
  return n;
}

/**
 * @example
 * const counter = new SharedCounter(client, '/counters/jobs', { initial: 0 });
 * const next = await counter.increment();        // CAS loop
 * const { value, version } = await counter.get();
 * if (await counter.trySet(value * 2, version)) console.log('doubled');
 */
export class SharedCounter {
  private readonly initial: number;
  private readonly hub = new EventHub<CounterValue>('shared counter');
  private watch: PersistentWatch | undefined;

  constructor(
    private readonly client: Client,
    /** The znode holding the counter as decimal text. */
    readonly path: string,
    opts: { initial?: number } = {},
  ) {
    const o = optionsObject('SharedCounter', opts);
    knownKeys('SharedCounter', o, ['initial']);
    checkPath('SharedCounter', 'path', path);
    this.initial = intOption('SharedCounter', o, 'initial', 0, Number.MIN_SAFE_INTEGER);
  }

  /** The value and its version (creating the node with `initial` if missing). */
  async get(): Promise<CounterValue> {
    for (;;) {
      try {
        const { data, stat } = await this.client.getData(this.path);
        return { value: decode(this.path, data), version: stat.version };
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
      }
      await ensurePath(this.client, parentOf(this.path));
      try {
        await this.client.create(this.path, encode(this.initial));
      } catch (e) {
        if (!(e instanceof NodeExistsError)) throw e;
      }
    }
  }

  /** Sets `value` only if the node is still at `version`; false if someone changed it first. */
  async trySet(value: number, version: number): Promise<boolean> {
    if (!Number.isSafeInteger(value)) throw new TypeError('SharedCounter.trySet(): `value` must be a safe integer');
    if (!Number.isInteger(version) || version < 0) throw new TypeError('SharedCounter.trySet(): `version` must be an integer >= 0');
    try {
      await this.client.setData(this.path, encode(value), { version });
      return true;
    } catch (e) {
      if (e instanceof BadVersionError) return false;
      throw e;
    }
  }

  /** Adds `delta` atomically (compare-and-set, retried on conflicts); resolves with the new value. */
  async increment(delta = 1): Promise<number> {
    if (!Number.isSafeInteger(delta)) throw new TypeError('SharedCounter.increment(): `delta` must be a safe integer');
    for (;;) {
      const { value, version } = await this.get();
      if (await this.trySet(value + delta, version)) return value + delta;
    }
  }

  /** Calls `listener` with each new value (starts a persistent watch on first use). */
  async on(listener: (v: CounterValue) => void): Promise<() => void> {
    const off = this.hub.on(listener);
    this.watch ??= await this.client.addWatch(this.path, 'persistent', {
      listener: (e) => {
        if (e.type === 'NodeDataChanged' || e.type === 'NodeCreated' || e.type === 'Resync') void this.get().then((v) => this.hub.emit(v), () => undefined);
      },
    });
    return off;
  }

  /** Waits until `predicate(value)` holds. */
  async waitFor(predicate: (value: number) => boolean, opts?: WaitOptions): Promise<number> {
    const { signal, timeoutMs } = waitOptions('SharedCounter.waitFor()', opts);
    const wait = waitSignal(`shared counter ${this.path}`, signal, timeoutMs);
    let off: (() => void) | undefined;
    try {
      let hit!: (n: number) => void;
      const reached = new Promise<number>((resolve) => (hit = resolve));
      // Watch first, then read: a change between the two is seen by one or the other.
      off = await this.on((v) => predicate(v.value) && hit(v.value));
      const now = await this.get();
      if (predicate(now.value)) return now.value;
      return await raceSignal(reached, wait.signal);
    } finally {
      off?.();
      wait.dispose();
    }
  }

  /** Stops the watch. */
  async close(): Promise<void> {
    await this.watch?.close();
    this.hub.end();
  }
}
