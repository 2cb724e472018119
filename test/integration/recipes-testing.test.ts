/**
 * Goal: the users' testing helper (warden/testing) starts a throwaway server, kills and
 * restarts it on the same data, and expires a client's session (its ephemerals vanish).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../sdk/index.js';
import { expireSession, startTestEnsemble, type TestEnsemble } from '../../recipes/testing.js';

let ensemble: TestEnsemble | undefined;
const clients: Client[] = [];
afterAll(async () => {
  for (const c of clients) await c.close({ timeoutMs: 1000 }).catch(() => undefined);
  await ensemble?.close();
});

describe('startTestEnsemble (size 1)', () => {
  it('serves, survives kill -9 + restart with its data, and expires a session on demand', async () => {
    ensemble = await startTestEnsemble({ size: 1 });
    expect(ensemble.servers).toHaveLength(1);
    const a = await connect({ servers: ensemble.connectString, sessionTimeoutMs: 4000 });
    const b = await connect({ servers: ensemble.connectString, sessionTimeoutMs: 4000 });
    clients.push(a, b);
    await a.create('/kept', 'x');
    await a.create('/mine', 'x', { mode: 'ephemeral' });

    await ensemble.servers[0]!.restart();
    expect(ensemble.servers[0]!.running).toBe(true);
    expect((await b.getData('/kept', { timeoutMs: 20_000 })).data.toString()).toBe('x');

    await expireSession(a, ensemble.connectString);
    expect(a.state).toBe('expired');
    expect(await b.exists('/mine')).toBeNull();
  });

  it('validates its options', async () => {
    await expect(startTestEnsemble({ size: 2 as never })).rejects.toThrow(/`size`/);
    await expect(startTestEnsemble({ sizes: 1 } as never)).rejects.toThrow(/unknown option `sizes`/);
  });
});
