/**
 * The `warden` command line. `warden start [--config zoo.cfg]` runs a server in the
 * foreground; later commands (stop, status, shell, log/snapshot tools) join here.
 * Exit codes: 0 ok, 1 the server could not start or failed, 2 a usage error.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/server-config.js';
import { createLogger, parseLogLevel } from '../base/log.js';
import { startServer, WARDEN_VERSION } from '../cluster/server.js';

const HELP = `Usage: warden <command> [options]

Commands:
  start [--config <zoo.cfg>]   run a server in the foreground (no config: standalone,
                               client port 2181, data in ./data)
  version                      print the version
  help [command]               show help

Environment: WARDEN_LOG_LEVEL=debug|info|warn|error (default info)
`;

const START_HELP = `Usage: warden start [--config <zoo.cfg>] [--log-level <level>]

Runs a Warden server in the foreground until SIGTERM or SIGINT (a second signal exits at once).
  -c, --config <file>     a ZooKeeper-style zoo.cfg; without it: standalone on defaults
      --log-level <level> debug, info, warn or error
  -h, --help              this help
`;

class UsageError extends Error {}

export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(rest[0] === 'start' ? START_HELP : HELP);
        return 0;
      case 'version':
      case '--version':
        process.stdout.write(`warden ${WARDEN_VERSION}\n`);
        return 0;
      case 'start':
        return await start(rest);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`warden: ${e.message}\n${HELP}`);
      return 2;
    }
    throw e;
  }
}

async function start(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        config: { type: 'string', short: 'c' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(START_HELP);
    return 0;
  }
  const log = createLogger({ level: parseLogLevel(values['log-level'] ?? process.env.WARDEN_LOG_LEVEL) });
  let config;
  try {
    config = loadConfig(values.config);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`warden: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  for (const w of config.warnings) log.warn(w);

  let fatal: Error | undefined;
  let server;
  try {
    server = await startServer(config, log, {
      onFatal: (err) => {
        fatal = err;
        process.stderr.write(`warden: fatal: ${err.message}\n`);
        process.exit(1);
      },
    });
  } catch (e) {
    process.stderr.write(`warden: cannot start: ${(e as Error).message}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) {
        process.stderr.write(`warden: second ${sig}; exiting now\n`);
        process.exit(1);
      }
      log.info('shutting down', { signal: sig });
      void server.close().then(resolve, (e: Error) => {
        log.error('shutdown failed', { error: e.message });
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // Only now: whoever waits for this line may signal us at once, and a SIGTERM that came
    // before the handlers would kill the process instead of stopping it cleanly.
    process.stdout.write(`Warden listening for clients on ${server.clientHost}:${server.clientPort}\n`);
  });
  return fatal ? 1 : 0;
}
