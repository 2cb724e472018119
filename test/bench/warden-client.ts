/**
 * BenchClient over Warden's own SDK. The mutex is Warden's lock recipe (recipes/ Mutex:
 * fair, fenced, every waiter watching only its predecessor).
 */
import { Mutex as MutexRecipe } from '../../recipes/index.js';
import type { LockHandle } from '../../recipes/index.js';
import { connect, NodeExistsError, type Client } from '../../sdk/index.js';
import { pathPrefixes, type BenchClient, type ClientOptions, type Mutex, type NodeMode } from './bench-client.js';

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
    await this.ensure(path);
    const recipe = new MutexRecipe(this.client, path);
    let held: LockHandle | undefined;
    return {
      acquire: async () => {
        held = await recipe.acquire();
      },
      release: async () => {
        const h = held;
        held = undefined;
        await h?.release();
      },
    };
  }

  close(): Promise<void> {
    return this.client.close({ timeoutMs: 2000 });
  }
}
