/**
 * A load-generator process (forked by the benchmark, one per `--procs`): it runs one job on
 * its own event loop, so that several workers together can load a server harder than one
 * Node process could. See protocol.ts for the conversation.
 */
import { performance } from 'node:perf_hooks';
import type { BenchClient } from './bench-client.js';
import { Histogram } from './histogram.js';
import { openClient } from './open-client.js';
import type { EphemeralJob, FromWorker, MeasuredResult, MutexJob, ThroughputJob, ToWorker, WriterJob } from './protocol.js';

function send(msg: FromWorker): void {
  process.send!(msg);
}

let onGo: () => void = () => undefined;
let onStop: () => void = () => undefined;
let onMark: (atMs: number) => void = () => undefined;
const go = new Promise<void>((r) => (onGo = r));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class Recorder {
  readonly hist = new Histogram();
  ops = 0;
  errors = 0;
  firstError: string | undefined;

  constructor(
    readonly measureFrom: number,
    readonly measureTo: number,
  ) {}

  /**
   * An op counts when it ends inside the window. Its latency is recorded when any part of it
   * lies inside the window, including one that began during the warm-up or ended after the
   * window (a stall across the boundary must show in p99.9, not vanish).
   */
  ok(started: number, ended: number): void {
    if (ended < this.measureFrom || started > this.measureTo) return;
    this.hist.record(ended - started);
    if (ended <= this.measureTo) this.ops++;
  }

  error(e: unknown): void {
    this.errors++;
    this.firstError ??= e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }

  result(): MeasuredResult {
    return { hist: this.hist.toJson(), ops: this.ops, errors: this.errors, ...(this.firstError ? { firstError: this.firstError } : {}) };
  }
}

async function openAll(job: { system: ThroughputJob['system']; servers: string; sessionTimeoutMs: number }, n: number): Promise<BenchClient[]> {
  return Promise.all(Array.from({ length: n }, () => openClient(job.system, { servers: job.servers, sessionTimeoutMs: job.sessionTimeoutMs })));
}

async function throughput(job: ThroughputJob): Promise<void> {
  const clients = await openAll(job, job.inFlightPerSession.length);
  const data = new Uint8Array(job.dataBytes).fill(0x61);
  const base = job.op === 'createDelete' ? '/bench/seq' : `/bench/${job.op}`;
  const nodes = clients.map((_, i) => `${base}/w${job.workerIndex}-s${i}`);
  await clients[0]!.ensure(base);
  if (job.op !== 'createDelete') {
    await Promise.all(nodes.map(async (p, i) => {
      await clients[i]!.ensure(p);
      await clients[i]!.setData(p, data);
    }));
  }
  send({ type: 'ready' });
  await go;
  const start = performance.now();
  const rec = new Recorder(start + job.warmupMs, start + job.warmupMs + job.durationMs);
  const loop = async (client: BenchClient, node: string): Promise<void> => {
    while (performance.now() < rec.measureTo) {
      try {
        if (job.op === 'setData') {
          const t0 = performance.now();
          await client.setData(node, data);
          rec.ok(t0, performance.now());
        } else if (job.op === 'getData') {
          const t0 = performance.now();
          await client.getData(node);
          rec.ok(t0, performance.now());
        } else {
          const t0 = performance.now();
          const path = await client.create(`${base}/n-`, data, 'persistentSequential');
          const t1 = performance.now();
          rec.ok(t0, t1);
          await client.delete(path);
          rec.ok(t1, performance.now());
        }
      } catch (e) {
        rec.error(e);
        await sleep(10);
      }
    }
  };
  const loops: Array<Promise<void>> = [];
  job.inFlightPerSession.forEach((n, i) => {
    for (let k = 0; k < n; k++) loops.push(loop(clients[i]!, nodes[i]!));
  });
  await Promise.all(loops);
  send({ type: 'result', result: rec.result() });
  await Promise.all(clients.map((c) => c.close()));
}

async function mutex(job: MutexJob): Promise<void> {
  const clients = await openAll(job, job.contenders);
  const locks = await Promise.all(clients.map((c) => c.mutex(job.lockPath)));
  send({ type: 'ready' });
  await go;
  const start = performance.now();
  const rec = new Recorder(start + job.warmupMs, start + job.warmupMs + job.durationMs);
  await Promise.all(
    locks.map(async (lock) => {
      while (performance.now() < rec.measureTo) {
        const t0 = performance.now();
        try {
          await lock.acquire();
          rec.ok(t0, performance.now());
          await lock.release();
        } catch (e) {
          rec.error(e);
          await sleep(10);
        }
      }
    }),
  );
  send({ type: 'result', result: rec.result() });
  await Promise.all(clients.map((c) => c.close()));
}

async function writer(job: WriterJob): Promise<void> {
  const [client] = await openAll(job, 1);
  const data = new Uint8Array(job.dataBytes).fill(0x62);
  const node = `/bench/writer/w${job.workerIndex}`;
  await client!.ensure(node);
  let stopped = false;
  onStop = () => (stopped = true);
  // Successes of the last few seconds, so that a `mark` that arrives late still finds the first write after it.
  let recent: Array<[number, number]> = [];
  let markMs: number | undefined;
  const check = (): void => {
    if (markMs === undefined) return;
    const first = recent.filter(([s]) => s >= markMs!).sort((a, b) => a[1] - b[1])[0];
    if (first) {
      send({ type: 'firstWrite', startMs: first[0], endMs: first[1] });
      markMs = undefined;
    }
  };
  onMark = (atMs) => {
    markMs = atMs;
    check();
  };
  send({ type: 'ready' });
  await go;
  await Promise.all(
    Array.from({ length: job.inFlight }, async () => {
      while (!stopped) {
        const startMs = Date.now();
        try {
          await client!.setData(node, data);
          recent.push([startMs, Date.now()]);
          if (recent.length > 50_000) recent = recent.slice(-25_000);
          check();
        } catch {
          await sleep(5);
        }
      }
    }),
  );
  send({ type: 'result', result: { hist: new Histogram().toJson(), ops: 0, errors: 0 } });
  await client!.close();
}

async function ephemeral(job: EphemeralJob): Promise<void> {
  const [client] = await openAll(job, 1);
  await client!.create(job.path, new Uint8Array(0), 'ephemeral');
  send({ type: 'ready' });
  // Stays until the benchmark kills this process: that death is what is measured.
  await new Promise<void>((r) => (onStop = r));
  await client!.close();
}

process.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'job': {
      const job = msg.job;
      const run = job.kind === 'throughput' ? throughput(job) : job.kind === 'mutex' ? mutex(job) : job.kind === 'writer' ? writer(job) : ephemeral(job);
      run.then(
        () => process.disconnect(),
        (e: Error) => {
          send({ type: 'failed', error: e.stack ?? e.message });
          process.disconnect();
        },
      );
      break;
    }
    case 'go':
      onGo();
      break;
    case 'mark':
      onMark(msg.atMs);
      break;
    case 'stop':
      onStop();
      break;
  }
});
