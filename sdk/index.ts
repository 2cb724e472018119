/**
 * Warden's SDK: `connect()` gives a `Client` with a promise method per ZooKeeper
 * operation, typed errors, connection states and watches as callbacks or async iterables.
 *
 * @example
 * import { connect } from 'warden';
 * const client = await connect({ servers: 'localhost:2181' });
 * await client.create('/hello', 'world', { mode: 'ephemeral' });
 * console.log((await client.getData('/hello')).data.toString());
 * await client.close();
 *
 * @packageDocumentation
 */
export { connect, Client } from './client.js';
export type {
  AddWatchOptions,
  ClientState,
  CreateOptions,
  GetChildrenOptions,
  MultiError,
  MultiOp,
  MultiReadOp,
  MultiReadResult,
  MultiResult,
  RemoveWatchesOptions,
  VersionOptions,
  WatchOptions,
} from './client.js';
export type { CallOptions, ConnectOptions, ServerAddress, TlsOptions } from './options.js';
export { parseConnectString, parseServers } from './options.js';
export type { StateEvent, StateListener } from './states.js';
export { OneShotWatch, PersistentWatch } from './watch-handles.js';
export { Acls, CREATE_MODES, Perms } from './types.js';
export type { Acl, AddWatchMode, ClientIdentity, ConnectionState, CreateMode, Data, EventType, Id, Stat, WatchEvent, Watcher, WatcherType } from './types.js';
export { digestAcl, digestId, ipAcl, worldAcl } from './acl.js';
export * from './errors.js';
export { Code, codeName } from '../proto/codes.js';
