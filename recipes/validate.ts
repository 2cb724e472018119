/**
 * Option checks shared by the recipes. Every bad option is a TypeError that names the
 * recipe and the option (p-retry's convention), so a typo fails at the call, not later
 * inside a watch callback. Pure: no I/O, no clock.
 */

export type Options = Record<string, unknown>;

/** The options object itself: undefined means "all defaults". */
export function optionsObject(where: string, opts: unknown): Options {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw new TypeError(`${where}: options must be an object`);
  return opts as Options;
}

/** Refuses keys the recipe does not know (a misspelt `timeoutMs` would otherwise be ignored). */
export function knownKeys(where: string, opts: Options, keys: readonly string[]): void {
  for (const k of Object.keys(opts)) if (!keys.includes(k)) throw new TypeError(`${where}: unknown option \`${k}\``);
}

export function checkPath(where: string, name: string, v: unknown): string {
  if (typeof v !== 'string' || !v.startsWith('/') || (v.length > 1 && v.endsWith('/')) || v.includes('//')) {
    throw new TypeError(`${where}: \`${name}\` must be an absolute path like '/app/lock' (no trailing slash), got ${show(v)}`);
  }
  return v;
}

/** A single node name (no slash), as used for ids and prefixes. */
export function checkName(where: string, name: string, v: unknown): string {
  if (typeof v !== 'string' || v === '' || v.includes('/') || v === '.' || v === '..') {
    throw new TypeError(`${where}: \`${name}\` must be a non-empty node name without '/', got ${show(v)}`);
  }
  return v;
}

export function intOption(where: string, opts: Options, name: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = opts[name];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new TypeError(`${where}: option \`${name}\` must be an integer between ${min} and ${max}, got ${show(v)}`);
  }
  return v;
}

/** An optional positive integer (undefined stays undefined). */
export function optionalInt(where: string, opts: Options, name: string, min: number): number | undefined {
  if (opts[name] === undefined) return undefined;
  return intOption(where, opts, name, 0, min);
}

export function boolOption(where: string, opts: Options, name: string, def: boolean): boolean {
  const v = opts[name];
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw new TypeError(`${where}: option \`${name}\` must be a boolean, got ${show(v)}`);
  return v;
}

export function stringOption(where: string, opts: Options, name: string, def: string): string {
  const v = opts[name];
  if (v === undefined) return def;
  if (typeof v !== 'string') throw new TypeError(`${where}: option \`${name}\` must be a string, got ${show(v)}`);
  return v;
}

export function functionOption<F extends (...args: never[]) => unknown>(where: string, opts: Options, name: string): F | undefined {
  const v = opts[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'function') throw new TypeError(`${where}: option \`${name}\` must be a function`);
  return v as F;
}

export function signalOption(where: string, opts: Options): AbortSignal | undefined {
  const v = opts.signal;
  if (v === undefined) return undefined;
  if (!(v instanceof AbortSignal)) throw new TypeError(`${where}: option \`signal\` must be an AbortSignal`);
  return v;
}

/** `timeoutMs`: a positive number of milliseconds, or undefined for "wait as long as it takes". */
export function timeoutOption(where: string, opts: Options): number | undefined {
  const v = opts.timeoutMs;
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new TypeError(`${where}: option \`timeoutMs\` must be a positive number, got ${show(v)}`);
  return v;
}

/** `{ signal, timeoutMs }` of a waiting call, checked. */
export interface WaitOptions {
  /** Gives up the wait; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Gives up the wait after this many ms with a TimeoutError. @default no limit */
  timeoutMs?: number;
}

export function waitOptions(where: string, opts: unknown, extraKeys: readonly string[] = []): { signal: AbortSignal | undefined; timeoutMs: number | undefined; opts: Options } {
  const o = optionsObject(where, opts);
  knownKeys(where, o, ['signal', 'timeoutMs', ...extraKeys]);
  return { signal: signalOption(where, o), timeoutMs: timeoutOption(where, o), opts: o };
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return 'a function';
  if (v !== null && typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}
