/**
 * Goal: the users' testing helper (warden/testing) starts a throwaway server or a 3-server
 * ensemble, kills and restarts members on the same data, and expires a client's session
 * (its ephemerals vanish).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../sdk/index.js';
import { expireSession, startTestEnsemble, type TestEnsemble } from '../../recipes/testing.js';
import { waitFor } from '../support/index.js';

let ensemble: TestEnsemble | undefined;
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close({ timeoutMs: 1000 }).catch(() => undefined);
  await ensemble?.close();
  ensemble = undefined;
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

describe('startTestEnsemble (size 3)', () => {
  it('keeps serving with one member killed, and the member comes back', async () => {
    ensemble = await startTestEnsemble({ size: 3 });
    expect(ensemble.servers.map((s) => s.id)).toEqual([1, 2, 3]);
    const a = await connect({ servers: ensemble.connectString, sessionTimeoutMs: 4000 });
    clients.push(a);
    await a.create('/replicated', 'v1');
    const victim = ensemble.servers.find((s) => s.address === a.server)!;
    await victim.kill();
    expect(victim.running).toBe(false);
    // A write sent before the client noticed the dead connection would have an unknown
    // outcome (writes are never retried blindly): write once it is on another member.
    await waitFor(() => a.state === 'connected' && a.server !== undefined && a.server !== victim.address, { what: 'the client on another member' });
    await a.setData('/replicated', 'v2', { timeoutMs: 20_000 });
    await victim.start();
    const direct = await connect({ servers: victim.address, sessionTimeoutMs: 4000 });
    clients.push(direct);
    await direct.sync('/');
    expect((await direct.getData('/replicated')).data.toString()).toBe('v2');
    await expireSession(a, ensemble.connectString);
    expect(a.state).toBe('expired');
  });
});
