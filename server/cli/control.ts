/**
 * `warden stop`, `warden status` and `warden restart`: the zkServer.sh verbs for a server
 * started with `warden start`, found through the config's dataDir (pid file) and client
 * port (Admin gRPC Status).
 */
import { readFileSync } from 'node:fs';
import { formatZxid } from '../base/zxid.js';
import type { ServerConfig } from '../config/server-config.js';
import { CommandError, intOption, parse, UsageError } from './args.js';
import { isAlive, isWardenProcess, pidFilePath, readPidFile } from './pid-file.js';
import { configOrFail, start } from './start.js';
import { fetchStatus, type StatusTarget } from './status-client.js';

export const STOP_HELP = `Usage: warden stop [--config <zoo.cfg>] [--timeout <seconds>] [--force]

Stops the server whose pid file is in the config's dataDir: SIGTERM, then waits for it to
finish in-flight requests, flush its log and exit.
  -c, --config <file>     the zoo.cfg the server was started with (default: defaults, ./data)
      --timeout <seconds> how long to wait for it to exit (default 30)
      --force             SIGKILL it if it has not exited by then
  -h, --help              this help
Exit code 0 once stopped; 1 if no server was running or it did not stop in time.
`;

export const STATUS_HELP = `Usage: warden status [--config <zoo.cfg>] [--server <host:port>]

Asks a server what it is and prints it (like zkServer.sh status):
  Mode: standalone|leader|follower|observer|looking|read-only, its zxid and client port.
  -c, --config <file>     find the server through this zoo.cfg (client port, dataDir)
  -s, --server <host:port> ask this server instead
      --timeout <seconds> how long to wait for an answer (default 5)
  -h, --help              this help
Exit code 0 when it answers, 1 when it is not running or does not answer.
`;

export const RESTART_HELP = `Usage: warden restart [--config <zoo.cfg>] [start options]

Stops the server if it is running (as "warden stop"), then starts it (as "warden start";
the same options apply, e.g. --foreground).
`;

function loopback(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}

function parseHostPort(text: string, help: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new UsageError(`--server expects host:port, got "${text}"`, help);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** Where `warden status` asks: the plain client port, else the TLS one with the config's certificates. */
export function statusTarget(config: ServerConfig): StatusTarget & { secure: boolean } {
  if (config.clientPort > 0 || config.secureClientPort === undefined) {
    return { host: loopback(config.clientPortAddress), port: config.clientPort, secure: false };
  }
  const t = config.tls;
  const read = (f: string | undefined): Buffer | undefined => (f === undefined ? undefined : readFileSync(f));
  return {
    host: loopback(config.secureClientPortAddress ?? config.clientPortAddress),
    port: config.secureClientPort,
    secure: true,
    // The server's own certificate doubles as a client certificate when clients must present one.
    tls: { ca: read(t?.caFile), cert: t?.clientAuth === 'none' ? undefined : read(t?.certFile), key: t?.clientAuth === 'none' ? undefined : read(t?.keyFile) },
  };
}

export async function status(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    { config: { type: 'string', short: 'c' }, server: { type: 'string', short: 's' }, timeout: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    STATUS_HELP,
  );
  if (values.help) {
    process.stdout.write(STATUS_HELP);
    return 0;
  }
  const timeoutMs = (intOption('timeout', values.timeout, 1, STATUS_HELP) ?? 5) * 1000;
  let target: StatusTarget & { secure: boolean };
  let pid: number | undefined;
  if (values.server !== undefined) {
    target = { ...parseHostPort(values.server, STATUS_HELP), secure: false };
  } else {
    const config = configOrFail(values.config);
    process.stdout.write(`Using config: ${config.configFile ?? '(defaults)'}\n`);
    target = statusTarget(config);
    pid = readPidFile(pidFilePath(config.dataDir));
  }
  process.stdout.write(`Client port found: ${target.port}. Client address: ${target.host}. Client SSL: ${target.secure}.\n`);
  try {
    const s = await fetchStatus(target, timeoutMs);
    process.stdout.write(`Mode: ${s.mode}\n`);
    process.stdout.write(`Zxid: ${formatZxid(s.lastZxid)}\n`);
    process.stdout.write(`Client port: ${s.clientPort}\n`);
    if (s.serverId > 0) process.stdout.write(`Server id: ${s.serverId}\n`);
    process.stdout.write(`Znodes: ${s.znodeCount}, sessions: ${s.sessionCount}, watches: ${s.watchCount}\n`);
    if (pid !== undefined && isAlive(pid)) process.stdout.write(`Pid: ${pid}\n`);
    process.stdout.write(`Version: ${s.version}\n`);
    return 0;
  } catch (e) {
    process.stdout.write(`Error contacting service. It is probably not running.\n`);
    process.stderr.write(`warden: ${target.host}:${target.port}: ${(e as Error).message}\n`);
    return 1;
  }
}

/** Polls until the process is gone: it is another process, so there is no event to wait on. */
async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  // The monotonic clock: a wall-clock step must not end (or stretch) the wait.
  const deadline = performance.now() + timeoutMs;
  while (isAlive(pid)) {
    if (performance.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Stops the server; 'not-running' when there was none. */
async function stopServer(config: ServerConfig, timeoutMs: number, force: boolean): Promise<'stopped' | 'not-running'> {
  const pidFile = pidFilePath(config.dataDir);
  const pid = readPidFile(pidFile);
  if (pid === undefined) return 'not-running';
  if (!isWardenProcess(pid)) {
    process.stderr.write(`warden: stale pid file ${pidFile} (process ${pid} is not running Warden); ignoring it\n`);
    return 'not-running';
  }
  process.kill(pid, 'SIGTERM');
  if (await waitForExit(pid, timeoutMs)) return 'stopped';
  if (!force) throw new CommandError(`process ${pid} did not exit within ${timeoutMs / 1000}s; try again with --force`);
  process.stderr.write(`warden: process ${pid} did not exit within ${timeoutMs / 1000}s; sending SIGKILL\n`);
  process.kill(pid, 'SIGKILL');
  if (await waitForExit(pid, 10_000)) return 'stopped';
  throw new CommandError(`process ${pid} survived SIGKILL`);
}

export async function stop(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    { config: { type: 'string', short: 'c' }, timeout: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    STOP_HELP,
  );
  if (values.help) {
    process.stdout.write(STOP_HELP);
    return 0;
  }
  const config = configOrFail(values.config);
  const timeoutMs = (intOption('timeout', values.timeout, 1, STOP_HELP) ?? 30) * 1000;
  process.stdout.write(`Using config: ${config.configFile ?? '(defaults)'}\nStopping Warden ... `);
  const r = await stopServer(config, timeoutMs, values.force ?? false);
  if (r === 'not-running') {
    process.stdout.write(`no server to stop (no running process in ${pidFilePath(config.dataDir)})\n`);
    return 1;
  }
  process.stdout.write(`STOPPED\n`);
  return 0;
}

export async function restart(args: string[]): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(RESTART_HELP);
    return 0;
  }
  const i = args.findIndex((a) => a === '--config' || a === '-c');
  const configFile = i >= 0 ? args[i + 1] : args.find((a) => a.startsWith('--config='))?.slice('--config='.length);
  const config = configOrFail(configFile);
  const r = await stopServer(config, 30_000, false);
  process.stdout.write(r === 'stopped' ? 'Stopped the running server.\n' : 'No server was running.\n');
  return start(args);
}
