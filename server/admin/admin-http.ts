/**
 * The admin HTTP listener: ZooKeeper's AdminServer URLs (`GET /commands`, `GET
 * /commands/<name>`) answering JSON, and `GET /metrics` in Prometheus text format.
 *
 * The same listener type also serves `metricsProvider.httpPort` with only `/metrics`
 * (commands off), as ZooKeeper's Prometheus provider does on its own port.
 *
 * Read-only: no command changes the server, so GET is the only method. Bound to loopback
 * unless admin.serverAddress says otherwise (the commands list sessions, paths and client
 * addresses).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../base/log.js';
import { COMMANDS, findCommand } from './commands.js';
import type { MetricsExporter } from './metrics-exporter.js';
import type { ServerView } from './server-view.js';

export interface AdminHttpOptions {
  host: string;
  port: number;
  view: ServerView;
  metrics: MetricsExporter;
  log: Logger;
  /** false: serve /metrics only (the metricsProvider.httpPort listener) */
  commands: boolean;
}

export interface AdminHttpServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v), 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${text}\n`);
}

async function handle(opts: AdminHttpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://admin');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' });
    res.end();
    return;
  }
  if (url.pathname === '/metrics') {
    const { contentType, body } = await opts.metrics.prometheus();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(body);
    return;
  }
  if (!opts.commands) {
    json(res, 404, { error: `not found: ${url.pathname} (this port serves /metrics only)` });
    return;
  }
  if (url.pathname === '/' || url.pathname === '/commands' || url.pathname === '/commands/') {
    json(res, 200, {
      commands: COMMANDS.map((c) => ({ name: c.names[0], aliases: c.names.slice(1), url: `/commands/${c.names[0]}`, doc: c.doc })),
      metrics: '/metrics',
    });
    return;
  }
  const m = /^\/commands\/([A-Za-z_]+)\/?$/.exec(url.pathname);
  const command = m ? findCommand(m[1]!) : undefined;
  if (!command) {
    json(res, 404, { command: m?.[1] ?? url.pathname, error: `Unknown command: ${m?.[1] ?? url.pathname}; GET /commands lists them` });
    return;
  }
  const name = command.names[0]!;
  if (command.serverRequired && !opts.view.serving()) {
    json(res, 503, { command: name, error: 'This Warden server is not currently serving requests' });
    return;
  }
  const result = await command.run(opts.view, opts.metrics);
  json(res, 200, { ...result, command: name, error: null });
}

export async function startAdminHttp(opts: AdminHttpOptions): Promise<AdminHttpServer> {
  const server = createServer((req, res) => {
    handle(opts, req, res).catch((e: Error) => {
      opts.log.error('admin command failed', { url: req.url, error: e.message });
      if (!res.headersSent) json(res, 500, { error: 'internal error; see the server log' });
      else res.end();
    });
  });
  // Admin requests are tiny; a slow or idle client must not hold a socket for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(new Error(`cannot listen for ${opts.commands ? 'admin HTTP' : 'metrics HTTP'} on ${opts.host}:${opts.port}: ${e.code ?? e.message}`));
    };
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    host: opts.host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
