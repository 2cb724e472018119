/**
 * Goal: httpCheck and tcpCheck judge instances by what a real loopback server answers, and
 * HealthChecker keeps failing instances (false, a rejection, or a check over its budget)
 * out until they pass again.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthChecker, httpCheck, tcpCheck } from '../../../recipes/health-check.js';
import type { ServiceInstance } from '../../../recipes/service-instance.js';

let port = 0;
let healthy = true;
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  if (req.url === '/health') res.writeHead(healthy ? 200 : 503).end();
  else if (req.url === '/slow') return; // never answers: only the check's budget ends it
  else res.writeHead(404).end();
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const at = (id: string, p: number | undefined): ServiceInstance => ({ name: 'web', id, address: '127.0.0.1', registeredAtMs: 0, ...(p === undefined ? {} : { port: p }) });
const budget = (): AbortSignal => AbortSignal.timeout(2000);

describe('httpCheck', () => {
  it('is healthy on 2xx and unhealthy on other statuses or without a port', async () => {
    healthy = true;
    expect(await httpCheck()(at('a', port), budget())).toBe(true);
    healthy = false;
    expect(await httpCheck()(at('a', port), budget())).toBe(false);
    expect(await httpCheck('/missing')(at('a', port), budget())).toBe(false);
    expect(await httpCheck()(at('a', undefined), budget())).toBe(false);
  });

  it('rejects when nothing listens or the budget runs out', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(httpCheck()(at('a', deadPort), budget())).rejects.toThrow();
    await expect(httpCheck('/slow')(at('a', port), AbortSignal.timeout(100))).rejects.toThrow();
  });

  it('refuses a path without a leading slash', () => {
    expect(() => httpCheck('health')).toThrow(TypeError);
  });
});

describe('HealthChecker', () => {
  it('keeps instances failing the check out until they pass again', async () => {
    const list = [at('up', port), at('no-port', undefined)];
    healthy = true;
    const checker = new HealthChecker(httpCheck(), () => list, 60_000, 2000);
    try {
      await checker.start();
      expect(checker.isHealthy('up')).toBe(true);
      expect(checker.isHealthy('no-port')).toBe(false);
      healthy = false;
      await checker.round();
      expect(checker.isHealthy('up')).toBe(false);
      healthy = true;
      await checker.round();
      expect(checker.isHealthy('up')).toBe(true);
    } finally {
      checker.stop();
    }
  });

  it('counts a check over its budget as a failure', async () => {
    const checker = new HealthChecker(httpCheck('/slow'), () => [at('slow', port)], 60_000, 100);
    try {
      await checker.start();
      expect(checker.isHealthy('slow')).toBe(false);
    } finally {
      checker.stop();
    }
  });

  it('tcpCheck: healthy when a connection opens', async () => {
    expect(await tcpCheck()(at('a', port), budget())).toBe(true);
    expect(await tcpCheck()(at('a', undefined), budget())).toBe(false);
  });
});
