/**
 * Who leads an election (latch or selector), for anyone: the candidates in queue order
 * with their ids, and the leader's changes as an async iterable fed by child watches.
 */
import { NoNodeError, OneShotWatch, type Client } from '../sdk/index.js';
import { LATCH_PREFIX } from './leader-latch.js';
import { join } from './paths.js';
import { sortSequential } from './sequential-nodes.js';
import { checkPath, signalOption, optionsObject, knownKeys } from './validate.js';
import { raceSignal } from './waiting.js';

/** One candidate of an election, as an observer sees it. */
export interface Participant {
  /** The candidate's id (its node's data). */
  id: string;
  /** Its node. */
  path: string;
  /** True for the first candidate in queue order, the one that leads. */
  isLeader: boolean;
}

/** The candidates in queue order; the first leads. */
export async function participants(client: Client, path: string, opts: { signal?: AbortSignal } = {}): Promise<Participant[]> {
  checkPath('participants()', 'path', path);
  return (await read(client, path, undefined, opts.signal)).list;
}

async function read(client: Client, path: string, watch: OneShotWatch | undefined, signal: AbortSignal | undefined): Promise<{ list: Participant[] }> {
  let children: string[];
  try {
    await client.sync(path, { signal });
    children = await client.getChildren(path, { signal, ...(watch ? { watch } : {}) });
  } catch (e) {
    if (!(e instanceof NoNodeError)) throw e;
    if (watch) await client.exists(path, { watch, signal });
    return { list: [] };
  }
  const list: Participant[] = [];
  for (const n of sortSequential(children, [LATCH_PREFIX])) {
    try {
      const { data } = await client.getData(join(path, n.name), { signal });
      list.push({ id: data.toString('utf8'), path: join(path, n.name), isLeader: list.length === 0 });
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
    }
  }
  if (list[0]) list[0].isLeader = true;
  return { list };
}

/** The leader now, or undefined when there is none. */
export async function currentLeader(client: Client, path: string, opts: { signal?: AbortSignal } = {}): Promise<Participant | undefined> {
  return (await participants(client, path, opts))[0];
}

/**
 * Leader changes as an async iterable: the leader now, then each new leader (undefined
 * while there is none). Fed by child watches, never by polling.
 * @example
 * for await (const leader of observeLeader(client, '/election/scheduler')) console.log('leader:', leader?.id);
 */
export async function* observeLeader(client: Client, path: string, opts: { signal?: AbortSignal } = {}): AsyncGenerator<Participant | undefined> {
  const o = optionsObject('observeLeader()', opts);
  knownKeys('observeLeader()', o, ['signal']);
  checkPath('observeLeader()', 'path', path);
  const signal = signalOption('observeLeader()', o);
  let last: string | null = null;
  while (!signal?.aborted) {
    const watch = new OneShotWatch();
    const { list } = await read(client, path, watch, signal);
    const leader = list[0];
    const key = leader ? leader.path : '';
    try {
      if (key !== last) {
        last = key;
        yield leader;
      }
      let event;
      try {
        event = await raceSignal(watch, signal);
      } catch (e) {
        if (signal?.aborted) return;
        throw e;
      }
      if (event.type === 'None') return;
    } finally {
      void watch[Symbol.asyncIterator]().return?.();
    }
  }
}
