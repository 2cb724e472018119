/**
 * `warden shell -server host:port[,host:port]` — zkCli.sh for Warden, on the SDK.
 *
 * With a command after the options it runs that one command and exits (0 ok, 1 failed);
 * otherwise it reads commands from the terminal (prompt, tab completion of commands and
 * znode paths, history) or, when stdin is not a terminal, one per line from stdin.
 */
import { readFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { connect, type Client } from '../../../sdk/index.js';
import { CommandError, UsageError } from '../args.js';
import { COMMAND_NAMES, describeError, findShellCommand, SHELL_COMMANDS, ShellUsageError, type ShellContext } from './commands.js';
import { tokenize } from './syntax.js';

export const SHELL_HELP = `Usage: warden shell [-server host:port[,host:port...]] [-timeout ms] [-tls] [-tls-ca file] [-tls-cert file -tls-key file] [command args...]

An interactive shell like zkCli.sh. With a command, runs it and exits (exit code 1 if it
failed), e.g.  warden shell -server localhost:2181 ls /
  -server <list>    servers to connect to (default localhost:2181)
  -timeout <ms>     session timeout (default 30000)
  -tls              connect with TLS (to secureClientPort), trusting Node's root CAs
  -tls-ca <file>    connect with TLS, trusting this CA (PEM)
  -tls-cert <file>  client certificate (PEM) for servers with ssl.clientAuth=need
  -tls-key <file>   its private key (PEM)
  -h, --help        this help

Commands:
${SHELL_COMMANDS.map((c) => `  ${c.usage}`).join('\n')}
  help
`;

interface ShellArgs {
  servers: string;
  timeoutMs: number;
  command: string[];
  /** undefined: plain TCP; otherwise the PEM files to read (each optional) */
  tls?: { ca?: string; cert?: string; key?: string };
}

/** zkCli spells its options with one dash (-server); both spellings work. */
export function parseShellArgs(args: string[]): ShellArgs | 'help' {
  const out: ShellArgs = { servers: 'localhost:2181', timeoutMs: 30_000, command: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help' || a === '-help') return 'help';
    if (a === '-tls' || a === '--tls') {
      out.tls ??= {};
      continue;
    }
    const opt = /^--?(server|timeout|tls-ca|tls-cert|tls-key)$/.exec(a)?.[1];
    if (opt === undefined) {
      if (a.startsWith('-') && out.command.length === 0) throw new UsageError(`unknown option ${a}`, SHELL_HELP);
      out.command = args.slice(i);
      break;
    }
    const v = args[++i];
    if (v === undefined) throw new UsageError(`${a} needs a value`, SHELL_HELP);
    if (opt === 'server') out.servers = v;
    else if (opt.startsWith('tls-')) (out.tls ??= {})[opt.slice(4) as 'ca' | 'cert' | 'key'] = v;
    else if (/^\d+$/.test(v) && Number(v) > 0) out.timeoutMs = Number(v);
    else throw new UsageError(`-timeout expects milliseconds, got "${v}"`, SHELL_HELP);
  }
  if (out.tls && (out.tls.cert === undefined) !== (out.tls.key === undefined)) throw new UsageError('-tls-cert and -tls-key go together', SHELL_HELP);
  return out;
}

function helpText(): string {
  return `warden shell commands:\n${SHELL_COMMANDS.map((c) => `\t${c.usage}`).join('\n')}`;
}

/** Runs one command line; false if it failed. */
async function runLine(ctx: ShellContext, line: string): Promise<boolean> {
  let words: string[];
  try {
    words = tokenize(line);
  } catch (e) {
    ctx.out((e as Error).message);
    return false;
  }
  return runWords(ctx, words);
}

async function runWords(ctx: ShellContext, words: string[]): Promise<boolean> {
  const [name, ...rest] = words;
  if (name === undefined) return true;
  if (name === 'help') {
    ctx.out(helpText());
    return true;
  }
  if (name === 'close' || name === 'exit') {
    ctx.quit();
    return true;
  }
  const cmd = findShellCommand(name);
  if (!cmd) {
    ctx.out(`Command not found: ${name}\n${helpText()}`);
    return false;
  }
  try {
    await cmd.run(ctx, rest);
    return true;
  } catch (e) {
    ctx.out(e instanceof ShellUsageError ? `${e.message}\nUsage: ${cmd.usage}` : describeError(e));
    return false;
  }
}

/** Completes the command name, then znode paths by listing the parent on the server. */
export function completer(client: Client): (line: string, cb: (err: null, result: [string[], string]) => void) => void {
  return (line, cb) => {
    const words = line.split(/\s+/);
    const last = words.at(-1) ?? '';
    if (words.length <= 1) {
      const hits = COMMAND_NAMES.filter((c) => c.startsWith(last));
      cb(null, [hits.length > 0 ? hits.map((h) => `${h} `) : COMMAND_NAMES, last]);
      return;
    }
    if (!last.startsWith('/')) {
      cb(null, [[], last]);
      return;
    }
    const cut = last.lastIndexOf('/');
    const parent = cut === 0 ? '/' : last.slice(0, cut);
    const prefix = last.slice(cut + 1);
    client
      .getChildren(parent)
      .then((children) => {
        const base = parent === '/' ? '/' : `${parent}/`;
        cb(null, [children.filter((c) => c.startsWith(prefix)).sort().map((c) => base + c), last]);
      })
      .catch(() => cb(null, [[], last]));
  };
}

function readPem(file: string | undefined, flag: string): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (e) {
    throw new CommandError(`${flag} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function shell(args: string[]): Promise<number> {
  const parsed = parseShellArgs(args);
  if (parsed === 'help') {
    process.stdout.write(SHELL_HELP);
    return 0;
  }
  const tls = parsed.tls && { ca: readPem(parsed.tls.ca, '-tls-ca'), cert: readPem(parsed.tls.cert, '-tls-cert'), key: readPem(parsed.tls.key, '-tls-key') };
  let client: Client;
  const connectMs = Math.min(parsed.timeoutMs, 15_000);
  // A timer of our own keeps the process alive while connect() tries, and bounds it.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no server answered within ${connectMs} ms`)), connectMs);
  try {
    client = await connect({ servers: parsed.servers, sessionTimeoutMs: parsed.timeoutMs, connectTimeoutMs: connectMs, signal: abort.signal, ...(tls ? { tls } : {}) });
  } catch (e) {
    const reason = abort.signal.aborted ? (abort.signal.reason as Error).message : (e as Error).message;
    throw new CommandError(`cannot connect to ${parsed.servers}: ${reason}`);
  } finally {
    clearTimeout(timer);
  }
  const out = (text: string): void => {
    process.stdout.write(`${text}\n`);
  };
  let quitting = false;
  const ctx: ShellContext = {
    client,
    out,
    history: [],
    runLine: (line) => runLine(ctx, line),
    quit: () => {
      quitting = true;
    },
    printWatches: true,
  };

  if (parsed.command.length > 0) {
    // The words arrive already split by the calling shell: no second tokenizing.
    const ok = await runWords(ctx, parsed.command);
    await client.close();
    return ok ? 0 : 1;
  }

  const interactive = process.stdin.isTTY === true;
  const rl: Interface = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: interactive,
    completer: interactive ? completer(client) : undefined,
    historySize: 500,
  });
  const prompt = (): void => {
    rl.setPrompt(`[warden: ${client.server ?? parsed.servers}(${client.state.toUpperCase()}) ${ctx.history.length}] `);
    rl.prompt();
  };
  client.on('state', (ev) => {
    if (!quitting && ev.state !== 'closed') out(`\nWATCHER::\n\nWatchedEvent state:${ev.state} type:None path:null`);
  });
  if (interactive) out(`Connected to ${client.server ?? parsed.servers}, session 0x${client.sessionId.toString(16)}. Type help for the commands.`);
  let failures = 0;
  prompt();
  for await (const line of rl) {
    if (line.trim() !== '') {
      ctx.history.push(line.trim());
      if (!(await runLine(ctx, line))) failures++;
    }
    if (quitting) break;
    prompt();
  }
  rl.close();
  await client.close();
  if (!interactive) process.stdout.write('\n');
  // Scripted input: say whether everything worked, as a script expects.
  return interactive || failures === 0 ? 0 : 1;
}
