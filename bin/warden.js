#!/usr/bin/env node
// The `warden` command. Runs the built code in dist/ (npm run build).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'server', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`warden: ${main} is missing; run "npm run build" first\n`);
  process.exit(2);
}
const { run } = await import(pathToFileURL(main).href);
process.exitCode = await run(process.argv.slice(2));
