/**
 * Argument parsing shared by the `warden` subcommands: node:util parseArgs with its
 * errors turned into a UsageError (exit code 2, the command's help printed after it).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly help?: string,
  ) {
    super(message);
  }
}

/** A command's failure that is not a usage error: printed as "warden: <message>", exit 1. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(args: string[], options: O, help: string, positionals = false): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: positionals });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''), help);
  }
}

/** Parses a whole number option, naming it in the error. */
export function intOption(name: string, value: string | undefined, min: number, help: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`--${name} expects a whole number >= ${min}, got "${value}"`, help);
  return Number(value);
}
