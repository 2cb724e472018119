/**
 * Goal: the reactions to storage faults that DESIGN.md §6 and issue 7 require, on a real
 * server process: fsync or write error -> fail-stop, then recovery from the log with nothing
 * acknowledged lost; a torn tail -> truncated, the server comes back and takes writes; a bit
 * flip in the committed log -> never silent, the error names file and offset; a full disk
 * (a small tmpfs) -> writes refused with a clear error, reads and watches served, writes
 * back once space is freed, nothing acknowledged lost.
 * A fault the machine cannot inject is skipped with the reason.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAllServers, removeTempDirs } from '../support/index.js';
import { faultTools } from '../support/nemesis/fault-tools.js';
import { bitFlipScenario, diskFullScenario, ioErrorScenario, tornTailScenario, type Verdict } from '../support/nemesis/storage-scenarios.js';

afterEach(killAllServers);
afterAll(removeTempDirs);

const tools = await faultTools();

function expectVerdict(v: Verdict): void {
  expect(v.ok, `${v.fault}: ${v.outcome} (${v.detail})`).toBe(true);
}

describe('storage faults on a standalone server', () => {
  it.skipIf(!tools.fiu.ok)(`fsync error -> fail-stop, recovers from its log${tools.fiu.ok ? '' : ` (skipped: ${tools.fiu.reason})`}`, async () => {
    expectVerdict(await ioErrorScenario('fsync'));
  });
  it.skipIf(!tools.fiu.ok)(`write error -> fail-stop, recovers from its log${tools.fiu.ok ? '' : ` (skipped: ${tools.fiu.reason})`}`, async () => {
    expectVerdict(await ioErrorScenario('write'));
  });
  it('torn tail -> truncated, recovered, writable', async () => {
    expectVerdict(await tornTailScenario(11));
  });
  it('bit flip in the committed log -> refuses to start, naming file and offset', async () => {
    expectVerdict(await bitFlipScenario(12));
  });
  it.skipIf(!tools.tmpfs.ok)(`disk full -> writes refused, reads served, writes back once freed${tools.tmpfs.ok ? '' : ` (skipped: ${tools.tmpfs.reason})`}`, async () => {
    expectVerdict(await diskFullScenario());
  });
});
