/**
 * Goal: the seeded simulator finds no violation of the replication guarantees. A fixed set
 * of schedules runs every time (a crash at each step of discovery and sync, before, right
 * after and in the middle of its persist; 3 and 5 voters with observers; clients that stop
 * pinging so that the leader expires their sessions), then random
 * seeds until a time box runs out. A failure names its seed and the command that replays it.
 */
import { describe, expect, it } from 'vitest';
import { CRASH_POINTS, replayCommand, runSeed, scheduleFor, type RunResult } from './simulator.js';

function report(r: RunResult): string {
  return r.violations.length === 0 ? '' : `seed ${r.schedule.seed} failed; replay: ${replayCommand(r.schedule)}\n  ${r.violations.join('\n  ')}`;
}

const WHEN = ['before', 'after', 'midPersist'] as const;

describe('simulated ensemble', () => {
  let seed = 100;
  for (const point of CRASH_POINTS) {
    for (const when of WHEN) {
      const s = seed++;
      it(`crash on ${point} (${when}) keeps every guarantee (seed ${s})`, () => {
        const r = runSeed(s, { crashOn: point, crashWhen: when });
        expect(report(r)).toBe('');
        expect(r.committed).toBeGreaterThan(0);
      });
    }
  }

  for (const [voters, observers] of [
    [3, 0],
    [5, 0],
    [3, 2],
    [5, 2],
  ] as const) {
    const s = seed++;
    it(`${voters} voters + ${observers} observers under random faults (seed ${s})`, () => {
      const r = runSeed(s, { voters, observers });
      expect(report(r)).toBe('');
    });
  }

  for (const [voters, observers] of [
    [3, 1],
    [5, 0],
  ] as const) {
    const s = seed++;
    it(`sessions whose clients crash or are cut off expire, and only those, across crashes and leader changes (${voters}+${observers}, seed ${s})`, () => {
      const r = runSeed(s, { voters, observers, faults: { ...scheduleFor(s).faults, client: 0.05, crash: 0.005 } });
      expect(report(r)).toBe('');
      expect(r.expired).toBeGreaterThan(0);
      expect(r.crashes).toBeGreaterThan(0);
    });
  }

  it('a time-boxed batch of random seeds', () => {
    const budgetMs = Number(process.env.WARDEN_SIM_BUDGET_MS ?? 20_000);
    const start = Date.now();
    const base = Number(process.env.WARDEN_SIM_SEED_BASE ?? (start % 1_000_000) * 1000);
    const failures: string[] = [];
    let runs = 0;
    while (Date.now() - start < budgetMs) {
      const r = runSeed(base + runs);
      runs++;
      if (r.violations.length > 0) failures.push(report(r));
    }
    expect(runs).toBeGreaterThan(0);
    expect(failures.join('\n')).toBe('');
  }, 120_000);
});
