/**
 * A double barrier (Curator's DistributedDoubleBarrier): `participants` processes enter
 * together (nobody proceeds until all have entered) and leave together (nobody proceeds
 * until all have left). Each participant is an ephemeral node `<path>/<id>`; the last to
 * enter creates `<path>/ready`.
 *
 * Leaving follows the ZooKeeper recipe: the lowest node waits for the highest to go, every
 * other node deletes itself and waits for the lowest; so each waiter watches one node. The
 * last one out removes `ready`, so the barrier can be used again.
 */
import { randomUUID } from 'node:crypto';
import { NodeExistsError, NoNodeError, OneShotWatch, type Client } from '../sdk/index.js';
import { ensurePath, join } from './paths.js';
import { deleteQuietly } from './protected-create.js';
import { checkName, checkPath, intOption, knownKeys, optionsObject, stringOption, waitOptions, type WaitOptions } from './validate.js';
import { raceSignal, waitSignal } from './waiting.js';

const READY = 'ready';

/** Options of the {@link DoubleBarrier} constructor. */
export interface DoubleBarrierOptions {
  /** How many participants make the barrier. Required. */
  participants: number;
  /** This participant's node name. @default a random UUID */
  id?: string;
}

/**
 * @example
 * const barrier = new DoubleBarrier(client, '/barriers/epoch-7', { participants: 3 });
 * await barrier.enter({ timeoutMs: 60_000 });
 * await compute();
 * await barrier.leave({ timeoutMs: 60_000 });
 */
export class DoubleBarrier {
  /** This participant's node name under `path` (never `'ready'`). */
  readonly id: string;
  private readonly participants: number;
  private readonly ownPath: string;

  constructor(
    private readonly client: Client,
    /** The barrier's node; participants are its ephemeral children, plus `ready` once all have entered. */
    readonly path: string,
    opts: DoubleBarrierOptions,
  ) {
    const o = optionsObject('DoubleBarrier', opts);
    knownKeys('DoubleBarrier', o, ['participants', 'id']);
    checkPath('DoubleBarrier', 'path', path);
    if (o.participants === undefined) throw new TypeError('DoubleBarrier: option `participants` is required');
    this.participants = intOption('DoubleBarrier', o, 'participants', 1, 1);
    this.id = checkName('DoubleBarrier', 'id', stringOption('DoubleBarrier', o, 'id', randomUUID()));
    if (this.id === READY) throw new TypeError("DoubleBarrier: option `id` must not be 'ready'");
    this.ownPath = join(path, this.id);
  }

  /** Joins and waits until `participants` have joined. */
  async enter(opts?: WaitOptions): Promise<void> {
    const { signal, timeoutMs } = waitOptions('DoubleBarrier.enter()', opts);
    const wait = waitSignal(`double barrier ${this.path} (enter)`, signal, timeoutMs);
    try {
      await ensurePath(this.client, this.path, { signal: wait.signal });
      // No signal on the create: an abandoned create could still be applied after our
      // cleanup below and leave an orphan; it is short, so it is simply awaited.
      try {
        await this.client.create(this.ownPath, null, { mode: 'ephemeral' });
      } catch (e) {
        if (!(e instanceof NodeExistsError)) throw e;
      }
      for (;;) {
        const watch = new OneShotWatch();
        try {
          if (await this.client.exists(join(this.path, READY), { watch, signal: wait.signal })) return;
          const members = (await this.client.getChildren(this.path, { signal: wait.signal })).filter((c) => c !== READY);
          if (members.length >= this.participants) {
            try {
              await this.client.create(join(this.path, READY), null, { signal: wait.signal });
            } catch (e) {
              if (!(e instanceof NodeExistsError)) throw e;
            }
            return;
          }
          await raceSignal(watch, wait.signal);
        } finally {
          void watch[Symbol.asyncIterator]().return?.();
        }
      }
    } catch (e) {
      await deleteQuietly(this.client, this.ownPath).catch(() => undefined);
      throw e;
    } finally {
      wait.dispose();
    }
  }

  /** Leaves and waits until every participant has left. */
  async leave(opts?: WaitOptions): Promise<void> {
    const { signal, timeoutMs } = waitOptions('DoubleBarrier.leave()', opts);
    const wait = waitSignal(`double barrier ${this.path} (leave)`, signal, timeoutMs);
    try {
      for (;;) {
        let members: string[];
        try {
          members = (await this.client.getChildren(this.path, { signal: wait.signal })).filter((c) => c !== READY).sort();
        } catch (e) {
          if (e instanceof NoNodeError) return;
          throw e;
        }
        const mine = members.includes(this.id);
        if (members.length === 0) break;
        if (members.length === 1 && mine) {
          await deleteQuietly(this.client, this.ownPath, wait.signal);
          break;
        }
        const lowest = members[0]!;
        const highest = members[members.length - 1]!;
        let target: string;
        if (mine && this.id === lowest) target = highest;
        else {
          if (mine) await deleteQuietly(this.client, this.ownPath, wait.signal);
          target = lowest;
        }
        const watch = new OneShotWatch();
        try {
          if (await this.client.exists(join(this.path, target), { watch, signal: wait.signal })) await raceSignal(watch, wait.signal);
        } finally {
          void watch[Symbol.asyncIterator]().return?.();
        }
      }
      // Everyone is out: reset for the next round.
      await deleteQuietly(this.client, join(this.path, READY), wait.signal);
    } finally {
      wait.dispose();
    }
  }
}
