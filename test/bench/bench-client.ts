/**
 * The one client shape every workload is written against, so the same workload code drives
 * Warden (through its SDK) and ZooKeeper (through node-zookeeper-client). Only what the
 * workloads use: no ACLs, no versions, one-shot watches.
 */
export type NodeMode = 'persistent' | 'ephemeral' | 'persistentSequential' | 'ephemeralSequential';

export interface Mutex {
  acquire(): Promise<void>;
  release(): Promise<void>;
}

export interface BenchClient {
  /** hex session id, for logs */
  readonly sessionId: string;
  /** Returns the created path (with the sequence suffix for sequential modes). */
  create(path: string, data: Uint8Array, mode: NodeMode): Promise<string>;
  /** Creates a persistent node unless it exists (and its parents, like mkdir -p). */
  ensure(path: string): Promise<void>;
  delete(path: string): Promise<void>;
  getData(path: string): Promise<Uint8Array>;
  setData(path: string, data: Uint8Array): Promise<void>;
  /**
   * Whether `path` exists; sets a one-shot watch that calls `onDeleted` when it is deleted
   * (other events are ignored).
   */
  watchDeleted(path: string, onDeleted: () => void): Promise<boolean>;
  /** A mutual-exclusion lock on `path` held through this client's session. */
  mutex(path: string): Promise<Mutex>;
  close(): Promise<void>;
}

export interface ClientOptions {
  servers: string;
  sessionTimeoutMs: number;
}

/** Parents of a path, top down: '/a/b/c' -> ['/a', '/a/b', '/a/b/c']. */
export function pathPrefixes(path: string): string[] {
  const parts = path.split('/').filter((p) => p.length > 0);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}
