/**
 * BenchClient over Warden's own SDK. The mutex is the lock recipe from recipes/ (loaded from
 * dist/ when it is there: until it lands on main, the mutex workload is skipped for Warden).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connect, NodeExistsError, type Client } from '../../sdk/index.js';
import { pathPrefixes, type BenchClient, type ClientOptions, type Mutex, type NodeMode } from './bench-client.js';
import { DIST } from './repo.js';

/** The lock recipe module's shape, as far as the benchmark uses it. */
interface LockRecipeModule {
  Lock?: new (client: Client, path: string) => { acquire(): Promise<unknown>; release(): Promise<unknown> };
}

const LOCK_MODULE = join(DIST, 'recipes', 'lock.js');

/** Why the Warden mutex cannot run, or undefined when it can. */
export function wardenLockMissing(): string | undefined {
  return existsSync(LOCK_MODULE) ? undefined : 'needs the lock recipe (recipes/lock, branch recipes)';
}

export class WardenBenchClient implements BenchClient {
  private constructor(private readonly client: Client) {}

  static async open(opts: ClientOptions): Promise<WardenBenchClient> {
    return new WardenBenchClient(await connect({ servers: opts.servers, sessionTimeoutMs: opts.sessionTimeoutMs, connectTimeoutMs: Math.max(opts.sessionTimeoutMs, 10_000) }));
  }

  get sessionId(): string {
    return this.client.sessionId.toString(16);
  }

  async create(path: string, data: Uint8Array, mode: NodeMode): Promise<string> {
    return (await this.client.create(path, data, { mode })).path;
  }

  async ensure(path: string): Promise<void> {
    for (const p of pathPrefixes(path)) {
      try {
        await this.client.create(p, null);
      } catch (e) {
        if (!(e instanceof NodeExistsError)) throw e;
      }
    }
  }

  delete(path: string): Promise<void> {
    return this.client.delete(path);
  }

  async getData(path: string): Promise<Uint8Array> {
    return (await this.client.getData(path)).data;
  }

  async setData(path: string, data: Uint8Array): Promise<void> {
    await this.client.setData(path, data);
  }

  async watchDeleted(path: string, onDeleted: () => void): Promise<boolean> {
    const stat = await this.client.exists(path, {
      watch: (e) => {
        if (e.type === 'NodeDeleted') onDeleted();
      },
    });
    return stat !== null;
  }

  async mutex(path: string): Promise<Mutex> {
    const missing = wardenLockMissing();
    if (missing) throw new Error(missing);
    const mod = (await import(pathToFileURL(LOCK_MODULE).href)) as LockRecipeModule;
    if (!mod.Lock) throw new Error(`${LOCK_MODULE} exports no Lock`);
    const lock = new mod.Lock(this.client, path);
    return {
      acquire: async () => {
        await lock.acquire();
      },
      release: async () => {
        await lock.release();
      },
    };
  }

  close(): Promise<void> {
    return this.client.close({ timeoutMs: 2000 });
  }
}
