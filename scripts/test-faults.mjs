#!/usr/bin/env node
// `npm run test:faults -- --runs N [--seed S] [--duration-ms MS] [--topologies standalone,3,5]`: a longer fault batch
// (test/faults/batch.test.ts with the storage scenarios) and its figures table.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    'duration-ms': { type: 'string', default: '15000' },
    topologies: { type: 'string', default: 'standalone,3,5' },
  },
  strict: true,
});
if (!/^(standalone|3|5)(,(standalone|3|5))*$/.test(values.topologies)) {
  process.stderr.write(`test:faults: --topologies is a comma list of standalone, 3 and 5, got "${values.topologies}"\n`);
  process.exit(2);
}
for (const [k, v] of Object.entries(values)) {
  if (k === 'topologies') continue;
  if (!/^\d+$/.test(v) || Number(v) < 1) {
    process.stderr.write(`test:faults: --${k} must be a whole number >= 1, got "${v}"\n`);
    process.exit(2);
  }
}
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
