/**
 * `npm run sim -- --seeds N [--from S]` runs a campaign of N random schedules and prints
 * how many schedules and steps ran and how many violations were found; `--seed S` (with
 * the options a failure prints) replays one schedule and prints its violations in full.
 * `--faults '{"client":0.05}'` sets the named fault rates over each seed's own.
 */
import { parseArgs } from 'node:util';
import { CRASH_POINTS, replayCommand, runSeed, scheduleFor, type CrashPoint, type RunResult, type Schedule } from './simulator.js';

function main(): number {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string' },
      from: { type: 'string' },
      seed: { type: 'string' },
      voters: { type: 'string' },
      observers: { type: 'string' },
      'crash-on': { type: 'string' },
      'crash-when': { type: 'string' },
      faults: { type: 'string' },
    },
    strict: true,
  });
  const overrides: Partial<Schedule> = {};
  if (values.voters) overrides.voters = Number(values.voters);
  if (values.observers) overrides.observers = Number(values.observers);
  if (values['crash-on']) {
    const c = values['crash-on'];
    if (c !== 'none' && !CRASH_POINTS.includes(c as CrashPoint)) throw new TypeError(`--crash-on must be none or one of ${CRASH_POINTS.join(', ')}`);
    overrides.crashOn = c === 'none' ? undefined : (c as CrashPoint);
  }
  if (values['crash-when']) {
    const w = values['crash-when'];
    if (w !== 'before' && w !== 'after' && w !== 'midPersist') throw new TypeError('--crash-when must be before, after or midPersist');
    overrides.crashWhen = w;
  }
  // JSON of fault rates, over each seed's own (e.g. '{"client":0.05}')
  const faults = values.faults ? (JSON.parse(values.faults) as Partial<Schedule['faults']>) : undefined;
  const run = (seed: number): RunResult => runSeed(seed, faults ? { ...overrides, faults: { ...scheduleFor(seed).faults, ...faults } } : overrides);
  if (values.seed !== undefined) {
    const r = run(Number(values.seed));
    process.stdout.write(`seed ${r.schedule.seed}: ${JSON.stringify(r.schedule, (_k, v: unknown) => v)}\n`);
    process.stdout.write(`steps ${r.steps}, committed ${r.committed}, acknowledged ${r.acknowledged}, elections ${r.elections}, crashes ${r.crashes}, sessions expired ${r.expired}, syncs ${JSON.stringify(r.syncModes)}\n`);
    for (const v of r.violations) process.stdout.write(`VIOLATION ${v}\n`);
    process.stdout.write(r.violations.length === 0 ? 'ok\n' : `replay: ${replayCommand(r.schedule)}\n`);
    return r.violations.length === 0 ? 0 : 1;
  }
  const n = Number(values.seeds ?? 100);
  const from = Number(values.from ?? Date.now() % 1_000_000_000);
  let steps = 0;
  let violations = 0;
  let committed = 0;
  let expired = 0;
  const started = Date.now();
  for (let i = 0; i < n; i++) {
    const r = run(from + i);
    steps += r.steps;
    committed += r.committed;
    expired += r.expired;
    if (r.violations.length > 0) {
      violations += r.violations.length;
      process.stdout.write(`FAIL seed ${r.schedule.seed}: ${r.violations[0]}\n  replay: ${replayCommand(r.schedule)}\n`);
    }
  }
  process.stdout.write(`schedules ${n} (seeds ${from}..${from + n - 1}), steps ${steps}, committed txns ${committed}, sessions expired ${expired}, violations ${violations}, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return violations === 0 ? 0 : 1;
}

process.exitCode = main();
