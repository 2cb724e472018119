/**
 * Goal: durability. A client writes as fast as it can (many requests in flight) while the
 * server is killed with SIGKILL; the server restarts on the same data dir, and every write
 * that was acknowledged is there with its data, and a counter is never behind its last
 * acknowledged value. Writes whose answer was lost may or may not be there. Three rounds on
 * one data dir, so recovery also replays over earlier recoveries.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connect, WardenError, type Client } from '../../sdk/index.js';
import { killAllServers, removeTempDirs, startStandalone, waitFor } from '../support/index.js';

afterEach(killAllServers);
afterAll(removeTempDirs);

const WRITERS = 8;

describe('crash', () => {
  it('keeps every acknowledged write across kill -9 and restart', async () => {
    // Small preallocation: recovery reads the preallocated tail of every segment, and with the
    // 64 MiB default three restarts would take most of this test's time.
    const { server } = await startStandalone({ snapCount: 50, preAllocSize: 1024 });
    const setup = await connect({ servers: server.address });
    await setup.create('/crash');
    await setup.create('/crash/counter', '0');
    await setup.close();

    const acked = new Set<string>();
    let counterAcked = 0;
    for (let round = 0; round < 3; round++) {
      const c: Client = await connect({ servers: server.address, sessionTimeoutMs: 4000 });
      let stop = false;
      const writer = async (w: number): Promise<void> => {
        for (let i = 0; !stop; i++) {
          const path = `/crash/r${round}-w${w}-${i}`;
          try {
            await c.create(path, path);
            acked.add(path);
            if (w === 0) {
              const next = counterAcked + 1;
              await c.setData('/crash/counter', String(next));
              counterAcked = next;
            }
          } catch (e) {
            if (!(e instanceof WardenError)) throw e;
            return;
          }
        }
      };
      const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
      const target = acked.size + 150;
      await waitFor(() => acked.size >= target, { what: `${target} acknowledged writes`, timeoutMs: 60_000 });
      await server.kill('SIGKILL');
      stop = true;
      await c.close({ timeoutMs: 500 });
      await Promise.all(writers);

      await server.restart();
      const reader = await connect({ servers: server.address });
      const children = new Set(await reader.getChildren('/crash'));
      const missing = [...acked].filter((p) => !children.has(p.slice('/crash/'.length)));
      expect(missing, `round ${round}: acknowledged writes lost`).toEqual([]);
      for (const p of [...acked].slice(-20)) expect((await reader.getData(p)).data.toString()).toBe(p);
      const counter = Number((await reader.getData('/crash/counter')).data.toString());
      expect(counter).toBeGreaterThanOrEqual(counterAcked);
      expect(counter).toBeLessThanOrEqual(counterAcked + 1);
      counterAcked = counter;
      await reader.close();
    }
  }, 180_000); // three kill -9 + recovery rounds; a loaded 2-core machine needs the room
});
