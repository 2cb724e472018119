/**
 * Throwaway Warden servers for users' own tests (`warden/testing`, like Curator's
 * TestingServer/TestingCluster): start 1 or 3 real servers on free loopback ports in temp
 * dirs, kill one (kill -9), pause one (SIGSTOP), restart it, expire a client's session.
 * Started from the test process; every server is a child process killed by its own
 * handle, and `close()` removes the temp dirs.
 *
 * @example
 * import { startTestEnsemble, expireSession } from 'warden/testing';
 * const ensemble = await startTestEnsemble({ size: 1 });
 * const client = await connect({ servers: ensemble.connectString });
 * await expireSession(client, ensemble.connectString);   // ephemerals gone, client 'expired'
 * await ensemble.close();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, SessionExpiredError, type Client } from '../sdk/index.js';
import { writeScratchConfigs } from '../server/config/scratch-config.js';
import { intOption, knownKeys, optionsObject } from './validate.js';

const READY = /Warden listening for clients on (\S+):(\d+)/;

/** bin/warden.js of this package: two levels up from dist/recipes/ (one from recipes/ in source). */
function wardenBin(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const fromDist = join(here, '..', '..', 'bin', 'warden.js');
  return here.endsWith(join('dist', 'recipes')) ? fromDist : join(here, '..', 'bin', 'warden.js');
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** Options of {@link startTestEnsemble}. */
export interface TestEnsembleOptions {
  /** 1 (standalone) or 3 servers. @default 1 */
  size?: 1 | 3;
  /** zoo.cfg tickTime; session timeouts may range from 2 to 20 ticks. @default 200 */
  tickTimeMs?: number;
  /** How long to wait for each server to listen. @default 30000 */
  startTimeoutMs?: number;
}

/** One server of a test ensemble. */
export class TestServer {
  private child: ChildProcess | undefined;
  private exit: Promise<void> = Promise.resolve();
  private output = '';

  /** @internal */
  constructor(
    /** Its id (server.N); 1 when standalone. */
    readonly id: number,
    /** `127.0.0.1:<clientPort>`. */
    readonly address: string,
    private readonly config: string,
    private readonly startTimeoutMs: number,
  ) {}

  /** Whether its process is up: started and not exited or killed (a paused server counts as running). */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What it printed (last 64 KiB). */
  get log(): string {
    return this.output;
  }

  /** Starts it (again, on the same port and data). Resolves once it listens. */
  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    const child = spawn(process.execPath, [wardenBin(), 'start', '--foreground', '--config', this.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    live.add(this);
    this.exit = new Promise((resolve) => child.once('exit', () => resolve()));
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => finish(new Error(`test server ${this.id} not listening after ${this.startTimeoutMs} ms\n${this.output}`)), this.startTimeoutMs);
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) {
          child.kill('SIGKILL');
          reject(err);
        } else resolve();
      };
      const take = (b: Buffer): void => {
        this.output = (this.output + b.toString()).slice(-65536);
        if (READY.test(this.output)) finish();
      };
      child.stdout!.on('data', take);
      child.stderr!.on('data', take);
      child.once('exit', (code, signal) => finish(new Error(`test server ${this.id} exited (${code ?? signal}) before listening\n${this.output}`)));
    });
  }

  /** kill -9: a crash. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGCONT');
    this.child!.kill('SIGKILL');
    await this.exit;
    live.delete(this);
  }

  /** kill -9, then start again on the same data dir. */
  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** SIGSTOP: frozen, its sockets open, nothing answered. */
  pause(): void {
    if (this.running) this.child!.kill('SIGSTOP');
  }

  /** SIGCONT after pause(). */
  resume(): void {
    if (this.running) this.child!.kill('SIGCONT');
  }
}

const live = new Set<TestServer>();
process.once('exit', () => {
  for (const s of live) (s as unknown as { child?: ChildProcess }).child?.kill('SIGKILL');
});

