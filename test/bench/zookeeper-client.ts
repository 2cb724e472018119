/**
 * BenchClient over node-zookeeper-client, for runs against Apache ZooKeeper.
 *
 * The mutex is ZooKeeper's documented lock recipe (the one Curator's InterProcessMutex
 * implements): an ephemeral sequential node under the lock path, the lowest sequence holds,
 * every other waiter watches only its predecessor (no herd effect). node-zookeeper-client
 * ships no recipes, so the benchmark carries this one.
 */
import zookeeper, { type Client, type Exception } from 'node-zookeeper-client';
import { pathPrefixes, type BenchClient, type ClientOptions, type Mutex, type NodeMode } from './bench-client.js';

const MODES: Record<NodeMode, number> = {
  persistent: zookeeper.CreateMode.PERSISTENT,
  ephemeral: zookeeper.CreateMode.EPHEMERAL,
  persistentSequential: zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeralSequential: zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
};

function code(e: unknown): number | undefined {
  return e instanceof Error && typeof (e as Exception).getCode === 'function' ? (e as Exception).getCode() : undefined;
}

function call<T>(fn: (cb: (err: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

class ZkMutex implements Mutex {
  private mine: string | undefined;
  constructor(
    private readonly client: ZkBenchClient,
    private readonly dir: string,
  ) {}

  async acquire(): Promise<void> {
    const path = await this.client.create(`${this.dir}/lock-`, new Uint8Array(0), 'ephemeralSequential');
    const name = path.slice(this.dir.length + 1);
    this.mine = path;
    for (;;) {
      const children = (await this.client.children(this.dir)).filter((c) => c.startsWith('lock-')).sort();
      const at = children.indexOf(name);
      if (at < 0) throw new Error(`lock node ${path} vanished (session lost?)`);
      if (at === 0) return;
      const predecessor = `${this.dir}/${children[at - 1]}`;
      let wake!: () => void;
      const gone = new Promise<void>((r) => (wake = r));
      if (await this.client.watchDeleted(predecessor, wake)) await gone;
    }
  }

  async release(): Promise<void> {
    const path = this.mine;
    this.mine = undefined;
    if (path !== undefined) await this.client.delete(path);
  }
}

export class ZkBenchClient implements BenchClient {
  private constructor(private readonly zk: Client) {}

  static open(opts: ClientOptions): Promise<ZkBenchClient> {
    // spinDelay 50 ms: the same first reconnect delay as Warden's SDK, so failover compares servers, not client back-off.
    const zk = zookeeper.createClient(opts.servers, { sessionTimeout: opts.sessionTimeoutMs, spinDelay: 50, retries: 0 });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        zk.close();
        reject(new Error(`ZooKeeper client: not connected to ${opts.servers} after ${opts.sessionTimeoutMs} ms`));
      }, Math.max(opts.sessionTimeoutMs, 10_000));
      zk.once('connected', () => {
        clearTimeout(timer);
        resolve(new ZkBenchClient(zk));
      });
      zk.connect();
    });
  }

  get sessionId(): string {
    return this.zk.getSessionId().toString('hex');
  }

  create(path: string, data: Uint8Array, mode: NodeMode): Promise<string> {
    return call<string>((cb) => this.zk.create(path, Buffer.from(data.buffer, data.byteOffset, data.byteLength), MODES[mode], cb));
  }

  async ensure(path: string): Promise<void> {
    for (const p of pathPrefixes(path)) {
      try {
        await this.create(p, new Uint8Array(0), 'persistent');
      } catch (e) {
        if (code(e) !== zookeeper.Exception.NODE_EXISTS) throw e;
      }
    }
  }

  delete(path: string): Promise<void> {
    return new Promise((resolve, reject) => this.zk.remove(path, -1, (err) => (err ? reject(err) : resolve())));
  }

  getData(path: string): Promise<Uint8Array> {
    return new Promise((resolve, reject) => this.zk.getData(path, (err, data) => (err ? reject(err) : resolve(data ?? new Uint8Array(0)))));
  }

  async setData(path: string, data: Uint8Array): Promise<void> {
    await call((cb) => this.zk.setData(path, Buffer.from(data.buffer, data.byteOffset, data.byteLength), -1, cb));
  }

  children(path: string): Promise<string[]> {
    return call<string[]>((cb) => this.zk.getChildren(path, cb));
  }

  async watchDeleted(path: string, onDeleted: () => void): Promise<boolean> {
    const stat = await call<unknown>((cb) =>
      this.zk.exists(
        path,
        (event) => {
          if (event.getType() === zookeeper.Event.NODE_DELETED) onDeleted();
        },
        cb,
      ),
    );
    return stat !== null && stat !== undefined;
  }

  async mutex(path: string): Promise<Mutex> {
    await this.ensure(path);
    return new ZkMutex(this, path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.zk.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      this.zk.close();
    });
  }
}
