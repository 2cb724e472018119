#!/usr/bin/env node
// `npm run test:faults -- --runs N [--seed S] [--duration-ms MS] [--topologies standalone,3,5]`: a longer fault batch
// (test/faults/batch.test.ts with the storage scenarios) and its figures table.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptArgs, wholeNumber } from './script-args.mjs';

const values = scriptArgs(
  'test:faults',
  `  --runs N              fault runs (default 10)
  --seed S              seed of the first run; run i uses S+i (default 1)
  --duration-ms MS      workload time per run (default 15000)
  --topologies LIST     comma list of standalone, 3 and 5 (default standalone,3,5)
Prints the figures table (histories checked, writes lost, lock overlaps, faults applied,
the storage-fault matrix); a failing run prints its seed and keeps its histories and data.`,
  {
    runs: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    'duration-ms': { type: 'string', default: '15000' },
    topologies: { type: 'string', default: 'standalone,3,5' },
  },
);
if (!/^(standalone|3|5)(,(standalone|3|5))*$/.test(values.topologies)) {
  process.stderr.write(`test:faults: --topologies is a comma list of standalone, 3 and 5, got "${values.topologies}"\n`);
  process.exit(2);
}
for (const k of ['runs', 'seed', 'duration-ms']) wholeNumber('test:faults', values, k);
const table = join(mkdtempSync(join(tmpdir(), 'warden-figures-')), 'figures.txt');
const command = `npm run test:faults -- --runs ${values.runs} --seed ${values.seed} --duration-ms ${values['duration-ms']} --topologies ${values.topologies}`;
const r = spawnSync('npx', ['vitest', 'run', 'test/faults/batch.test.ts'], {
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    WARDEN_FAULT_RUNS: values.runs,
    WARDEN_FAULT_SEED: values.seed,
    WARDEN_FAULT_DURATION_MS: values['duration-ms'],
    WARDEN_FAULT_TOPOLOGIES: values.topologies,
    WARDEN_FAULT_STORAGE: '1',
    WARDEN_FAULT_TABLE: table,
    WARDEN_FAULT_COMMAND: command,
  },
});
if (existsSync(table)) process.stdout.write(`\n===== figures =====\n${readFileSync(table, 'utf8')}`);
process.exit(r.status ?? 1);