/** What {@link startTestEnsemble} resolves with: the servers, where to connect, and cleanup. */
export interface TestEnsemble {
  /** Every server, in id order (`servers[0]` is server.1). */
  servers: TestServer[];
  /** For connect({ servers }). */
  connectString: string;
  /** Kills every server and removes the temp dirs. */
  close(): Promise<void>;
}

/**
 * Starts 1 or 3 fresh servers and resolves once all listen.
 * @example
 * import { startTestEnsemble } from 'warden/testing';
 * const ensemble = await startTestEnsemble({ size: 3 });
 * const client = await connect({ servers: ensemble.connectString });
 * await ensemble.servers[0]!.restart();   // kill -9, then start again on the same data dir
 * await ensemble.close();                 // kills every server, removes the temp dirs
 */
export async function startTestEnsemble(opts: TestEnsembleOptions = {}): Promise<TestEnsemble> {
  const o = optionsObject('startTestEnsemble()', opts);
  knownKeys('startTestEnsemble()', o, ['size', 'tickTimeMs', 'startTimeoutMs']);
  const size = intOption('startTestEnsemble()', o, 'size', 1, 1, 3);
  if (size !== 1 && size !== 3) throw new TypeError('startTestEnsemble(): option `size` must be 1 or 3');
  const tickTime = intOption('startTestEnsemble()', o, 'tickTimeMs', 200, 1);
  const startTimeoutMs = intOption('startTestEnsemble()', o, 'startTimeoutMs', 30_000, 1);
  const ports = await freePorts(size * 3);
  const members = Array.from({ length: size }, (_, i) => ({ id: i + 1, clientPort: ports[i * 3]!, quorumPort: ports[i * 3 + 1]!, electionPort: ports[i * 3 + 2]! }));
  const scratch = writeScratchConfigs(members, tickTime);
  const servers = members.map((m, i) => new TestServer(m.id, `127.0.0.1:${m.clientPort}`, scratch.configs[i]!, startTimeoutMs));
  const close = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.kill()));
    scratch.remove();
  };
  try {
    await Promise.all(servers.map((s) => s.start()));
  } catch (e) {
    await close();
    throw e;
  }
  return { servers, connectString: servers.map((s) => s.address).join(','), close };
}

/**
 * Ends `client`'s session at the server (Curator's KillSession): a second connection
 * resumes the session with its id and password and closes it. Resolves once `client`
 * itself has seen the expiry (its ephemerals are gone by then).
 */
export async function expireSession(client: Client, servers: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = intOption('expireSession()', optionsObject('expireSession()', opts), 'timeoutMs', 30_000, 1);
  if (client.state === 'expired' || client.state === 'closed') return;
  const expired = new Promise<void>((resolve) => {
    const off = client.on('state', (e) => {
      if (e.state === 'expired' || e.state === 'closed') {
        off();
        resolve();
      }
    });
  });
  let ended = false;
  void expired.then(() => (ended = true));
  const deadline = Date.now() + timeoutMs;
  // The twin's connect takes the stream from the client, which may resume the session again
  // before the twin's close is applied: then the close only ended the twin's stream, so
  // take the session over again, until the client sees its session end.
  while (!ended) {
    if (Date.now() >= deadline) throw new Error(`expireSession(): the client did not see its session end within ${timeoutMs} ms`);
    try {
      const twin = await connect({ servers, sessionId: client.sessionId, sessionPassword: client.sessionPassword, sessionTimeoutMs: client.sessionTimeoutMs });
      await twin.close();
    } catch (e) {
      // An earlier round did end it (the twin is refused); the client learns it below.
      if (!(e instanceof SessionExpiredError)) throw e;
    }
    // The client learns it on its next contact; a read makes that contact now.
    void client.exists('/').catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([expired, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(1, Math.min(1000, deadline - Date.now())))))]);
    clearTimeout(timer);
  }
}
