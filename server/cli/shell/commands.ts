/**
 * The shell's commands, zkCli.sh's names, flags and output, each run against the SDK
 * Client. Errors come back as SDK error classes and are printed as zkCli prints them
 * ("Node does not exist: /a"); a command's own misuse prints its usage.
 */
import type { Client, CreateMode, WatchEvent, WatcherType } from '../../../sdk/index.js';
import { WardenError } from '../../../sdk/index.js';
import { formatAcl, formatEvent, formatStat, parseAcl } from './syntax.js';

export interface ShellContext {
  client: Client;
  out(text: string): void;
  /** commands entered so far, oldest first (history, redo) */
  history: string[];
  /** runs one command line (redo) */
  runLine(line: string): Promise<boolean>;
  quit(): void;
  printWatches: boolean;
}

export class ShellUsageError extends Error {
  override name = 'ShellUsageError';
}

interface Flags {
  bool: Set<string>;
  value: Map<string, string>;
  args: string[];
}

/** zkCli flags: single letters; those in `valued` take the next word. */
function flags(words: string[], allowed: string, valued = ''): Flags {
  const out: Flags = { bool: new Set(), value: new Map(), args: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const m = /^-([A-Za-z])$/.exec(w);
    if (m && valued.includes(m[1]!)) {
      const v = words[++i];
      if (v === undefined) throw new ShellUsageError(`-${m[1]} needs a value`);
      out.value.set(m[1]!, v);
    } else if (m && allowed.includes(m[1]!)) {
      out.bool.add(m[1]!);
    } else if (m) {
      throw new ShellUsageError(`unknown option ${w}`);
    } else {
      out.args.push(w);
    }
  }
  return out;
}

function intFlag(f: Flags, name: string, fallback: number): number {
  const v = f.value.get(name);
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v)) throw new ShellUsageError(`-${name} expects a number, got "${v}"`);
  return Number(v);
}

function need(f: Flags, min: number, max = min): string[] {
  if (f.args.length < min || f.args.length > max) throw new ShellUsageError(f.args.length < min ? 'missing argument' : `unexpected argument "${f.args[max]}"`);
  return f.args;
}

export interface ShellCommand {
  name: string;
  usage: string;
  run(ctx: ShellContext, words: string[]): Promise<void>;
}

function watcher(ctx: ShellContext): (e: WatchEvent) => void {
  return (e) => {
    if (ctx.printWatches) ctx.out(formatEvent(e));
  };
}

async function listRecursive(client: Client, root: string, out: (s: string) => void): Promise<void> {
  const queue = [root];
  while (queue.length > 0) {
    const path = queue.shift()!;
    out(path);
    const children = (await client.getChildren(path)).sort();
    for (const c of children) queue.push(path === '/' ? `/${c}` : `${path}/${c}`);
  }
}

async function deleteAll(client: Client, path: string): Promise<void> {
  let children: string[] = [];
  try {
    children = await client.getChildren(path);
  } catch (e) {
    if (e instanceof WardenError && e.code === 'NONODE') return;
    throw e;
  }
  for (const c of children) await deleteAll(client, path === '/' ? `/${c}` : `${path}/${c}`);
  if (path === '/') return;
  try {
    await client.delete(path);
  } catch (e) {
    if (!(e instanceof WardenError && e.code === 'NONODE')) throw e;
  }
}

const REMOVE_TYPES: Record<string, WatcherType> = { c: 'children', d: 'data', a: 'any', p: 'persistent', r: 'persistentRecursive' };

