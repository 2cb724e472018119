/**
 * `warden start`: daemonize (the default, like `zkServer.sh start`) or run in the
 * foreground (`--foreground`, what `npm start`, systemd and containers want).
 *
 * Daemon mode re-runs this command with --foreground as a detached child whose stdout and
 * stderr go to `<logDir>/warden.out`, and waits for the child to say over IPC that it is
 * serving (or to exit, whose reason it then prints from warden.out). So `start` returning
 * 0 means the server really is serving, not just that a process was spawned.
 *
 * The foreground server writes `<dataDir>/warden_server.pid` once serving and removes it on
 * exit; it shuts down gracefully on SIGTERM/SIGINT (stop accepting, answer what is in
 * flight, flush the log), and a second signal exits at once.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, fstatSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAdminHttp, type AdminHttpServer } from '../admin/admin-http.js';
import { MetricsExporter } from '../admin/metrics-exporter.js';
import { createLogger, parseLogLevel, type Logger, type LogLevel } from '../base/log.js';
import { LogFile } from './log-file.js';
import { startServer, type RunningServer } from '../cluster/server.js';
import { ConfigError, loadConfig, type ServerConfig } from '../config/server-config.js';
import { CommandError, intOption, parse, UsageError } from './args.js';
import { isWardenProcess, pidFilePath, readPidFile, removePidFile, writePidFile } from './pid-file.js';

export const START_HELP = `Usage: warden start [--config <zoo.cfg>] [--foreground] [options]

Starts a Warden server. By default it runs in the background (like zkServer.sh start):
the command returns once the server is serving, with its pid in <dataDir>/warden_server.pid
and its log in <logDir>/warden.log (logDir defaults to dataDir).

  -c, --config <file>      a ZooKeeper-style zoo.cfg; without it: standalone on defaults
                           (client port 2181, data in ./data)
  -f, --foreground         stay in the foreground, logging to stderr (or to logDir if set)
      --log-dir <dir>      write the log to <dir>/warden.log (overrides logDir in the config)
      --log-level <level>  debug, info, warn or error (default: WARDEN_LOG_LEVEL or info)
      --wait <seconds>     how long to wait for a daemon to start serving (default 60)
  -h, --help               this help
`;

const START_OPTIONS = {
  config: { type: 'string', short: 'c' },
  foreground: { type: 'boolean', short: 'f' },
  'log-dir': { type: 'string' },
  'log-level': { type: 'string' },
  wait: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface StartArgs {
  config?: string;
  foreground: boolean;
  logDir?: string;
  logLevel?: string;
  waitSeconds: number;
}

export function parseStartArgs(args: string[]): StartArgs | 'help' {
  const { values } = parse(args, START_OPTIONS, START_HELP);
  if (values.help) return 'help';
  const level = values['log-level'];
  if (level !== undefined && parseLogLevel(level, 'debug') !== level.toLowerCase()) {
    throw new UsageError(`--log-level expects debug, info, warn or error, got "${level}"`, START_HELP);
  }
  return {
    config: values.config === undefined ? undefined : resolve(values.config),
    foreground: values.foreground ?? false,
    logDir: values['log-dir'],
    logLevel: level,
    waitSeconds: intOption('wait', values.wait, 1, START_HELP) ?? 60,
  };
}

/** Loads the config or fails with its one-line message. */
export function configOrFail(file: string | undefined): ServerConfig {
  try {
    return loadConfig(file);
  } catch (e) {
    if (e instanceof ConfigError) throw new CommandError(e.message);
    throw e;
  }
}

export async function start(args: string[]): Promise<number> {
  const parsed = parseStartArgs(args);
  if (parsed === 'help') {
    process.stdout.write(START_HELP);
    return 0;
  }
  const config = configOrFail(parsed.config);
  return parsed.foreground ? runForeground(parsed, config) : daemonize(parsed, config);
}

// ------------------------------------------------------------------ daemon

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'warden.js');

