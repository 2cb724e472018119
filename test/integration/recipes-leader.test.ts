/**
 * Goal: leader election against a real standalone server: one leader at a time in
 * arrival order, tokens that grow with each leader, resign and close hand over, the
 * selector requeues after its function returns, and the observer follows the leader.
 */
import { describe, expect, it } from 'vitest';
import type { Client } from '../../sdk/index.js';
import { LeaderLatch } from '../../recipes/leader-latch.js';
import { currentLeader, observeLeader, participants } from '../../recipes/leader-observer.js';
import { LeaderSelector } from '../../recipes/leader-selector.js';
import { deferred, waitFor } from '../support/index.js';
import { TARGETS, useTarget } from './recipes-support/targets.js';

describe.each(TARGETS)('%s', (name) => {
  const fx = useTarget(name);
  const client = (): Promise<Client> => fx.client();

  describe('LeaderLatch', () => {
    it('elects the first candidate, then hands over in order on close and on resign', async () => {
      const path = '/election/latch1';
      const [a, b, c] = await Promise.all([client(), client(), client()]);
      const la = new LeaderLatch(a, path, { id: 'a' });
      const lb = new LeaderLatch(b, path, { id: 'b' });
      const lc = new LeaderLatch(c, path, { id: 'c' });
      fx.closeLater(la, lb, lc);
      await la.start();
      const leadA = await la.awaitLeadership({ timeoutMs: 10_000 });
      await lb.start();
      await lc.start();
      expect((await participants(a, path)).map((p) => [p.id, p.isLeader])).toEqual([['a', true], ['b', false], ['c', false]]);
      expect(lb.isLeader).toBe(false);

      await la.close();
      expect(leadA.signal.aborted).toBe(true);
      const leadB = await lb.awaitLeadership({ timeoutMs: 10_000 });
      expect(leadB.token).toBeGreaterThan(leadA.token);
      expect(lc.isLeader).toBe(false);

      await lb.resign();
      const leadC = await lc.awaitLeadership({ timeoutMs: 10_000 });
      expect(leadC.token).toBeGreaterThan(leadB.token);
      await waitFor(async () => (await participants(a, path)).map((p) => p.id).join() === 'c,b', { what: 'b requeued at the back' });
    });

    it('reports leadership as events and loses it when the session ends', async () => {
      const path = '/election/latch2';
      const [a, b] = await Promise.all([client(), client()]);
      const la = new LeaderLatch(a, path, { id: 'a' });
      const lb = new LeaderLatch(b, path, { id: 'b' });
      fx.closeLater(la, lb);
      const events: string[] = [];
      const becameLeader = deferred<void>();
      lb.on((e) => {
        events.push(e.type);
        if (e.type === 'leader') becameLeader.resolve();
      });
      await la.start();
      const lead = await la.awaitLeadership();
      await lb.start();
      await a.close();
      expect(lead.signal.aborted).toBe(true);
      expect(la.isLeader).toBe(false);
      await becameLeader.promise;
      expect(events).toEqual(['leader']);
      expect((await currentLeader(b, path))?.id).toBe('b');
    });

    it('awaitLeadership honours its signal and timeout', async () => {
      const path = '/election/latch3';
      const [a, b] = await Promise.all([client(), client()]);
      const la = new LeaderLatch(a, path);
      const lb = new LeaderLatch(b, path);
      fx.closeLater(la, lb);
      await la.start();
      await la.awaitLeadership();
      await lb.start();
      await expect(lb.awaitLeadership({ timeoutMs: 200 })).rejects.toMatchObject({ name: 'TimeoutError' });
      const ac = new AbortController();
      const waiting = lb.awaitLeadership({ signal: ac.signal });
      ac.abort(new Error('stop'));
      await expect(waiting).rejects.toThrow('stop');
      expect(() => new LeaderLatch(a, 'x')).toThrow(/`path`/);
    });
  });

  describe('LeaderSelector', () => {
    it('runs the function on each leadership and requeues after it returns', async () => {
      const path = '/election/selector';
      const [a, b] = await Promise.all([client(), client()]);
      const runs: string[] = [];
      const tokens: bigint[] = [];
      const enough = deferred<void>();
      const selectors: LeaderSelector[] = [];
      // What happened, for the failure message: each leadership with its node, the queue
      // it saw before returning, and any loss of it.
      const t0 = performance.now();
      const trace: string[] = [];
      const note = (s: string): void => void trace.push(`${(performance.now() - t0).toFixed(1)} ms ${s}`);
      const make = (c: Client, id: string): LeaderSelector => {
        const s = new LeaderSelector(c, path, { id });
        selectors.push(s);
        void s.run(async (leadership) => {
          note(`${id} leads with ${leadership.path.slice(-10)} (token ${leadership.token})`);
          leadership.signal.addEventListener('abort', () => note(`${id} ${leadership.path.slice(-10)} ended: ${(leadership.signal.reason as Error).message}`));
          runs.push(id);
          tokens.push(leadership.token);
          if (runs.length === 4) enough.resolve();
          // return only once the other candidate is queued, so "requeued at the back"
          // is what decides the next leader (not which create happened to land first)
          if (runs.length < 4) {
            await waitFor(
              async () => {
                const queue = await participants(c, path);
                note(`${id} sees ${queue.map((p) => `${p.id}:${p.path.slice(-10)}`).join(' ')}`);
                return queue.length >= 2;
              },
              { timeoutMs: 10_000 },
            );
          }
        });
        return s;
      };
      make(a, 'a');
      make(b, 'b');
      await enough.promise;
      await Promise.all(selectors.map((x) => x.close()));
      // requeued at the back each time: the two take turns
      for (let i = 1; i < 4; i++) expect(runs[i], `leaders ${runs.join(',')}\n${trace.join('\n')}`).not.toBe(runs[i - 1]);
      // each leadership has a larger token than the one before
      for (let i = 1; i < tokens.length; i++) expect(tokens[i]!).toBeGreaterThan(tokens[i - 1]!);
    });
  });

  describe('observeLeader', () => {
    it('yields the leader now and each new one', async () => {
      const path = '/election/observed';
      const [a, b, o] = await Promise.all([client(), client(), client()]);
      const la = new LeaderLatch(a, path, { id: 'a' });
      const lb = new LeaderLatch(b, path, { id: 'b' });
      fx.closeLater(la, lb);
      await la.start();
      await la.awaitLeadership();
      await lb.start();
      const seen: Array<string | undefined> = [];
      const ac = new AbortController();
      const done = (async () => {
        for await (const leader of observeLeader(o, path, { signal: ac.signal })) {
          seen.push(leader?.id);
          if (seen.length === 1) await la.close();
          if (seen.length === 2) ac.abort();
        }
      })();
      await done;
      expect(seen).toEqual(['a', 'b']);
    });
  });
});
