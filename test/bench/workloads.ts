/**
 * The workloads, each written once against `Cluster` and `BenchClient` so that Warden and
 * ZooKeeper run exactly the same thing. Each returns its table rows; what a number means is
 * said in the row's `note` when it is not plain.
 */
import { performance } from 'node:perf_hooks';
import type { Cluster } from './cluster.js';
import { Histogram } from './histogram.js';
import { openClient } from './open-client.js';
import type { BenchOptions } from './options.js';
import type { Job, MeasuredResult, ThroughputOp } from './protocol.js';
import { median, MiB, type Row } from './result.js';
import { collect, startTogether, Worker } from './workers.js';

const READY_TIMEOUT_MS = 60_000;
export const THROUGHPUT_SESSIONS = 4;

export interface Ctx {
  cluster: Cluster;
  opts: BenchOptions;
}

function rowBase(ctx: Ctx, workload: string): Pick<Row, 'system' | 'topology' | 'workload'> {
  return { system: ctx.cluster.system, topology: ctx.cluster.spec.topology, workload };
}

/** Tracks the largest RSS of any member while `fn` runs. */
async function watchingRss<T>(cluster: Cluster, fn: () => Promise<T>): Promise<{ value: T; rssMiB: number }> {
  let max = 0;
  const sample = (): void => {
    for (const b of cluster.rssBytes()) max = Math.max(max, b);
  };
  const timer = setInterval(sample, 250);
  try {
    const value = await fn();
    sample();
    return { value, rssMiB: max / MiB };
  } finally {
    clearInterval(timer);
  }
}

