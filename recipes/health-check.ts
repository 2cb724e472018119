/**
 * SDK-side health checks for service providers: an instance that fails its check is kept
 * out of rotation until it passes again. A check is any async function; `tcpCheck` and
 * `httpCheck` cover the common cases.
 */
import { connect as tcpConnect } from 'node:net';
import type { ServiceInstance } from './service-instance.js';

/** Resolves true when healthy; false or a rejection means unhealthy. */
export type HealthCheck = (instance: ServiceInstance, signal: AbortSignal) => Promise<boolean>;

/** Healthy when a TCP connection to address:port opens. */
export function tcpCheck(): HealthCheck {
  return (instance, signal) =>
    new Promise<boolean>((resolve) => {
      if (instance.port === undefined) return resolve(false);
      const socket = tcpConnect({ host: instance.address, port: instance.port, signal });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
}

/** Healthy when GET http://address:port<path> answers 2xx. */
export function httpCheck(path = '/health'): HealthCheck {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError("httpCheck(): `path` must start with '/'");
  return async (instance, signal) => {
    if (instance.port === undefined) return false;
    const host = instance.address.includes(':') ? `[${instance.address}]` : instance.address;
    const res = await fetch(`http://${host}:${instance.port}${path}`, { signal });
    await res.body?.cancel();
    return res.ok;
  };
}

/**
 * Runs `check` for each instance every `intervalMs` (each with a `timeoutMs` budget) and
 * remembers who failed. Pure bookkeeping plus one timer.
 */
export class HealthChecker {
  private readonly unhealthy = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly check: HealthCheck,
    private readonly instances: () => ServiceInstance[],
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
  ) {}

  isHealthy(id: string): boolean {
    return !this.unhealthy.has(id);
  }

  /** Checks every instance once now (and then every intervalMs). */
  async start(): Promise<void> {
    await this.round();
    this.timer = setInterval(() => void this.round(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async round(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const list = this.instances();
      const results = await Promise.all(
        list.map(async (i) => {
          try {
            return await this.check(i, AbortSignal.timeout(this.timeoutMs));
          } catch {
            return false;
          }
        }),
      );
      this.unhealthy.clear();
      list.forEach((i, k) => results[k] || this.unhealthy.add(i.id));
    } finally {
      this.running = false;
    }
  }
}
