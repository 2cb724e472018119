// Command-line options of the npm scripts (test:faults, failover, ensemble): node's
// parseArgs, plus `--help` and a one-line error with exit code 2 for an unknown or
// malformed option instead of a stack trace.
import { parseArgs } from 'node:util';

/**
 * @param {string} name the npm script, as the user types it after `npm run`
 * @param {string} usage the help text (options and defaults)
 * @param {import('node:util').ParseArgsConfig['options']} options
 */
export function scriptArgs(name, usage, options) {
  let parsed;
  try {
    parsed = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true });
  } catch (e) {
    process.stderr.write(`${name}: ${e.message}\nTry: npm run ${name} -- --help\n`);
    process.exit(2);
  }
  if (parsed.values.help) {
    process.stdout.write(`usage: npm run ${name} -- [options]\n${usage}\n`);
    process.exit(0);
  }
  return parsed.values;
}

/** A whole number >= min from option `key`, or a one-line error and exit 2. */
export function wholeNumber(name, values, key, min = 1) {
  const v = values[key];
  if (!/^\d+$/.test(v) || Number(v) < min) {
    process.stderr.write(`${name}: --${key} must be a whole number >= ${min}, got "${v}"\n`);
    process.exit(2);
  }
  return Number(v);
}
