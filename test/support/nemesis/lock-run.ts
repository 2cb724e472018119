/**
 * The lock part of a fault run: holders of Warden's Mutex in their own processes write to a
 * fencing resource (FencedResource, in this process) with their token, while the nemesis
 * SIGSTOPs holders past their session timeout. The fenced resource must accept no
 * overlapping critical sections; an unfenced twin fed the same writes shows how many the
 * lock alone would have let through.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { checkLock, FencedResource } from '../checker/index.js';
import type { Random } from '../random.js';

export interface LockReport {
  acquisitions: number;
  acceptedOverlaps: number;
  unfencedOverlaps: number;
  refused: number;
  pauses: number;
  errors: string[];
}

const WORKER = new URL('./lock-worker.mjs', import.meta.url);

// A test worker that dies must not leave holders behind.
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
});

export class LockRun {
  private readonly children: ChildProcess[] = [];
  private readonly byName = new Map<string, ChildProcess>();
  /** holders that said "acquired" and not yet "released" */
  private readonly holding = new Set<string>();
  private readonly fenced = new FencedResource(true);
  private readonly unfenced = new FencedResource(false);
  private acquisitions = 0;
  private pauses = 0;
  private readonly errors: string[] = [];

  constructor(
    private readonly servers: string,
    private readonly rnd: Random,
    private readonly sessionTimeoutMs = 1500,
  ) {}

  start(holders: number): void {
    for (let i = 0; i < holders; i++) {
      const child = spawn(process.execPath, [WORKER.pathname, this.servers, '/lock', `h${i}`, String(this.sessionTimeoutMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.push(child);
      this.byName.set(`h${i}`, child);
      started.add(child);
      child.once('exit', () => started.delete(child));
      createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
      child.stderr!.on('data', (d: Buffer) => {
        if (this.errors.length < 10) this.errors.push(d.toString().slice(0, 300));
      });
    }
  }

  private onLine(line: string): void {
    let m: { name: string; t: string; token?: string; error?: string };
    try {
      m = JSON.parse(line) as typeof m;
    } catch {
      return;
    }
    if (m.t === 'acquired') {
      this.acquisitions++;
      this.holding.add(m.name);
    }
    if (m.t === 'released') this.holding.delete(m.name);
    if (m.t === 'error' && this.errors.length < 10) this.errors.push(`${m.name}: ${m.error}`);
    if (m.t === 'write' && m.token !== undefined) {
      const token = BigInt(m.token);
      const at = performance.now();
      this.fenced.write(m.name, token, at);
      this.unfenced.write(m.name, token, at);
    }
  }

  /**
   * Pauses the process that holds the lock now (or any, if none does) for longer than its
   * session timeout, then lets it go on: it wakes up believing it still holds the lock.
   */
  async pauseOne(): Promise<void> {
    const live = this.children.filter((c) => c.exitCode === null && c.pid !== undefined);
    if (live.length === 0) return;
    const holders = [...this.holding].map((n) => this.byName.get(n)!).filter((c) => live.includes(c));
    const victim = this.rnd.pick(holders.length > 0 ? holders : live);
    this.pauses++;
    victim.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, this.sessionTimeoutMs * 2 + this.rnd.int(0, 1000)));
    victim.kill('SIGCONT');
  }

  async stop(): Promise<LockReport> {
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const t = setTimeout(() => c.kill('SIGKILL'), 8000);
            c.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            c.kill('SIGCONT');
            c.kill('SIGTERM');
          }),
      ),
    );
    const f = checkLock(this.fenced.log);
    const u = checkLock(this.unfenced.log);
    return { acquisitions: this.acquisitions, acceptedOverlaps: f.overlaps, unfencedOverlaps: u.overlaps, refused: f.refused, pauses: this.pauses, errors: this.errors };
  }
}
