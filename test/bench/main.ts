/**
 * `npm run bench`: starts its own servers (standalone and a 3-member ensemble on loopback,
 * temp data dirs, forceSync=yes), runs each workload for a fixed time after a warm-up,
 * prints a table, writes JSON, and stops every process it started. With `--against
 * zookeeper` the same workloads run against Apache ZooKeeper 3.8 and the table gains the
 * Warden/ZooKeeper ratio. A workload that needs a part of Warden not built yet is reported
 * as "skipped: needs X", never faked.
 *
 * Order: per topology, both systems' servers start fresh, then each workload runs on Warden and
 * right after on ZooKeeper; start-up and memory use a fresh standalone server of their own.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { launchCluster, type Cluster, type ClusterSpec, type SystemKind, type Topology } from './cluster.js';
import { parseOptions, USAGE, type BenchOptions, type WorkloadName } from './options.js';
import { killAll, startedPids } from './proc.js';
import { machine, ratios, table } from './report.js';
import type { Row } from './result.js';
import { wardenLauncher } from './warden-launcher.js';
import { killAllWorkers, workerPids } from './workers.js';
import { expiry, failover, mutex, startupAndMemory, throughput, type Ctx } from './workloads.js';
import { zookeeperLauncher, zookeeperMissing } from './zookeeper-launcher.js';

const ENSEMBLE_MISSING = 'needs the replicated ensemble (server/zab, branch zab): the servers ran as standalone';

function log(text: string): void {
  process.stderr.write(`[bench] ${text}\n`);
}

function skipped(system: SystemKind, topology: Topology, workloads: readonly string[], reason: string): Row[] {
  return workloads.map((workload) => ({ system, topology, workload, status: 'skipped', reason }));
}

function rowsFor(w: WorkloadName): string[] {
  return w === 'startup' ? ['startup', 'memory'] : [w];
}

async function startCluster(opts: BenchOptions, root: string, system: SystemKind, topology: Topology): Promise<Cluster> {
  const spec: ClusterSpec = { system, topology, root, tickMs: opts.tickMs, startTimeoutMs: 60_000, zkHeapMb: opts.zkHeapMb };
  return launchCluster(spec, system === 'warden' ? wardenLauncher(opts.wardenNodeArgs) : zookeeperLauncher(opts.zkHeapMb));
}

/**
 * Whether a 3-member Warden ensemble really replicates: members that each say "standalone"
 * (a build that ignores server.N lines) must not be benchmarked as an ensemble.
 */
async function ensembleMissing(cluster: Cluster): Promise<string | undefined> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const modes = await Promise.all(cluster.members.map((m) => cluster.mode(m)));
    if (modes.includes('standalone')) return ENSEMBLE_MISSING;
    if (modes.every((m) => m === 'leader' || m === 'follower')) return undefined;
    if (Date.now() > deadline) return `needs the replicated ensemble: no leader after 30 s (modes: ${modes.join(', ')})`;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function runOne(ctx: Ctx, w: WorkloadName): Promise<Row[]> {
  const m = /^(setData|getData|createDelete)-(\d+)$/.exec(w);
  if (m) return throughput(ctx, m[1] as 'setData' | 'getData' | 'createDelete', Number(m[2]));
  if (w === 'mutex-8') return mutex(ctx, 8);
  if (w === 'failover') return failover(ctx);
  if (w === 'expiry') return expiry(ctx);
  throw new Error(`workload ${w} has no runner`);
}

/**
 * One topology: every system's cluster starts (an idle server costs next to no CPU), then each
 * workload runs on Warden and at once on ZooKeeper, so that both meet about the same load
 * from the rest of the machine and the ratio is fair even on a shared, noisy host.
 */
async function runTopology(opts: BenchOptions, root: string, systems: readonly SystemKind[], topology: Topology): Promise<Row[]> {
  const rows: Row[] = [];
  const wanted = opts.workloads.filter((w) => w !== 'startup' && !(w === 'failover' && topology === 'standalone'));
  if (wanted.length > 0) {
    const clusters = new Map<SystemKind, Cluster>();
    try {
      for (const system of systems) {
        log(`${system} ${topology}: starting`);
        const cluster = await startCluster(opts, root, system, topology);
        const missing = system === 'warden' && topology === 'ensemble' ? await ensembleMissing(cluster) : undefined;
        if (missing) {
          rows.push(...skipped(system, topology, wanted, missing));
          await cluster.stop();
          continue;
        }
        clusters.set(system, cluster);
        await cluster.waitServing();
      }
      for (const w of wanted) {
        for (const [system, cluster] of clusters) {
          log(`${system} ${topology}: ${w}`);
          try {
            rows.push(...(await runOne({ cluster, opts }, w)));
          } catch (e) {
            rows.push({ system, topology, workload: w, status: 'failed', reason: (e as Error).message.split('\n')[0]! });
            log(`${system} ${topology}: ${w} failed: ${(e as Error).stack ?? String(e)}`);
            await cluster.waitServing().catch(() => undefined);
          }
        }
      }
    } finally {
      await Promise.all([...clusters.values()].map((c) => c.stop()));
    }
  }
  if (topology === 'standalone' && opts.workloads.includes('startup')) {
    for (const system of systems) rows.push(...(await runStartup(opts, root, system)));
  }
  return rows;
}

/** Start-up and memory, on a fresh standalone server of their own. */
async function runStartup(opts: BenchOptions, root: string, system: SystemKind): Promise<Row[]> {
  log(`${system} standalone: startup and memory with ${opts.znodes} znodes`);
  const cluster = await startCluster(opts, root, system, 'standalone');
  try {
    await cluster.waitServing();
    return await startupAndMemory({ cluster, opts });
  } catch (e) {
    log(`${system} startup failed: ${(e as Error).stack ?? String(e)}`);
    return rowsFor('startup').map((workload): Row => ({ system, topology: 'standalone', workload, status: 'failed', reason: (e as Error).message.split('\n')[0]! }));
  } finally {
    await cluster.stop();
  }
}

export async function run(argv: readonly string[]): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseOptions(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const systems: SystemKind[] = ['warden'];
  if (opts.againstZookeeper) {
    const missing = zookeeperMissing();
    if (missing) {
      process.stderr.write(`--against zookeeper: ${missing}\n`);
      return 2;
    }
    systems.push('zookeeper');
  }
  const root = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const onSignal = (): void => {
    void Promise.all([killAll(), killAllWorkers()]).finally(() => {
      if (!opts.keep) rmSync(root, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const startedAt = new Date().toISOString();
  const machineAtStart = machine();
  const rows: Row[] = [];
  try {
    for (const topology of opts.topologies) {
      rows.push(...(await runTopology(opts, root, systems, topology)));
    }
  } finally {
    await Promise.all([killAll(), killAllWorkers()]);
    if (opts.keep) log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const file = resolve(opts.jsonFile ?? join('bench-results', `bench-${startedAt.replace(/[:.]/g, '-')}.json`));
  mkdirSync(dirname(file), { recursive: true });
  const doc = { startedAt, finishedAt: new Date().toISOString(), machine: machineAtStart, loadAverageAtEnd1m: machine().loadAverage1m, options: opts, rows, ratios: ratios(rows), pids: { servers: startedPids, workers: workerPids } };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(`${table(rows, opts)}\n\nmachine: ${JSON.stringify(machineAtStart)}\nJSON: ${file}\n`);
  return rows.some((r) => r.status === 'failed') ? 1 : 0;
}
