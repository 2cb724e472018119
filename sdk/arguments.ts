/**
 * Checks of the arguments of Client methods: each failure is a TypeError naming the method
 * and the argument, raised before anything is sent. Values the server judges (path rules,
 * ACL contents, TTL bounds) are left to the server, so that there is one rule for each.
 */
import { CREATE_MODES, Acls, type Acl, type CreateMode, type Data } from './types.js';

export function bytes(data: Data | null | undefined, method: string): Uint8Array {
  if (data === null || data === undefined) return new Uint8Array(0);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return data;
  throw new TypeError(`${method}(): data must be a Uint8Array, a string or null`);
}

export function checkPath(method: string, path: unknown, name = 'path'): asserts path is string {
  if (typeof path !== 'string') throw new TypeError(`${method}(): \`${name}\` must be a string, got ${typeof path}`);
}

export function checkVersion(method: string, version: unknown): number {
  if (version === undefined) return -1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < -1) throw new TypeError(`${method}(): option \`version\` must be an integer >= -1`);
  return version;
}

export function checkMode(method: string, mode: unknown): CreateMode {
  if (mode === undefined) return 'persistent';
  if (typeof mode !== 'string' || !(CREATE_MODES as readonly string[]).includes(mode)) {
    throw new TypeError(`${method}(): option \`mode\` must be one of ${CREATE_MODES.join(', ')}`);
  }
  return mode as CreateMode;
}

export function checkTtl(method: string, mode: CreateMode, ttlMs: unknown): number {
  const ttl = mode === 'persistentWithTtl' || mode === 'persistentSequentialWithTtl';
  if (ttlMs === undefined) return 0;
  if (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs) || ttlMs < 0) throw new TypeError(`${method}(): option \`ttlMs\` must be a non-negative integer`);
  if (!ttl && ttlMs !== 0) throw new TypeError(`${method}(): option \`ttlMs\` is only for the TTL modes`);
  return ttlMs;
}

export function checkAcl(method: string, acl: unknown): readonly Acl[] {
  if (acl === undefined) return Acls.OPEN_ACL_UNSAFE;
  if (!Array.isArray(acl)) throw new TypeError(`${method}(): option \`acl\` must be an array of { perms, id: { scheme, id } }`);
  for (const a of acl as unknown[]) {
    const e = a as Acl | null;
    if (!e || typeof e.perms !== 'number' || !e.id || typeof e.id.scheme !== 'string' || typeof e.id.id !== 'string') {
      throw new TypeError(`${method}(): option \`acl\` has an entry that is not { perms: number, id: { scheme: string, id: string } }`);
    }
  }
  return acl as Acl[];
}
