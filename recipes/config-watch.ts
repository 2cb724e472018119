/**
 * A typed config value in one znode (JSON), validated by a caller-given schema: `current`
 * is always the last value that passed (last-known-good), an invalid or deleted node
 * leaves it in place and is reported, updates are compare-and-set by version. Fed by a
 * persistent watch on the node (no polling); a reconnect or a `Resync` re-reads it.
 */
import { BadVersionError, NodeExistsError, NoNodeError, type Client, type Stat } from '../sdk/index.js';
import { checkSchemaOption, decodeConfig, encodeConfig, InvalidConfigError, type ConfigCheck } from './config-schema.js';
import { ensurePath, parentOf } from './paths.js';
import { checkPath, knownKeys, optionsObject } from './validate.js';
import { WatchFedMirror } from './watch-fed-mirror.js';

/** Options of {@link ConfigWatch.open}. */
export interface ConfigWatchOptions<T> {
  /** Validates the stored JSON: a function returning the typed value (throwing when invalid) or `{ parse }`. Required. */
  schema: ConfigCheck<T>;
  /** Used while the node is missing or has never been valid. @default undefined */
  defaultValue?: T;
}

/**
 * What a {@link ConfigWatch} saw after re-reading its node. Only `changed` moves `current`;
 * `invalid` and `missing` leave the last-known-good value in place.
 */
export type ConfigEvent<T> =
  | {
      /** A new version of the node passed the schema and is now `current`. */
      type: 'changed';
      /** The new valid value. */
      value: T;
      /** The node version it was read at. */
      version: number;
    }
  | {
      /** A new version of the node is not valid JSON or failed the schema. */
      type: 'invalid';
      /** Why it was rejected (also kept as `lastError`). */
      error: InvalidConfigError;
      /** The node version that was rejected. */
      version: number;
    }
  | {
      /** The node does not exist (deleted, or absent while no valid value was ever read). */
      type: 'missing';
    };

/**
 * @example
 * const limits = await ConfigWatch.open(client, '/config/limits', {
 *   schema: (v) => { const c = v as { maxConns?: unknown }; if (typeof c?.maxConns !== 'number') throw new Error('maxConns'); return { maxConns: c.maxConns }; },
 *   defaultValue: { maxConns: 100 },
 * });
 * limits.on((e) => e.type === 'changed' && pool.resize(e.value.maxConns));
 * await limits.update({ maxConns: 200 }, { version: limits.version });   // compare-and-set
 */
export class ConfigWatch<T> extends WatchFedMirror<ConfigEvent<T>> {
  private value: T | undefined;
  private valueVersion = -1;
  private nodeVersion = -1;
  private error: InvalidConfigError | undefined;

  private constructor(
    private readonly client: Client,
    /** Path of the watched config znode. */
    readonly path: string,
    private readonly validate: (v: unknown) => T,
    defaultValue: T | undefined,
  ) {
    super('config watch', `config ${path}`);
    this.value = defaultValue;
  }

  /** Starts watching `path` and resolves after the first read. */
  static async open<T>(client: Client, path: string, opts: ConfigWatchOptions<T>): Promise<ConfigWatch<T>> {
    const o = optionsObject('ConfigWatch.open()', opts);
    knownKeys('ConfigWatch.open()', o, ['schema', 'defaultValue']);
    checkPath('ConfigWatch.open()', 'path', path);
    if (o.schema === undefined) throw new TypeError('ConfigWatch.open(): option `schema` is required');
    const cw = new ConfigWatch<T>(client, path, checkSchemaOption<T>('ConfigWatch.open()', o.schema), opts.defaultValue);
    cw.watch = await client.addWatch(path, 'persistent', {
      listener: (e) => {
        if (e.type === 'NodeCreated' || e.type === 'NodeDataChanged' || e.type === 'NodeDeleted' || e.type === 'Resync') cw.reload();
      },
    });
    cw.offState = client.on('state', (e) => e.state === 'reconnected' && cw.reload());
    cw.reload();
    await cw.tasks.settled();
    return cw;
  }

  /** The last valid value (or the default). */
  get current(): T | undefined {
    return this.value;
  }

  /** The node's version of `current` (-1 when it is the default). */
  get currentVersion(): number {
    return this.valueVersion;
  }

  /** The node's latest version seen (valid or not; -1 when missing): what update() compares with. */
  get version(): number {
    return this.nodeVersion;
  }

  /** Why the stored value is not `current`, when it is invalid. */
  get lastError(): InvalidConfigError | undefined {
    return this.error;
  }

  /** Events from now on as an async iterable (ends on close()). */
  changes(opts: { signal?: AbortSignal; bufferSize?: number } = {}): AsyncIterableIterator<ConfigEvent<T>> {
    return this.hub.iterate(opts);
  }

  /**
   * Writes `value` (validated first: an invalid value is never stored). With `version`,
   * only if the node is still at that version (BadVersionError otherwise); version -1
   * creates the node and fails if it exists. Resolves with the new Stat.
   */
  async update(value: T, opts: { version?: number } = {}): Promise<Stat> {
    const data = encodeConfig(this.path, value, this.validate);
    const version = opts.version;
    if (version !== undefined && (!Number.isInteger(version) || version < -1)) throw new TypeError('ConfigWatch.update(): option `version` must be an integer >= -1');
    if (version === -1 || (version === undefined && this.nodeVersion === -1)) {
      await ensurePath(this.client, parentOf(this.path));
      try {
        return (await this.client.create(this.path, data)).stat;
      } catch (e) {
        if (!(e instanceof NodeExistsError) || version === -1) throw e;
      }
    }
    return this.client.setData(this.path, data, { version: version ?? -1 });
  }

  private reload(): void {
    if (this.closed) return;
    this.tasks.run(() => this.read());
  }

  private async read(): Promise<void> {
    let data: Buffer;
    let stat: Stat;
    try {
      ({ data, stat } = await this.client.getData(this.path));
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      if (this.nodeVersion !== -1 || this.valueVersion === -1) {
        this.nodeVersion = -1;
        this.hub.emit({ type: 'missing' });
      }
      return;
    }
    if (stat.version === this.nodeVersion && stat.version === this.valueVersion) return;
    this.nodeVersion = stat.version;
    try {
      const v = decodeConfig(this.path, data, this.validate);
      this.value = v;
      this.valueVersion = stat.version;
      this.error = undefined;
      this.hub.emit({ type: 'changed', value: v, version: stat.version });
    } catch (e) {
      if (!(e instanceof InvalidConfigError)) throw e;
      this.error = e;
      this.hub.emit({ type: 'invalid', error: e, version: stat.version });
    }
  }
}