async function daemonize(args: StartArgs, config: ServerConfig): Promise<number> {
  const pidFile = pidFilePath(config.dataDir);
  const running = readPidFile(pidFile);
  if (running !== undefined && isWardenProcess(running)) {
    throw new CommandError(`already running as process ${running} (pid file ${pidFile}); "warden stop" first`);
  }
  const logDir = resolve(args.logDir ?? config.logDir ?? config.dataDir);
  mkdirSync(logDir, { recursive: true });
  const outFile = join(logDir, 'warden.out');
  const out = openSync(outFile, 'a');
  const outStart = fstatSync(out).size;
  process.stdout.write(`Using config: ${config.configFile ?? '(defaults)'}\nStarting Warden ... `);

  const childArgs = [BIN, 'start', '--foreground', '--log-dir', logDir];
  if (args.config) childArgs.push('--config', args.config);
  if (args.logLevel) childArgs.push('--log-level', args.logLevel);
  const child = spawn(process.execPath, childArgs, { detached: true, stdio: ['ignore', out, out, 'ipc'], cwd: process.cwd(), env: process.env });
  closeSync(out);

  type Outcome = { ready: ReadyMessage } | { exited: string } | { timedOut: true };
  const outcome = await new Promise<Outcome>((done) => {
    const timer = setTimeout(() => done({ timedOut: true }), args.waitSeconds * 1000);
    child.on('message', (m: unknown) => {
      if (isReady(m)) {
        clearTimeout(timer);
        done({ ready: m });
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done({ exited: signal ? `killed by ${signal}` : `exit code ${code}` });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      done({ exited: e.message });
    });
  });
  if (child.connected) child.disconnect();
  child.unref();

  if ('ready' in outcome) {
    const r = outcome.ready;
    process.stdout.write(`STARTED\n`);
    process.stdout.write(`pid ${r.pid}, clients on ${r.client}${r.secureClient ? `, TLS clients on ${r.secureClient}` : ''}${r.admin ? `, admin on http://${r.admin}/commands` : ''}${r.metrics ? `, metrics on http://${r.metrics}/metrics` : ''}\n`);
    process.stdout.write(`log: ${join(logDir, 'warden.log')}\n`);
    return 0;
  }
  process.stdout.write(`FAILED\n`);
  const tail = readTail(outFile, outStart);
  if ('timedOut' in outcome) {
    throw new CommandError(`the server (pid ${child.pid}) did not report serving within ${args.waitSeconds}s; it may still be starting. See ${outFile}${tail ? `:\n${tail}` : ''}`);
  }
  throw new CommandError(`the server did not start (${outcome.exited})${tail ? `:\n${tail}` : `; see ${outFile}`}`);
}

/** The last lines a failed child wrote, for the operator. */
function readTail(file: string, from: number): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const start = Math.max(from, size - 4096);
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      return buf.toString('utf8').trimEnd().split('\n').slice(-15).join('\n');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

interface ReadyMessage {
  type: 'warden-ready';
  pid: number;
  client: string;
  secureClient?: string;
  admin?: string;
  metrics?: string;
}

function isReady(m: unknown): m is ReadyMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'warden-ready';
}

// ------------------------------------------------------------------ foreground

function openLog(args: StartArgs, config: ServerConfig): { log: Logger; file?: LogFile; close(): void } {
  const level: LogLevel = parseLogLevel(args.logLevel ?? process.env.WARDEN_LOG_LEVEL);
  const dir = args.logDir ?? config.logDir;
  if (dir === undefined) return { log: createLogger({ level }), close() {} };
  const path = join(resolve(dir), 'warden.log');
  let file: LogFile;
  try {
    mkdirSync(dirname(path), { recursive: true });
    file = new LogFile(path, { maxBytes: config.logMaxFileBytes, keep: config.logMaxBackupIndex });
  } catch (e) {
    throw new CommandError(`cannot open the log file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // After close (late events during exit) lines go to stderr rather than a dead descriptor;
  // a log file that cannot be written (disk full) must not take the server down with it.
  const log = createLogger({
    level,
    write: (line) => {
      try {
        if (file.write(line)) return;
      } catch {
        // fall through to stderr
      }
      process.stderr.write(`${line}\n`);
    },
  });
  return { log, file, close: () => file.close() };
}

const hostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

async function runForeground(args: StartArgs, config: ServerConfig): Promise<number> {
  const { log, file: logFile, close: closeLog } = openLog(args, config);
  // logrotate's postrotate can send SIGHUP: the file it moved away is closed and a new one opened
  if (logFile) process.on('SIGHUP', () => logFile.reopen());
  for (const w of config.warnings) log.warn(w);

  const exporter = new MetricsExporter({ fsyncWarningThresholdMs: config.fsyncWarningThresholdMs });
  const pidFile = pidFilePath(config.dataDir);
  let server: RunningServer;
  try {
    server = await startServer(config, log, {
      metrics: exporter.events,
      onFatal: (err) => {
        process.stderr.write(`warden: fatal: ${err.message}\n`);
        removePidFile(pidFile);
        process.exit(1);
      },
    });
  } catch (e) {
    log.error('cannot start', { error: (e as Error).message });
    closeLog();
    throw new CommandError(`cannot start: ${(e as Error).message}`);
  }
  exporter.attach(server.view);

  const listeners: AdminHttpServer[] = [];
  try {
    if (config.adminPort !== undefined) {
      listeners.push(await startAdminHttp({ host: config.adminAddress, port: config.adminPort, view: server.view, metrics: exporter, log, commands: true }));
    }
    if (config.metricsHttpPort !== undefined) {
      listeners.push(await startAdminHttp({ host: config.metricsHttpHost, port: config.metricsHttpPort, view: server.view, metrics: exporter, log, commands: false }));
    }
  } catch (e) {
    for (const l of listeners) await l.close();
    await server.close();
    closeLog();
    throw new CommandError((e as Error).message);
  }
  const admin = config.adminPort !== undefined ? listeners[0] : undefined;
  const metricsHttp = config.metricsHttpPort !== undefined ? listeners.at(-1) : undefined;

  writePidFile(pidFile);
  const client = hostPort(server.clientHost, server.clientPort);
  const secureClient = server.secureClientPort !== undefined ? hostPort(config.secureClientPortAddress ?? config.clientPortAddress, server.secureClientPort) : undefined;
  log.info('started', {
    mode: server.status().mode,
    pid: process.pid,
    client,
    secureClient,
    admin: admin ? hostPort(admin.host, admin.port) : 'off',
    metrics: metricsHttp ? hostPort(metricsHttp.host, metricsHttp.port) : admin ? 'admin /metrics' : 'off',
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    logFile: logFile?.path ?? 'stderr',
    config: config.configFile ?? '(defaults)',
    pidFile,
  });
  // Signal handlers go in before the ready line: whoever waits for it may signal at once.
  const stopped = new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) {
        log.warn('second signal; exiting now', { signal: sig });
        removePidFile(pidFile);
        process.exit(1);
      }
      log.info('shutting down', { signal: sig });
      const stop = async (): Promise<void> => {
        for (const l of listeners) await l.close();
        await server.close();
      };
      stop().then(resolve, (e: Error) => {
        log.error('shutdown failed', { error: e.message });
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  process.stdout.write(`Warden listening for clients on ${client}\n`);
  if (process.send) {
    const ready: ReadyMessage = {
      type: 'warden-ready',
      pid: process.pid,
      client,
      secureClient,
      admin: admin ? hostPort(admin.host, admin.port) : undefined,
      metrics: metricsHttp ? hostPort(metricsHttp.host, metricsHttp.port) : undefined,
    };
    process.send(ready, () => process.disconnect?.());
  }

  await stopped;
  removePidFile(pidFile);
  closeLog();
  return 0;
}
