/**
 * Goal: a full disk on one member of a 3-server ensemble (issue 7, "disk full"). The member
 * acknowledges nothing it could not persist and drops out (a full leader steps down and the
 * other two elect a new one); the two healthy members keep taking writes; once space is
 * freed the member rejoins by itself, has every acknowledged write, and keeps them across a
 * restart. Needs tmpfs mounts (root); skipped with the reason otherwise.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAllServers, removeTempDirs } from '../support/index.js';
import { faultTools } from '../support/nemesis/fault-tools.js';
import { ensembleDiskFullScenario } from '../support/nemesis/storage-scenarios.js';

afterEach(killAllServers);
afterAll(removeTempDirs);

const tools = await faultTools();
const skip = tools.tmpfs.ok ? '' : ` (skipped: ${tools.tmpfs.reason})`;

describe('disk full on an ensemble member', () => {
  for (const victim of ['follower', 'leader'] as const) {
    it.skipIf(!tools.tmpfs.ok)(`a full ${victim}: drops out, the ensemble keeps writing, it rejoins with every acknowledged write once freed${skip}`, { timeout: 180_000 }, async () => {
      const v = await ensembleDiskFullScenario(victim);
      expect(v.ok, `${v.fault}: ${v.outcome} (${v.detail})`).toBe(true);
    });
  }
});
