/**
 * The shell's text formats, as zkCli.sh writes them: command lines split into words with
 * quotes, ACLs as `scheme:id:perms[,...]` with perms from `cdrwa`, Stat blocks, ACL lists,
 * and watch events. Pure.
 */
import type { Acl, Stat, WatchEvent } from '../../../sdk/index.js';

/** Splits a line into words; "double" or 'single' quotes keep spaces, backslash escapes. */
export function tokenize(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new SyntaxError(`unclosed ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}

const PERM_LETTERS: Array<[string, number]> = [
  ['c', 4],
  ['d', 8],
  ['r', 1],
  ['w', 2],
  ['a', 16],
];

export function permsToText(perms: number): string {
  return PERM_LETTERS.filter(([, bit]) => (perms & bit) !== 0)
    .map(([l]) => l)
    .join('');
}

export function permsFromText(text: string): number {
  let perms = 0;
  for (const ch of text) {
    const p = PERM_LETTERS.find(([l]) => l === ch.toLowerCase());
    if (!p) throw new SyntaxError(`unknown permission "${ch}" (use c, d, r, w, a)`);
    perms |= p[1];
  }
  return perms;
}

/** `world:anyone:cdrwa,digest:bob:hash=:r,ip:10.0.0.0/8:r` -> ACL entries. */
export function parseAcl(text: string): Acl[] {
  return text.split(',').map((entry) => {
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    if (first <= 0 || last === first) throw new SyntaxError(`ACL entry "${entry}" is not scheme:id:perms`);
    return { id: { scheme: entry.slice(0, first), id: entry.slice(first + 1, last) }, perms: permsFromText(entry.slice(last + 1)) };
  });
}

const hex = (n: bigint): string => `0x${n.toString(16)}`;

/** zkCli's Stat block. */
export function formatStat(s: Stat): string {
  return [
    `cZxid = ${hex(s.czxid)}`,
    `ctime = ${new Date(s.ctime).toUTCString()}`,
    `mZxid = ${hex(s.mzxid)}`,
    `mtime = ${new Date(s.mtime).toUTCString()}`,
    `pZxid = ${hex(s.pzxid)}`,
    `cversion = ${s.cversion}`,
    `dataVersion = ${s.version}`,
    `aclVersion = ${s.aversion}`,
    `ephemeralOwner = ${hex(s.ephemeralOwner)}`,
    `dataLength = ${s.dataLength}`,
    `numChildren = ${s.numChildren}`,
  ].join('\n');
}

/** zkCli's ACL listing: `'world,'anyone` then `: cdrwa`. */
export function formatAcl(acl: readonly Acl[]): string {
  return acl.map((a) => `'${a.id.scheme},'${a.id.id}\n: ${permsToText(a.perms)}`).join('\n');
}

export function formatEvent(e: WatchEvent): string {
  const state = e.state === 'expired' ? 'Expired' : e.state === 'closed' ? 'Closed' : 'SyncConnected';
  return `WATCHER::\n\nWatchedEvent state:${state} type:${e.type} path:${e.path}`;
}
