/**
 * Warden's recipes (`warden/recipes`): locks, leader election, service discovery,
 * barriers, config watch and more, built on the public SDK only. Every lock, lease and
 * leadership carries a fencing token and a `signal` that fires when the holder can no
 * longer be sure; contender nodes are created in protected mode, so a lost create reply
 * never leaves an orphan.
 *
 * @packageDocumentation
 */
export { FencingGuard, StaleTokenError, formatToken, parseToken, type FencingToken } from './fencing.js';
export { LockHandle } from './lock-handle.js';
export { LockLostError, DEFAULT_LOST_AFTER_FRACTION } from './lost-signal.js';
export type { LostReason } from './lease-state.js';
export { QueueNodeGoneError } from './lock-queue.js';
export { Mutex, type MutexOptions } from './lock.js';
export { ReadWriteLock, type LockSide } from './read-write-lock.js';
export { Semaphore, type SemaphoreOptions } from './semaphore.js';
export type { HolderOptions } from './queue-lock.js';
export { RecipeTimeoutError } from './waiting.js';
export type { WaitOptions } from './validate.js';
export { DownInstances, randomPick, roundRobin, sticky, type Identified, type ProviderStrategy } from './provider-strategy.js';
export { InvalidConfigError, type ConfigCheck, type ConfigSchema, type ConfigValidator } from './config-schema.js';
export { parseNodeName, protectedName, PROTECTED_PREFIX, type NodeName } from './sequential-nodes.js';
export { LeaderLatch, type LeaderLatchOptions, type LeadershipEvent } from './leader-latch.js';
export { LeaderSelector, type LeaderSelectorOptions } from './leader-selector.js';
export { currentLeader, observeLeader, participants, type Participant } from './leader-observer.js';
export { ServiceRegistry, DEFAULT_BASE_PATH, type RegistryEvent, type ServiceRegistryOptions } from './service-registry.js';
export { ServiceDiscovery, ServiceProvider, type ServiceProviderOptions } from './service-discovery.js';
export { ServiceCache, type ServiceChange } from './service-cache.js';
export type { InstanceSpec, ServiceInstance } from './service-instance.js';
export { httpCheck, tcpCheck, type HealthCheck } from './health-check.js';
export type { ClientSource } from './client-source.js';
export { Barrier } from './barrier.js';
export { DoubleBarrier, type DoubleBarrierOptions } from './double-barrier.js';
export { ConfigWatch, type ConfigEvent, type ConfigWatchOptions } from './config-watch.js';
export { SharedCounter, type CounterValue } from './shared-counter.js';
export { DistributedQueue } from './distributed-queue.js';
export { TreeCache, type CachedNode, type TreeEvent } from './tree-cache.js';
