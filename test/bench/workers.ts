/**
 * The parent's side of the load-generator processes: fork a worker, hand it a job, wait for
 * what it says. Every worker is killed by its handle when the job ends or the benchmark
 * exits, whatever state it is in.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, Job, MeasuredResult, ToWorker } from './protocol.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));
const live = new Set<Worker>();
/** Every worker pid ever started, so that a test can check none outlives the benchmark. */
export const workerPids: number[] = [];

export class Worker {
  private readonly child: ChildProcess;
  private readonly inbox: FromWorker[] = [];
  private waiters: Array<() => void> = [];
  private exited = false;
  readonly exit: Promise<void>;

  constructor(readonly job: Job) {
    this.child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    live.add(this);
    if (this.child.pid !== undefined) workerPids.push(this.child.pid);
    this.child.on('message', (m: FromWorker) => {
      this.inbox.push(m);
      this.wake();
    });
    this.exit = new Promise((resolve) =>
      this.child.once('exit', () => {
        this.exited = true;
        live.delete(this);
        this.wake();
        resolve();
      }),
    );
    this.send({ type: 'job', job });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(msg: ToWorker): void {
    if (!this.exited && this.child.connected) this.child.send(msg);
  }

  /** The next message of `type` (a `failed` message or an exit rejects). */
  async next<T extends FromWorker['type']>(type: T, timeoutMs: number): Promise<Extract<FromWorker, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.inbox.findIndex((m) => m.type === type || m.type === 'failed');
      if (at >= 0) {
        const [m] = this.inbox.splice(at, 1);
        if (m!.type === 'failed') throw new Error(`load-generator worker failed: ${m!.error}`);
        return m as Extract<FromWorker, { type: T }>;
      }
      if (this.exited) throw new Error(`load-generator worker exited before "${type}"`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`load-generator worker: no "${type}" in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** kill -9: for the expiry workload this is the client's death being measured. */
  async kill(): Promise<void> {
    if (!this.exited) this.child.kill('SIGKILL');
    await this.exit;
  }
}

/** Starts the workers, waits until all are ready, says go to all at once. */
export async function startTogether(jobs: Job[], readyTimeoutMs: number): Promise<Worker[]> {
  const workers = jobs.map((j) => new Worker(j));
  try {
    await Promise.all(workers.map((w) => w.next('ready', readyTimeoutMs)));
  } catch (e) {
    await Promise.all(workers.map((w) => w.kill()));
    throw e;
  }
  for (const w of workers) w.send({ type: 'go' });
  return workers;
}

/** Waits for every worker's result, then kills them all (also when one fails). */
export async function collect(workers: Worker[], timeoutMs: number): Promise<MeasuredResult[]> {
  try {
    return await Promise.all(workers.map(async (w) => (await w.next('result', timeoutMs)).result));
  } finally {
    await Promise.all(workers.map((w) => w.kill()));
  }
}

export async function killAllWorkers(): Promise<void> {
  await Promise.all([...live].map((w) => w.kill()));
}

process.once('exit', () => {
  for (const w of live) void w.kill();
});