function merged(results: MeasuredResult[], durationMs: number): Omit<Row, 'system' | 'topology' | 'workload' | 'status'> {
  const h = new Histogram();
  let errors = 0;
  let firstError: string | undefined;
  for (const r of results) {
    h.merge(r.hist);
    errors += r.errors;
    firstError ??= r.firstError;
  }
  let ops = 0;
  for (const r of results) ops += r.ops;
  return {
    opsPerSec: ops / (durationMs / 1000),
    p50Ms: h.percentile(0.5),
    p99Ms: h.percentile(0.99),
    p999Ms: h.percentile(0.999),
    ops,
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

/** Spreads `total` over `parts` as evenly as possible, the first parts taking the remainder. */
function spread(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

function servers(ctx: Ctx): string {
  return ctx.cluster.connectString();
}

/** setData / getData / create+delete with `inFlight` requests outstanding over 4 sessions. */
export async function throughput(ctx: Ctx, op: ThroughputOp, inFlight: number): Promise<Row[]> {
  const { opts } = ctx;
  const perSession = spread(inFlight, THROUGHPUT_SESSIONS);
  const procs = Math.min(opts.procs, THROUGHPUT_SESSIONS);
  const jobs: Job[] = Array.from({ length: procs }, (_, w) => ({
    kind: 'throughput',
    system: ctx.cluster.system,
    servers: servers(ctx),
    sessionTimeoutMs: 30_000,
    workerIndex: w,
    op,
    inFlightPerSession: perSession.filter((_, s) => s % procs === w),
    dataBytes: op === 'createDelete' ? 0 : opts.dataBytes,
    warmupMs: opts.warmupMs,
    durationMs: opts.durationMs,
  }));
  const { value: results, rssMiB } = await watchingRss(ctx.cluster, async () => {
    const workers = await startTogether(jobs, READY_TIMEOUT_MS);
    return collect(workers, opts.warmupMs + opts.durationMs + 60_000);
  });
  const note =
    op === 'createDelete'
      ? 'each create of a persistent sequential node and each delete of it counts as one op'
      : `${opts.dataBytes} B values, one node per session`;
  return [{ ...rowBase(ctx, `${op}-${inFlight}`), status: 'ok', ...merged(results, opts.durationMs), serverRssMiB: rssMiB, note }];
}

/** 8 sessions contend for one lock; acquire, release at once, again. Latency = wait to acquire. */
export async function mutex(ctx: Ctx, contenders: number): Promise<Row[]> {
  const { opts } = ctx;
  const procs = Math.min(opts.procs, contenders);
  const jobs: Job[] = spread(contenders, procs).map((n, w) => ({
    kind: 'mutex',
    system: ctx.cluster.system,
    servers: servers(ctx),
    sessionTimeoutMs: 30_000,
    workerIndex: w,
    contenders: n,
    lockPath: '/bench/mutex',
    warmupMs: opts.warmupMs,
    durationMs: opts.durationMs,
  }));
  const { value: results, rssMiB } = await watchingRss(ctx.cluster, async () => {
    const workers = await startTogether(jobs, READY_TIMEOUT_MS);
    return collect(workers, opts.warmupMs + opts.durationMs + 60_000);
  });
  return [
    {
      ...rowBase(ctx, `mutex-${contenders}`),
      status: 'ok',
      ...merged(results, opts.durationMs),
      serverRssMiB: rssMiB,
      note: 'ops/s = acquisitions/s; latencies = wait from asking to holding',
    },
  ];
}

/**
 * kill -9 the leader while writers keep 16 setData in flight (over all members); the time
 * from the kill to the first write that was sent after the kill and succeeded. Then the
 * killed member restarts and the ensemble settles before the next trial.
 */
export async function failover(ctx: Ctx): Promise<Row[]> {
  const { cluster, opts } = ctx;
  const procs = Math.max(1, Math.min(opts.procs, 16));
  const jobs: Job[] = spread(16, procs).map((n, w) => ({
    kind: 'writer',
    system: cluster.system,
    servers: servers(ctx),
    sessionTimeoutMs: 30_000,
    workerIndex: w,
    inFlight: n,
    dataBytes: opts.dataBytes,
  }));
  const samples: number[] = [];
  const { rssMiB } = await watchingRss(cluster, async () => {
    const workers = await startTogether(jobs, READY_TIMEOUT_MS);
    try {
      await new Promise((r) => setTimeout(r, Math.max(1000, opts.warmupMs)));
      for (let t = 0; t < opts.trials; t++) {
        const leader = await cluster.leader();
        const atMs = Date.now();
        await leader.proc.kill();
        for (const w of workers) w.send({ type: 'mark', atMs });
        const firsts = await Promise.allSettled(workers.map((w) => w.next('firstWrite', 60_000)));
        const ends = firsts.flatMap((f) => (f.status === 'fulfilled' ? [f.value.endMs] : []));
        if (ends.length === 0) throw new Error('no write succeeded within 60 s of killing the leader');
        samples.push(Math.min(...ends) - atMs);
        await cluster.restart(leader);
        await new Promise((r) => setTimeout(r, 1000));
      }
      for (const w of workers) w.send({ type: 'stop' });
    } finally {
      await Promise.all(workers.map((w) => w.kill()));
    }
  });
  return [
    {
      ...rowBase(ctx, 'failover'),
      status: 'ok',
      value: median(samples),
      unit: 'ms',
      samples,
      serverRssMiB: rssMiB,
      note: 'kill -9 of the leader to the first successful write sent after it (median of trials)',
    },
  ];
}

/**
 * A client process holding an ephemeral node is killed; another session's exists-watch
 * sees the node deleted. Expected: about the session timeout.
 */
export async function expiry(ctx: Ctx): Promise<Row[]> {
  const { cluster, opts } = ctx;
  const watcher = await openClient(cluster.system, { servers: servers(ctx), sessionTimeoutMs: 30_000 });
  const samples: number[] = [];
  try {
    await watcher.ensure('/bench/expiry');
    for (let t = 0; t < opts.trials; t++) {
      const path = `/bench/expiry/e-${t}-${Date.now()}`;
      const w = new Worker({ kind: 'ephemeral', system: cluster.system, servers: servers(ctx), sessionTimeoutMs: opts.sessionTimeoutMs, workerIndex: t, path });
      try {
        await w.next('ready', READY_TIMEOUT_MS);
        let deleted!: () => void;
        const gone = new Promise<void>((r) => (deleted = r));
        if (!(await watcher.watchDeleted(path, deleted))) throw new Error(`${path} does not exist after the client said ready`);
        const t0 = performance.now();
        await w.kill();
        await Promise.race([gone, new Promise((_, reject) => setTimeout(() => reject(new Error(`${path} not deleted within 60 s of its client's death`)), 60_000))]);
        samples.push(performance.now() - t0);
      } finally {
        await w.kill();
      }
    }
  } finally {
    await watcher.close();
  }
  return [
    {
      ...rowBase(ctx, 'expiry'),
      status: 'ok',
      value: median(samples),
      unit: 'ms',
      samples,
      serverRssMiB: Math.max(0, ...cluster.rssBytes()) / MiB,
      note: `client kill -9 to the watcher seeing its ephemeral deleted, session timeout ${opts.sessionTimeoutMs} ms (median)`,
    },
  ];
}

/**
 * Fills a standalone server with `znodes` znodes, then measures (a) its start-up time from
 * spawn to serving after a kill -9, with them all on disk, and (b) its memory: RSS of the
 * recovered server minus RSS of a fresh empty one, scaled to 100k znodes.
 */
export async function startupAndMemory(ctx: Ctx): Promise<Row[]> {
  const { cluster, opts } = ctx;
  const m = cluster.members[0]!;
  const emptyRss = m.proc.rssBytes() ?? 0;
  const client = await openClient(cluster.system, { servers: servers(ctx), sessionTimeoutMs: 30_000 });
  const data = new Uint8Array(32).fill(0x63);
  try {
    await client.ensure('/bench/mem');
    let next = 0;
    await Promise.all(
      Array.from({ length: 128 }, async () => {
        for (let i = next++; i < opts.znodes; i = next++) await client.create(`/bench/mem/n${i}`, data, 'persistent');
      }),
    );
  } finally {
    await client.close();
  }
  const filledRss = m.proc.rssBytes() ?? 0;
  const samples: number[] = [];
  for (let t = 0; t < opts.trials; t++) {
    await m.proc.kill();
    m.proc.start();
    await cluster.waitServing(120_000);
    samples.push(performance.now() - m.proc.spawnedAt);
  }
  // Let the recovered server settle (start-up snapshot, GC) before reading its memory.
  await new Promise((r) => setTimeout(r, 2000));
  const recoveredRss = m.proc.rssBytes() ?? 0;
  const per100k = ((recoveredRss - emptyRss) / MiB) * (100_000 / opts.znodes);
  return [
    {
      ...rowBase(ctx, 'startup'),
      status: 'ok',
      value: median(samples),
      unit: 'ms',
      samples,
      serverRssMiB: recoveredRss / MiB,
      note: `spawn to serving after kill -9, ${opts.znodes} znodes of 32 B on disk (median)`,
    },
    {
      ...rowBase(ctx, 'memory'),
      status: 'ok',
      value: per100k,
      unit: 'MiB',
      serverRssMiB: recoveredRss / MiB,
      note: `RSS per 100k znodes: recovered server (${(recoveredRss / MiB).toFixed(0)} MiB) minus empty server (${(emptyRss / MiB).toFixed(0)} MiB); just after filling: ${(filledRss / MiB).toFixed(0)} MiB`,
    },
  ];
}
