/**
 * The benchmark's command line. Every option is checked up front and a bad one names itself.
 *
 *   npm run bench -- [--against zookeeper] [--workloads a,b] [--topologies standalone,ensemble]
 *                    [--warmup 3] [--duration 10] [--procs 2] [--data-bytes 128] [--znodes 100000]
 *                    [--trials 3] [--session-timeout-ms 4000] [--tick-ms 2000] [--json file]
 *                    [--zk-heap-mb 1000] [--keep]
 */
import type { Topology } from './cluster.js';

export const WORKLOADS = [
  'setData-1',
  'setData-16',
  'setData-64',
  'getData-1',
  'getData-16',
  'getData-64',
  'createDelete-16',
  'mutex-8',
  'failover',
  'expiry',
  'startup',
] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface BenchOptions {
  /** also run every workload against Apache ZooKeeper and print Warden/ZooKeeper */
  againstZookeeper: boolean;
  workloads: WorkloadName[];
  topologies: Topology[];
  warmupMs: number;
  durationMs: number;
  /** load-generator processes for the throughput and mutex workloads */
  procs: number;
  dataBytes: number;
  /** znodes on disk for start-up and memory */
  znodes: number;
  /** repetitions of failover, expiry and start-up (the median is reported) */
  trials: number;
  sessionTimeoutMs: number;
  tickMs: number;
  jsonFile: string | undefined;
  zkHeapMb: number;
  keep: boolean;
  /** extra node arguments for Warden servers, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof' */
  wardenNodeArgs: string[];
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]
  --against zookeeper        also run against Apache ZooKeeper 3.8 (Debian's package) and print Warden/ZooKeeper
  --workloads LIST           comma-separated, default all: ${WORKLOADS.join(',')}
  --topologies LIST          standalone,ensemble (default both)
  --warmup S                 seconds of warm-up before measuring (default 3)
  --duration S               seconds measured per throughput workload (default 10)
  --procs N                  load-generator processes (default 2)
  --data-bytes N             value size for setData/getData (default 128)
  --znodes N                 znodes on disk for start-up and memory (default 100000)
  --trials N                 repetitions of failover, expiry, start-up (default 3)
  --session-timeout-ms N     session timeout of the expiry workload (default 4000)
  --tick-ms N                tickTime of every server, Warden and ZooKeeper alike (default 2000)
  --json FILE                where to write the results (default bench-results/bench-<time>.json)
  --zk-heap-mb N             ZooKeeper's JVM heap, as zkEnv.sh sets it (default 1000)
  --keep                     keep the servers' temp dirs
  --warden-node-args ARGS    extra node arguments for Warden servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
`;

function num(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < min) throw new TypeError(`--${name} expects a number >= ${min}, got ${v ?? 'nothing'}`);
  return n;
}

function list<T extends string>(name: string, v: string | undefined, allowed: readonly T[]): T[] {
  const items = (v ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new TypeError(`--${name} expects a comma-separated list of ${allowed.join(', ')}`);
  for (const i of items) if (!allowed.includes(i as T)) throw new TypeError(`--${name}: unknown "${i}" (known: ${allowed.join(', ')})`);
  return items as T[];
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = {
    againstZookeeper: false,
    workloads: [...WORKLOADS],
    topologies: ['standalone', 'ensemble'],
    warmupMs: 3000,
    durationMs: 10_000,
    procs: 2,
    dataBytes: 128,
    znodes: 100_000,
    trials: 3,
    sessionTimeoutMs: 4000,
    tickMs: 2000,
    jsonFile: undefined,
    zkHeapMb: 1000,
    keep: false,
    wardenNodeArgs: [],
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--against': {
        const v = value();
        if (v !== 'zookeeper') throw new TypeError(`--against expects "zookeeper", got ${v ?? 'nothing'}`);
        o.againstZookeeper = true;
        break;
      }
      case '--workloads':
        o.workloads = list('workloads', value(), WORKLOADS);
        break;
      case '--topologies':
        o.topologies = list<Topology>('topologies', value(), ['standalone', 'ensemble']);
        break;
      case '--warmup':
        o.warmupMs = num('warmup', value(), 0) * 1000;
        break;
      case '--duration':
        o.durationMs = num('duration', value(), 0.1) * 1000;
        break;
      case '--procs':
        o.procs = Math.floor(num('procs', value(), 1));
        break;
      case '--data-bytes':
        o.dataBytes = Math.floor(num('data-bytes', value(), 0));
        break;
      case '--znodes':
        o.znodes = Math.floor(num('znodes', value(), 1));
        break;
      case '--trials':
        o.trials = Math.floor(num('trials', value(), 1));
        break;
      case '--session-timeout-ms':
        o.sessionTimeoutMs = num('session-timeout-ms', value(), 1);
        break;
      case '--tick-ms':
        o.tickMs = Math.floor(num('tick-ms', value(), 1));
        break;
      case '--json': {
        const v = value();
        if (!v) throw new TypeError('--json expects a file name');
        o.jsonFile = v;
        break;
      }
      case '--zk-heap-mb':
        o.zkHeapMb = Math.floor(num('zk-heap-mb', value(), 16));
        break;
      case '--warden-node-args':
        o.wardenNodeArgs = (value() ?? '').split(' ').filter((a) => a.length > 0);
        break;
      case '--keep':
        o.keep = true;
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      default:
        throw new TypeError(`unknown option ${arg}`);
    }
  }
  return o;
}
