/**
 * Messages between the benchmark (parent) and its load-generator worker processes.
 * A worker opens its sessions and prepares its nodes, says `ready`, waits for `go` (so all
 * workers start together), runs, and answers `result`. Times that cross processes are
 * wall-clock ms (Date.now()); latencies are measured inside one process with performance.now().
 */
import type { SystemKind } from './cluster.js';
import type { HistogramJson } from './histogram.js';

export type ThroughputOp = 'setData' | 'getData' | 'createDelete';

interface JobBase {
  system: SystemKind;
  servers: string;
  sessionTimeoutMs: number;
  /** distinguishes this worker's nodes from the others' */
  workerIndex: number;
}

export interface ThroughputJob extends JobBase {
  kind: 'throughput';
  op: ThroughputOp;
  /** requests kept in flight on each of this worker's sessions (one entry per session) */
  inFlightPerSession: number[];
  dataBytes: number;
  warmupMs: number;
  durationMs: number;
}

export interface MutexJob extends JobBase {
  kind: 'mutex';
  /** contenders in this worker, one session each */
  contenders: number;
  lockPath: string;
  warmupMs: number;
  durationMs: number;
}

/** Keeps writing until `stop`; after `mark`, reports the first write that started at or after it. */
export interface WriterJob extends JobBase {
  kind: 'writer';
  inFlight: number;
  dataBytes: number;
}

/** Creates an ephemeral node, says ready, and waits to be killed. */
export interface EphemeralJob extends JobBase {
  kind: 'ephemeral';
  path: string;
}

export type Job = ThroughputJob | MutexJob | WriterJob | EphemeralJob;

export type ToWorker = { type: 'job'; job: Job } | { type: 'go' } | { type: 'mark'; atMs: number } | { type: 'stop' };

export interface MeasuredResult {
  hist: HistogramJson;
  ops: number;
  errors: number;
  firstError?: string;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; result: MeasuredResult }
  | { type: 'firstWrite'; startMs: number; endMs: number }
  | { type: 'failed'; error: string };
