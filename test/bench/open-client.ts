/** Opens a BenchClient for the system under test. */
import type { BenchClient, ClientOptions } from './bench-client.js';
import type { SystemKind } from './cluster.js';
import { WardenBenchClient } from './warden-client.js';
import { ZkBenchClient } from './zookeeper-client.js';

export function openClient(system: SystemKind, opts: ClientOptions): Promise<BenchClient> {
  return system === 'warden' ? WardenBenchClient.open(opts) : ZkBenchClient.open(opts);
}
