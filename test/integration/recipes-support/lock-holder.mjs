// A lock holder in its own process, so a test can SIGSTOP it. Started by
// recipes-faults.test.ts as: node lock-holder.mjs <servers> <lockPath> <sessionTimeoutMs>
// It reports JSON lines on stdout: {"event":"acquired","token"}, {"event":"lost","reason"},
// {"event":"write","token"}; on the stdin line "write" it writes with its token, as a
// stale holder that does not check its signal would.
import { createInterface } from 'node:readline';
import { connect } from '../../../dist/sdk/index.js';
import { Mutex, formatToken } from '../../../dist/recipes/index.js';

const [servers, path, timeout] = process.argv.slice(2);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const client = await connect({ servers, sessionTimeoutMs: Number(timeout) });
const lock = await new Mutex(client, path).acquire();
const token = formatToken(lock.token);
lock.signal.addEventListener('abort', () => say({ event: 'lost', reason: lock.signal.reason.reason }));
say({ event: 'acquired', token, sessionTimeoutMs: client.sessionTimeoutMs });
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'write') say({ event: 'write', token });
});
