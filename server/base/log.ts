/**
 * Logging: one line per event, readable by a person and parseable by a machine:
 *   2026-11-24T15:00:00.000Z INFO  serving mode=standalone client=0.0.0.0:2181
 * Written synchronously to stderr/stdout streams in order, never buffered behind the
 * protocol (ZooKeeper's asynchronous logging is among the causes of its sync-phase bugs).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: object): void;
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function parseLogLevel(text: string | undefined, fallback: LogLevel = 'info'): LogLevel {
  const t = (text ?? '').toLowerCase();
  return t === 'debug' || t === 'info' || t === 'warn' || t === 'error' ? t : fallback;
}

function formatValue(v: unknown): string {
  if (typeof v === 'bigint') return `0x${v.toString(16)}`;
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (v instanceof Error) return JSON.stringify(v.message);
  return typeof v === 'object' && v !== null ? JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x)) : String(v);
}

export function formatLine(level: LogLevel, msg: string, fields: object | undefined, now: Date): string {
  let line = `${now.toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}`;
  if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${formatValue(v)}`;
  return line;
}

export function createLogger(opts: { level?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const min = RANK[opts.level ?? parseLogLevel(process.env.WARDEN_LOG_LEVEL)];
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: object): void => {
      if (RANK[level] >= min) write(formatLine(level, msg, fields, new Date()));
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
