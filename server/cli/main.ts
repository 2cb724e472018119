/**
 * The `warden` command line: the zkServer.sh verbs (start, stop, restart, status), the
 * zkCli.sh shell, and the storage inspection tools. Each subcommand has --help.
 * Exit codes: 0 ok, 1 the command failed (server not running, damage found, cannot start),
 * 2 a usage error.
 */
import { WARDEN_VERSION } from '../cluster/server.js';
import { CommandError, UsageError } from './args.js';
import { restart, RESTART_HELP, status, STATUS_HELP, stop, STOP_HELP } from './control.js';
import { LOG_HELP, logTool, SNAPSHOT_HELP, snapshotTool } from './inspect-tools.js';
import { start, START_HELP } from './start.js';
import { shell, SHELL_HELP } from './shell/shell.js';

const HELP = `Usage: warden <command> [options]

Server (like zkServer.sh):
  start [--config <zoo.cfg>] [--foreground]   start a server (in the background unless
                                              --foreground); no config: standalone on
                                              port 2181 with data in ./data
  stop [--config <zoo.cfg>]                   stop it gracefully
  restart [--config <zoo.cfg>]                stop, then start
  status [--config <zoo.cfg>] [--server h:p]  print Mode (standalone, leader, follower,
                                              observer), zxid and client port; exit 1
                                              when not running

Client (like zkCli.sh):
  shell [-server h:p[,h:p]] [command args]    interactive shell, or run one command

Storage tools:
  log dump|verify <file>                      print or check a txn log segment
  snapshot dump|verify <file>                 print or check a snapshot

Other:
  version                                     print the version
  help [command]                              help for a command

Environment: WARDEN_LOG_LEVEL=debug|info|warn|error (default info)
`;

const HELPS: Record<string, string> = {
  start: START_HELP,
  stop: STOP_HELP,
  restart: RESTART_HELP,
  status: STATUS_HELP,
  log: LOG_HELP,
  snapshot: SNAPSHOT_HELP,
  shell: SHELL_HELP,
};

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  start,
  stop,
  restart,
  status,
  log: logTool,
  snapshot: snapshotTool,
  shell,
};

export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h': {
        const topic = rest[0];
        if (topic !== undefined && HELPS[topic] === undefined) throw new UsageError(`no help for unknown command "${topic}"`, HELP);
        process.stdout.write(topic === undefined ? HELP : HELPS[topic]!);
        return 0;
      }
      case 'version':
      case '--version':
      case '-v':
        process.stdout.write(`warden ${WARDEN_VERSION}\n`);
        return 0;
      default: {
        const handler = COMMANDS[command];
        if (!handler) throw new UsageError(`unknown command "${command}"`, HELP);
        return await handler(rest);
      }
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`warden: ${e.message}\n\n${e.help ?? HELP}`);
      return 2;
    }
    if (e instanceof CommandError) {
      process.stderr.write(`warden: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
