/**
 * Goal: enforce STYLE rule 1 by reading the source. The pure folders (server/zab, tree,
 * session, watch, request) never read a clock, a random source or a timer and have no
 * async/await; only server/storage, server/config and server/cli import node:fs (and
 * test/). Comments and string contents are ignored, so a module may say "never call
 * Date.now" in its header. A pure folder that does not exist yet is skipped and covered
 * once it lands.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PURE = ['server/zab', 'server/tree', 'server/session', 'server/watch', 'server/request'];
const MAY_USE_FS = ['server/storage', 'server/config', 'server/cli'];
const SOURCE_ROOTS = ['server', 'sdk', 'recipes', 'proto'];

const IMPURE: Array<[RegExp, string]> = [
  [/\bDate\.now\b/, 'Date.now'],
  [/\bnew\s+Date\b/, 'new Date'],
  [/\bMath\.random\b/, 'Math.random'],
  [/\bsetTimeout\b/, 'setTimeout'],
  [/\bsetInterval\b/, 'setInterval'],
  [/\bsetImmediate\b/, 'setImmediate'],
  [/\bperformance\.now\b/, 'performance.now'],
  [/\bprocess\.hrtime\b/, 'process.hrtime'],
  [/\basync\b/, 'async'],
  [/\bawait\b/, 'await'],
];
const FS_IMPORT = /(?:from\s*|import\s*\(\s*|require\s*\(\s*)(['"])(?:node:)?fs(?:\/promises)?\1/;

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Blanks comments and the contents of string literals, keeping line breaks (so line numbers hold). */
export function codeOnly(text: string, keepStrings = false): string {
  let out = '';
  let i = 0;
  const blank = (s: string): string => s.replace(/[^\n]/g, ' ');
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += blank(text.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += blank(text.slice(i, stop));
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      const body = text.slice(i + 1, j);
      out += c + (keepStrings ? body : blank(body)) + c;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function findings(files: string[], rules: Array<[RegExp, string]>, keepStrings: boolean): string[] {
  const out: string[] = [];
  for (const file of files) {
    const lines = codeOnly(readFileSync(file, 'utf8'), keepStrings).split('\n');
    lines.forEach((line, n) => {
      for (const [re, what] of rules) if (re.test(line)) out.push(`${relative(ROOT, file)}:${n + 1}: ${what}`);
    });
  }
  return out;
}

describe('tidy: STYLE rule 1', () => {
  it('the comment and string stripper ignores what is not code', () => {
    const src = "// Date.now\n/* await */ const s = 'setTimeout'; const t = `Math.random`;\nDate.now();";
    const code = codeOnly(src);
    expect(code.split('\n')).toHaveLength(3);
    expect(/Date\.now/.test(code.split('\n')[0]!)).toBe(false);
    expect(/await|setTimeout|Math\.random/.test(code)).toBe(false);
    expect(/Date\.now/.test(code.split('\n')[2]!)).toBe(true);
  });

  it.each(PURE)('%s reads no clock, random source or timer, and has no async/await', (folder) => {
    const files = tsFiles(join(ROOT, folder));
    expect(findings(files, IMPURE, false)).toEqual([]);
  });

  it('only server/storage, server/config and server/cli import node:fs', () => {
    const files = SOURCE_ROOTS.flatMap((r) => tsFiles(join(ROOT, r))).filter((f) => !MAY_USE_FS.some((ok) => relative(ROOT, f).startsWith(`${ok}/`)));
    expect(files.length).toBeGreaterThan(0);
    expect(findings(files, [[FS_IMPORT, 'imports node:fs']], true)).toEqual([]);
  });

  it('the fs rule catches every import form', () => {
    for (const src of ["import { readFileSync } from 'node:fs';", 'import * as fs from "fs";', "import { open } from 'node:fs/promises';", "const fs = await import('fs');"]) {
      expect(FS_IMPORT.test(codeOnly(src, true)), src).toBe(true);
    }
    expect(FS_IMPORT.test(codeOnly("import { join } from 'node:path';", true))).toBe(false);
  });
});
