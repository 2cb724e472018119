// A client whose wall clock steps back an hour in the middle of a call (run under
// libfaketime with FAKETIME_TIMESTAMP_FILE=<controlFile>): it connects, says "ready", waits
// for a line on stdin (the parent stops the server meanwhile), starts a read with a 2 s
// timeout, steps its own clock back, and prints how the read ended and after how long (on
// the monotonic clock). Runs from dist/.
// argv: servers controlFile
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { connect } from '../../../dist/sdk/index.js';

const [servers, controlFile] = process.argv.slice(2);
const c = await connect({ servers, sessionTimeoutMs: 4000 });
await c.create('/skew', 'x').catch(() => undefined);
process.stdout.write('ready\n');
await new Promise((r) => process.stdin.once('data', r));
const t0 = performance.now();
const read = c.getData('/skew', { timeoutMs: 2000 }).then(
  () => 'ok',
  (e) => e.name,
);
writeFileSync(controlFile, '-3600s\n');
const outcome = await read;
process.stdout.write(`${JSON.stringify({ outcome, elapsedMs: Math.round(performance.now() - t0) })}\n`);
process.exit(0);
