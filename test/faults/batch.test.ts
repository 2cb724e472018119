/**
 * Goal: Warden keeps its guarantees under random faults on real processes. Each run starts a
 * standalone server or a 3- or 5-voter ensemble behind TCP proxies (client links and every
 * directed peer link), records every client operation while a seeded nemesis kills (random
 * member or leader), pauses, partitions, isolates, delays, jumps every clock or skews one
 * member's, and fails fsync/write calls, sometimes several at once, then checks the
 * histories: linearizable registers, no acknowledged create lost, zxid order, watches,
 * sessions, and no overlapping critical sections accepted by a fencing resource.
 *
 * In `npm test` this is the short fixed-seed CI batch (one standalone and one 3-voter run).
 * `npm run test:faults -- --runs N`
 * runs a longer batch through the same file (scripts/test-faults.mjs sets the environment)
 * and prints the figures table. A failing run prints its seed and keeps its histories and
 * data dir.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, expect, it } from 'vitest';
import { killAllServers, removeTempDirs } from '../support/index.js';
import type { Topology } from '../support/nemesis/cluster.js';
import { runOnce, type RunReport } from '../support/nemesis/fault-run.js';
import { renderFigures } from '../support/nemesis/figures.js';
import { memberBitFlipScenario } from '../support/nemesis/member-corruption.js';
import { bitFlipScenario, diskFullScenario, ioErrorScenario, tornTailScenario, type Verdict } from '../support/nemesis/storage-scenarios.js';

const env = process.env;
const runs = Number(env.WARDEN_FAULT_RUNS ?? 2);
const firstSeed = Number(env.WARDEN_FAULT_SEED ?? 1);
const durationMs = Number(env.WARDEN_FAULT_DURATION_MS ?? 8000);
// Runs cycle through these: one standalone server, 3 voters, 5 voters.
const topologies = (env.WARDEN_FAULT_TOPOLOGIES ?? 'standalone,3').split(',').map((t): Topology => (t === '3' ? 3 : t === '5' ? 5 : 'standalone'));
// The storage scenarios run as their own tests in storage-reactions.test.ts; a figures run
// repeats them once to fill the matrix.
const withStorage = env.WARDEN_FAULT_STORAGE === '1';


const command = env.WARDEN_FAULT_COMMAND ?? `vitest run test/faults/batch.test.ts (CI batch: ${runs} runs x ${durationMs} ms from seed ${firstSeed}, topologies ${topologies.join(',')})`;
const reports: RunReport[] = [];
const verdicts: Verdict[] = [];

afterEach(killAllServers);
afterAll(() => {
  const table = renderFigures({
    command,
    runs: reports,
    storage: verdicts,
    ...lockFigures(),
  });
  process.stdout.write(`\n${table}\n`);
  if (env.WARDEN_FAULT_TABLE) writeFileSync(env.WARDEN_FAULT_TABLE, `${table}\n`);
  // Keep the dirs of failed runs: they hold the histories.
  if (reports.every((r) => !r.kept)) removeTempDirs();
});

function lockFigures() {
  const withLock = reports.filter((r) => r.lock);
  if (withLock.length === 0) return { lockMissing: 'no run had lock holders' };
  const sum = (k: 'acceptedOverlaps' | 'unfencedOverlaps' | 'refused' | 'acquisitions'): number => withLock.reduce((a, r) => a + r.lock![k], 0);
  return { lock: { acceptedOverlaps: sum('acceptedOverlaps'), unfencedOverlaps: sum('unfencedOverlaps'), refused: sum('refused'), acquisitions: sum('acquisitions') } };
}

for (let i = 0; i < runs; i++) {
  const seed = firstSeed + i;
  const topology = topologies[i % topologies.length]!;
  const label = topology === 'standalone' ? 'standalone' : `${topology} voters`;
  it(`seed ${seed} (${label}): histories check out under random faults`, async () => {
    const report = await runOnce({ seed, durationMs, topology });
    reports.push(report);
    if (report.problems.length > 0) process.stdout.write(`\nFAILED seed ${seed} (kept in ${report.dir}):\n  ${report.problems.join('\n  ')}\n`);
    expect(report.problems, `seed ${seed}; histories in ${report.dir}`).toEqual([]);
    expect(report.linearizability).not.toBe('illegal');
  }, durationMs + 120_000);
}

if (withStorage) {
  it('storage faults (for the matrix)', async () => {
    for (const scenario of [() => ioErrorScenario('fsync'), () => ioErrorScenario('write'), () => tornTailScenario(firstSeed), () => bitFlipScenario(firstSeed), () => memberBitFlipScenario(firstSeed), () => diskFullScenario()]) {
      verdicts.push(await scenario());
    }
    expect(verdicts.filter((v) => !v.ok).map((v) => `${v.fault}: ${v.outcome}`)).toEqual([]);
  }, 480_000);
}