export const SHELL_COMMANDS: ShellCommand[] = [
  {
    name: 'ls',
    usage: 'ls [-s] [-w] [-R] path',
    async run(ctx, words) {
      const f = flags(words, 'swR');
      const [path] = need(f, 1);
      if (f.bool.has('R')) return listRecursive(ctx.client, path!, ctx.out);
      const watch = f.bool.has('w') ? watcher(ctx) : undefined;
      const { children, stat } = await ctx.client.getChildren(path!, { watch, withStat: true });
      ctx.out(`[${children.sort().join(', ')}]`);
      if (f.bool.has('s')) ctx.out(formatStat(stat));
    },
  },
  {
    name: 'get',
    usage: 'get [-s] [-w] path',
    async run(ctx, words) {
      const f = flags(words, 'sw');
      const [path] = need(f, 1);
      const { data, stat } = await ctx.client.getData(path!, { watch: f.bool.has('w') ? watcher(ctx) : undefined });
      ctx.out(data.length === 0 ? 'null' : data.toString('utf8'));
      if (f.bool.has('s')) ctx.out(formatStat(stat));
    },
  },
  {
    name: 'stat',
    usage: 'stat [-w] path',
    async run(ctx, words) {
      const f = flags(words, 'w');
      const [path] = need(f, 1);
      const stat = await ctx.client.exists(path!, { watch: f.bool.has('w') ? watcher(ctx) : undefined });
      if (!stat) throw new WardenError(-101, `Node does not exist: ${path}`, { path });
      ctx.out(formatStat(stat));
    },
  },
  {
    name: 'set',
    usage: 'set [-s] [-v version] path data',
    async run(ctx, words) {
      const f = flags(words, 's', 'v');
      const [path, data] = need(f, 2);
      const stat = await ctx.client.setData(path!, data!, { version: intFlag(f, 'v', -1) });
      if (f.bool.has('s')) ctx.out(formatStat(stat));
    },
  },
  {
    name: 'create',
    usage: 'create [-s] [-e] [-c] [-t ttl] path [data] [acl]',
    async run(ctx, words) {
      const f = flags(words, 'sec', 't');
      const [path, data, acl] = need(f, 1, 3);
      const seq = f.bool.has('s');
      const ttl = f.value.has('t') ? intFlag(f, 't', 0) : undefined;
      if (ttl !== undefined && (f.bool.has('e') || f.bool.has('c'))) throw new ShellUsageError('-t cannot be combined with -e or -c');
      if (f.bool.has('e') && f.bool.has('c')) throw new ShellUsageError('-e and -c cannot be combined');
      const mode: CreateMode =
        ttl !== undefined
          ? seq
            ? 'persistentSequentialWithTtl'
            : 'persistentWithTtl'
          : f.bool.has('c')
            ? 'container'
            : f.bool.has('e')
              ? seq
                ? 'ephemeralSequential'
                : 'ephemeral'
              : seq
                ? 'persistentSequential'
                : 'persistent';
      const r = await ctx.client.create(path!, data ?? null, { mode, ttlMs: ttl, acl: acl === undefined ? undefined : parseAcl(acl) });
      ctx.out(`Created ${r.path}`);
    },
  },
  {
    name: 'delete',
    usage: 'delete [-v version] path',
    async run(ctx, words) {
      const f = flags(words, '', 'v');
      const [path] = need(f, 1);
      await ctx.client.delete(path!, { version: intFlag(f, 'v', -1) });
    },
  },
  {
    name: 'deleteall',
    usage: 'deleteall path',
    async run(ctx, words) {
      const [path] = need(flags(words, '', 'b'), 1);
      await deleteAll(ctx.client, path!);
    },
  },
  {
    name: 'getAcl',
    usage: 'getAcl [-s] path',
    async run(ctx, words) {
      const f = flags(words, 's');
      const [path] = need(f, 1);
      const { acl, stat } = await ctx.client.getACL(path!);
      ctx.out(formatAcl(acl));
      if (f.bool.has('s')) ctx.out(formatStat(stat));
    },
  },
  {
    name: 'setAcl',
    usage: 'setAcl [-s] [-v version] [-R] path acl',
    async run(ctx, words) {
      const f = flags(words, 'sR', 'v');
      const [path, aclText] = need(f, 2);
      const acl = parseAcl(aclText!);
      const paths: string[] = [];
      if (f.bool.has('R')) await listRecursive(ctx.client, path!, (p) => paths.push(p));
      else paths.push(path!);
      for (const p of paths) {
        const stat = await ctx.client.setACL(p, acl, { version: p === path ? intFlag(f, 'v', -1) : -1 });
        if (f.bool.has('s') && p === path) ctx.out(formatStat(stat));
      }
    },
  },
  {
    name: 'addauth',
    usage: 'addauth scheme auth',
    async run(ctx, words) {
      const [scheme, auth] = need(flags(words, ''), 2);
      await ctx.client.addAuth(scheme!, auth!);
    },
  },
  {
    name: 'whoami',
    usage: 'whoami',
    async run(ctx, words) {
      need(flags(words, ''), 0);
      ctx.out('Auth scheme: User');
      for (const id of await ctx.client.whoAmI()) ctx.out(`${id.scheme}: ${id.id}`);
    },
  },
  {
    name: 'sync',
    usage: 'sync path',
    async run(ctx, words) {
      const [path] = need(flags(words, ''), 1);
      await ctx.client.sync(path!);
      ctx.out(`Sync is OK`);
    },
  },
  {
    name: 'addWatch',
    usage: 'addWatch [-m mode] path   (mode: PERSISTENT or PERSISTENT_RECURSIVE, default PERSISTENT_RECURSIVE)',
    async run(ctx, words) {
      const f = flags(words, '', 'm');
      const [path] = need(f, 1);
      const m = (f.value.get('m') ?? 'PERSISTENT_RECURSIVE').toUpperCase();
      if (m !== 'PERSISTENT' && m !== 'PERSISTENT_RECURSIVE') throw new ShellUsageError(`-m expects PERSISTENT or PERSISTENT_RECURSIVE, got "${m}"`);
      await ctx.client.addWatch(path!, m === 'PERSISTENT' ? 'persistent' : 'persistentRecursive', { listener: watcher(ctx) });
    },
  },
  {
    name: 'removewatches',
    usage: 'removewatches path [-c|-d|-a|-p|-r] [-l]   (children, data, any (default), persistent, recursive; -l: only locally)',
    async run(ctx, words) {
      const f = flags(words, 'cdaprl');
      const [path] = need(f, 1);
      const kinds = [...f.bool].filter((k) => k !== 'l');
      if (kinds.length > 1) throw new ShellUsageError('give at most one of -c, -d, -a, -p, -r');
      await ctx.client.removeWatches(path!, REMOVE_TYPES[kinds[0] ?? 'a']!, { local: f.bool.has('l') });
    },
  },
  {
    name: 'getEphemerals',
    usage: 'getEphemerals [path]',
    async run(ctx, words) {
      const [path] = need(flags(words, ''), 0, 1);
      ctx.out(`[${(await ctx.client.getEphemerals(path ?? '/')).sort().join(', ')}]`);
    },
  },
  {
    name: 'getAllChildrenNumber',
    usage: 'getAllChildrenNumber path',
    async run(ctx, words) {
      const [path] = need(flags(words, ''), 1);
      ctx.out(String(await ctx.client.getAllChildrenNumber(path!)));
    },
  },
  {
    name: 'printwatches',
    usage: 'printwatches on|off',
    async run(ctx, words) {
      const [v] = need(flags(words, ''), 0, 1);
      if (v === undefined) ctx.out(`printwatches is ${ctx.printWatches ? 'on' : 'off'}`);
      else if (v === 'on' || v === 'off') ctx.printWatches = v === 'on';
      else throw new ShellUsageError('expected on or off');
    },
  },
  {
    name: 'history',
    usage: 'history',
    async run(ctx) {
      const start = Math.max(0, ctx.history.length - 11);
      ctx.history.slice(start, -1).forEach((line, i) => ctx.out(`${start + i} - ${line}`));
    },
  },
  {
    name: 'redo',
    usage: 'redo cmdno',
    async run(ctx, words) {
      const [n] = need(flags(words, ''), 1);
      const line = /^\d+$/.test(n!) ? ctx.history[Number(n)] : undefined;
      if (line === undefined || /^redo\b/.test(line)) throw new ShellUsageError(`no command number ${n} in the history`);
      ctx.history[ctx.history.length - 1] = line;
      await ctx.runLine(line);
    },
  },
  {
    name: 'quit',
    usage: 'quit',
    async run(ctx) {
      ctx.quit();
    },
  },
];

