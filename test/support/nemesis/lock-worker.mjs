// A lock holder in its own process (so the nemesis can SIGSTOP it, as a GC pause or a
// stalled VM would): acquires Warden's Mutex again and again and, while it believes it
// holds the lock, "writes" to the fencing resource by printing one JSON line per write.
// The parent owns the resource and judges each write on arrival. Runs from dist/.
// argv: servers lockPath name sessionTimeoutMs
import { connect } from '../../../dist/sdk/index.js';
import { Mutex } from '../../../dist/recipes/index.js';

const [servers, lockPath, name, timeoutArg] = process.argv.slice(2);
const sessionTimeoutMs = Number(timeoutArg);
const say = (o) => process.stdout.write(`${JSON.stringify({ name, ...o })}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});

let client;
while (!stopping) {
  try {
    if (!client || client.state === 'expired' || client.state === 'closed') {
      await client?.close().catch(() => undefined);
      client = await connect({ servers, sessionTimeoutMs, requestTimeoutMs: 3000 });
    }
    const lock = await new Mutex(client, lockPath).acquire({ timeoutMs: 5000 });
    say({ t: 'acquired', token: lock.token.toString() });
    for (let i = 0; i < 3; i++) {
      // A careful holder checks its lease before each write; a pause between the check and
      // the write is exactly what fencing is for.
      if (lock.signal.aborted) break;
      await sleep(40 + Math.floor(Math.random() * 80));
      say({ t: 'write', token: lock.token.toString(), i });
    }
    await lock.release().catch(() => undefined);
    say({ t: 'released', token: lock.token.toString() });
  } catch (e) {
    say({ t: 'error', error: `${e.name}: ${e.message}` });
    await sleep(100);
  }
}
await client?.close().catch(() => undefined);
process.exit(0);
