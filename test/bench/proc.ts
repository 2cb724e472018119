/**
 * A server process the benchmark started: spawn, wait until it is ready, read its resident
 * memory, kill -9 it, stop it. Every handle is registered so that `killAll()` (also run on
 * exit and on SIGINT/SIGTERM of the benchmark) kills each live one by its own pid: the
 * benchmark never leaves a server behind and never kills anything by name.
 *
 * Output goes to a log file in the server's temp dir (a pipe that nobody drains would stall
 * a chatty JVM); Warden's readiness line is read from that file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface ProcSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env?: Record<string, string>;
  /** stdout+stderr go here (appended across restarts). */
  logFile: string;
}

const live = new Set<Proc>();
/** Every server pid ever started, so that a test can check none outlives the benchmark. */
export const startedPids: number[] = [];

export class Proc {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<void> = Promise.resolve();
  /** performance.now() when the current process was spawned. */
  spawnedAt = 0;

  constructor(readonly spec: ProcSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`${this.spec.name} is already running`);
    const fd = openSync(this.spec.logFile, 'a');
    try {
      const child = spawn(this.spec.command, this.spec.args, {
        cwd: this.spec.cwd,
        env: { ...process.env, ...this.spec.env },
        stdio: ['ignore', fd, fd],
      });
      this.child = child;
      if (child.pid !== undefined) startedPids.push(child.pid);
      this.spawnedAt = performance.now();
      live.add(this);
      this.exitPromise = new Promise<void>((resolve) => {
        child.once('exit', () => {
          if (this.child === child) live.delete(this);
          resolve();
        });
        child.once('error', () => resolve());
      });
    } finally {
      closeSync(fd);
    }
  }

  /** Everything the process wrote so far (all runs). */
  output(): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Resident set size in bytes (from /proc), or undefined when not running. */
  rssBytes(): number | undefined {
    if (!this.running || this.pid === undefined) return undefined;
    try {
      const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  /** kill -9 (a crash) and wait for the exit. */
  async kill(): Promise<void> {
    if (this.running) this.child!.kill('SIGKILL');
    await this.exitPromise;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return this.exitPromise;
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    this.child!.kill('SIGTERM');
    await this.exitPromise;
    clearTimeout(timer);
  }
}

export async function killAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()));
}

/** Synchronous last resort when the benchmark itself exits. */
export function killAllSync(): void {
  for (const p of live) {
    if (p.pid === undefined) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

process.once('exit', killAllSync);