export const COMMAND_NAMES = SHELL_COMMANDS.map((c) => c.name).concat(['help', 'close', 'exit']);

export function findShellCommand(name: string): ShellCommand | undefined {
  return SHELL_COMMANDS.find((c) => c.name === name) ?? SHELL_COMMANDS.find((c) => c.name.toLowerCase() === name.toLowerCase());
}

/** zkCli's messages for the common codes; anything else: CODE: message. */
export function describeError(e: unknown): string {
  if (e instanceof WardenError) {
    const p = e.path ?? '';
    switch (e.code) {
      case 'NONODE':
        return `Node does not exist: ${p}`;
      case 'NODEEXISTS':
        return `Node already exists: ${p}`;
      case 'BADVERSION':
        return `version No is not valid : ${p}`;
      case 'NOTEMPTY':
        return `Node not empty: ${p}`;
      case 'NOAUTH':
        return `Insufficient permission : ${p}`;
      case 'NOCHILDRENFOREPHEMERALS':
        return `Ephemerals cannot have children: ${p}`;
      case 'INVALIDACL':
        return `Acl is not valid : ${p}`;
      case 'NOWATCHER':
        return `No watcher of that kind on ${p}`;
      default:
        return `${e.code}: ${e.message}`;
    }
  }
  if (e instanceof TypeError || e instanceof SyntaxError || e instanceof RangeError) return e.message;
  return e instanceof Error ? e.message : String(e);
}
