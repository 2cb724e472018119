/**
 * A real `warden start --foreground --config <file>` process and a handle on it: wait until it listens,
 * kill -9 it, SIGSTOP/SIGCONT it, stop it gracefully, restart it on the same config (same
 * port, same data dir). Every handle is registered; `killAllServers()` in afterEach/afterAll
 * kills each live one by its own pid, so no test ever kills processes by name.
 *
 * Readiness is the stdout line "Warden listening for clients on host:port" that the CLI
 * prints once the server serves. Output is kept (bounded) so a failed wait can show it.
 * The server runs from dist/ (npm run build first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(REPO, 'bin', 'warden.js');
const READY = /Warden listening for clients on (\S+):(\d+)/;
const OUTPUT_KEEP_CHARS = 64 * 1024;

export interface ServerProcessOptions {
  /** zoo.cfg to start with (`warden start --config`). */
  config: string;
  /** Label in errors and output. @default the config path */
  name?: string;
  /** WARDEN_LOG_LEVEL for the child. @default 'info' */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Extra environment for the child. */
  env?: Record<string, string>;
  /** How long to wait for the listening line. @default 30000 */
  startTimeoutMs?: number;
  /** Extra CLI arguments after `start --config <file>`. */
  args?: string[];
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ServerProcess>();

export class ServerProcess {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  private out = '';
  private listenHost = '';
  private listenPort = 0;
  private paused = false;

  private constructor(readonly opts: ServerProcessOptions) {}

  /** Spawns the server and resolves once it listens for clients. */
  static async start(opts: ServerProcessOptions): Promise<ServerProcess> {
    if (!existsSync(join(REPO, 'dist', 'server', 'cli', 'main.js'))) {
      throw new Error('dist/ is missing: run "npm run build" before integration tests');
    }
    const p = new ServerProcess(opts);
    await p.spawn();
    return p;
  }

  get name(): string {
    return this.opts.name ?? this.opts.config;
  }

  /** Host the server said it listens on (0.0.0.0 / :: reported as loopback). */
  get host(): string {
    return this.listenHost === '0.0.0.0' || this.listenHost === '::' || this.listenHost === '' ? '127.0.0.1' : this.listenHost;
  }

  get port(): number {
    return this.listenPort;
  }

  /** `host:port` for an SDK connect string. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when the current process exits. */
  get exited(): Promise<Exit> {
    return this.exitPromise;
  }

  /** Everything the process printed (stdout and stderr interleaved, last 64 KiB), across restarts. */
  output(): string {
    return this.out;
  }

  private append(text: string): void {
    this.out += text;
    if (this.out.length > OUTPUT_KEEP_CHARS) this.out = this.out.slice(-OUTPUT_KEEP_CHARS);
  }

  private spawn(): Promise<void> {
    const child = spawn(process.execPath, [BIN, 'start', '--foreground', '--config', this.opts.config, ...(this.opts.args ?? [])], {
      cwd: REPO,
      env: { ...process.env, WARDEN_LOG_LEVEL: this.opts.logLevel ?? 'info', ...this.opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.paused = false;
    live.add(this);
    this.exitPromise = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.child === child) live.delete(this);
        resolve({ code, signal });
      });
    });
    const timeoutMs = this.opts.startTimeoutMs ?? 30_000;
    return new Promise<void>((resolve, reject) => {
      let pending = '';
      let done = false;
      const timer = setTimeout(() => fail(new Error(`${this.name}: not listening after ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`${err.message}\n--- output ---\n${this.out}`));
      };
      child.stdout!.setEncoding('utf8');
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (s: string) => this.append(s));
      child.stdout!.on('data', (s: string) => {
        this.append(s);
        if (done) return;
        pending += s;
        const m = READY.exec(pending);
        if (m) {
          done = true;
          clearTimeout(timer);
          this.listenHost = m[1]!.replace(/^\[|\]$/g, '');
          this.listenPort = Number(m[2]);
          resolve();
        }
      });
      child.once('error', (e) => fail(e));
      child.once('exit', (code, signal) => fail(new Error(`${this.name}: exited before listening (code ${code}, signal ${signal})`)));
    });
  }

  /** Sends `signal` (default SIGKILL: a crash) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    const child = this.child;
    if (!child || !this.running) return this.exitPromise;
    if (this.paused && signal !== 'SIGKILL') child.kill('SIGCONT');
    child.kill(signal);
    return this.exitPromise;
  }

  /** Graceful stop (SIGTERM), killed after `graceMs` if it hangs. */
  async stop(graceMs = 10_000): Promise<Exit> {
    if (!this.running) return this.exitPromise;
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    try {
      return await this.kill('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGSTOP: the process freezes (its sockets stay open, nothing answers). */
  pause(): void {
    if (!this.running) throw new Error(`${this.name} is not running`);
    this.child!.kill('SIGSTOP');
    this.paused = true;
  }

  /** SIGCONT after pause(). */
  resume(): void {
    if (!this.running) throw new Error(`${this.name} is not running`);
    this.child!.kill('SIGCONT');
    this.paused = false;
  }

  /**
   * Starts the server again with the same config (same port and data dir), first killing
   * the running process with `signal` if there is one. Resolves once it listens again.
   */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    await this.spawn();
  }
}

/** Kills (SIGKILL) every server process started through this module that still runs. */
export async function killAllServers(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill('SIGKILL')));
}

// A test runner worker that dies must not leave servers behind.
process.once('exit', () => {
  for (const p of live) if (p.pid !== undefined) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
