// The part of node-zookeeper-client (plain JavaScript, no types of its own) the benchmark uses.
declare module 'node-zookeeper-client' {
  import { EventEmitter } from 'node:events';

  export interface Stat {
    version: number;
  }
  export class Event {
    getType(): number;
    getName(): string;
    getPath(): string;
    static NODE_CREATED: number;
    static NODE_DELETED: number;
    static NODE_DATA_CHANGED: number;
    static NODE_CHILDREN_CHANGED: number;
  }
  export class Exception extends Error {
    getCode(): number;
    getName(): string;
    static NODE_EXISTS: number;
    static NO_NODE: number;
    static CONNECTION_LOSS: number;
  }
  export const CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL_SEQUENTIAL: number };
  type Cb<T> = (error: Exception | Error | null, result: T) => void;
  export interface Client extends EventEmitter {
    connect(): void;
    close(): void;
    getSessionId(): Buffer;
    create(path: string, data: Buffer, mode: number, callback: Cb<string>): void;
    remove(path: string, version: number, callback: (error: Exception | Error | null) => void): void;
    getData(path: string, callback: (error: Exception | Error | null, data: Buffer | undefined, stat: Stat) => void): void;
    setData(path: string, data: Buffer, version: number, callback: Cb<Stat>): void;
    getChildren(path: string, callback: Cb<string[]>): void;
    getChildren(path: string, watcher: (event: Event) => void, callback: Cb<string[]>): void;
    exists(path: string, watcher: (event: Event) => void, callback: Cb<Stat | null>): void;
  }
  export function createClient(connectionString: string, options?: { sessionTimeout?: number; spinDelay?: number; retries?: number }): Client;
  const zookeeper: {
    createClient: typeof createClient;
    CreateMode: typeof CreateMode;
    Exception: typeof Exception;
    Event: typeof Event;
  };
  export default zookeeper;
}
