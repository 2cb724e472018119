/**
 * The record of one service instance, stored as JSON in its ephemeral node
 * `<basePath>/<service>/<id>` (the shape of Curator's ServiceInstance, in JSON).
 */

export interface ServiceInstance<P = unknown> {
  /** The service's name (the parent node). */
  name: string;
  /** This instance's id, unique within the service (the node's name). */
  id: string;
  /** Host name or IP the instance serves on. */
  address: string;
  /** Port the instance serves on (an integer 0..65535), if it has one. */
  port?: number;
  /** Free-form labels, e.g. for a caller's own filtering. */
  tags?: string[];
  /** String key-value pairs describing the instance. */
  metadata?: Record<string, string>;
  /** Anything else, as JSON. */
  payload?: P;
  /** When it registered (ms since the epoch, the registering process's clock). */
  registeredAtMs: number;
}

/** What `register()`/`update()` take: a {@link ServiceInstance} whose `registeredAtMs` may be left out. */
export type InstanceSpec<P = unknown> = Omit<ServiceInstance<P>, 'registeredAtMs'> & {
  /** When it registered (ms since the epoch); `register()` fills in `Date.now()` when absent, `update()` keeps the original. */
  registeredAtMs?: number;
};

/** Checks an instance given to register(); TypeError naming the field. */
export function checkInstance<P>(where: string, spec: unknown): InstanceSpec<P> {
  if (spec === null || typeof spec !== 'object') throw new TypeError(`${where}: the instance must be an object`);
  const s = spec as Record<string, unknown>;
  for (const k of ['name', 'id'] as const) {
    if (typeof s[k] !== 'string' || s[k] === '' || (s[k] as string).includes('/')) throw new TypeError(`${where}: instance \`${k}\` must be a non-empty string without '/'`);
  }
  if (typeof s.address !== 'string' || s.address === '') throw new TypeError(`${where}: instance \`address\` must be a non-empty string`);
  if (s.port !== undefined && (typeof s.port !== 'number' || !Number.isInteger(s.port) || s.port < 0 || s.port > 65535)) {
    throw new TypeError(`${where}: instance \`port\` must be an integer between 0 and 65535`);
  }
  if (s.tags !== undefined && (!Array.isArray(s.tags) || s.tags.some((t) => typeof t !== 'string'))) throw new TypeError(`${where}: instance \`tags\` must be an array of strings`);
  if (s.metadata !== undefined && (s.metadata === null || typeof s.metadata !== 'object' || Object.values(s.metadata).some((v) => typeof v !== 'string'))) {
    throw new TypeError(`${where}: instance \`metadata\` must be an object of strings`);
  }
  if (s.payload !== undefined && JSON.stringify(s.payload) === undefined) throw new TypeError(`${where}: instance \`payload\` must be JSON-serialisable`);
  return spec as InstanceSpec<P>;
}

export function encodeInstance(instance: ServiceInstance): Buffer {
  return Buffer.from(JSON.stringify(instance), 'utf8');
}

/** The instance in a node's data, or undefined when it is not one (skipped by readers). */
export function decodeInstance<P>(data: Uint8Array): ServiceInstance<P> | undefined {
  try {
    const v = JSON.parse(Buffer.from(data).toString('utf8')) as ServiceInstance<P>;
    if (typeof v?.id !== 'string' || typeof v.name !== 'string' || typeof v.address !== 'string') return undefined;
    return v;
  } catch {
    return undefined;
  }
}
