#!/usr/bin/env node
// `npm run bench`: the benchmark harness (test/bench/), run from the built code in dist/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'test', 'bench', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`warden-bench: ${main} is missing; run "npm run build" first\n`);
  process.exit(2);
}
const { run } = await import(pathToFileURL(main).href);
process.exitCode = await run(process.argv.slice(2));
