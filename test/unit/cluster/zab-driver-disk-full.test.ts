/**
 * Goal: the Zab driver on a disk that fills up (a real small tmpfs; skipped with the reason
 * where mounting one is not permitted), as a lone voter. A proposal whose persist meets the
 * full disk is never acknowledged, so never committed or applied; the driver reports the
 * full disk once and stops taking input; resume() says false while the disk is still full;
 * once space is freed it resumes from the durable state in a new epoch (the refused
 * proposal, now durable, is committed as the new leader's history) and takes proposals
 * again; a second episode goes the same way; the log it leaves recovers gaplessly.
 * In a 3-voter ensemble wired in process: a follower whose SNAP from the leader meets its
 * full disk halts (acknowledging nothing), and once space is freed rebuilds its log from the
 * applied state, rejoins, catches up, and its data dir recovers to where it stood.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { epochOf, makeZxid, type Zxid } from '../../../server/base/zxid.js';
import { silentLogger } from '../../../server/base/log.js';
import { ZabDriver, zabTiming } from '../../../server/cluster/zab-driver.js';
import { DiskFullError, Storage } from '../../../server/storage/storage.js';
import type { Effect } from '../../../server/zab/types.js';
import { faultTools, mountTmpfs, unmount } from '../../support/nemesis/fault-tools.js';
import { fillDisk, freeDisk } from '../../support/nemesis/storage-scenarios.js';
import { removeTempDirs, tempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';

const tools = await faultTools();
const skip = tools.tmpfs.ok ? '' : ` (skipped: ${tools.tmpfs.reason})`;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(removeTempDirs);

function lonelyDriver(storage: Storage, dataDir: string) {
  const applied: Zxid[] = [];
  const roles: Array<Extract<Effect, { kind: 'role' }>> = [];
  const full: DiskFullError[] = [];
  const fatal: Error[] = [];
  const driver = new ZabDriver({
    id: 1,
    members: [{ id: 1, voter: true }],
    timing: zabTiming(200, 10, 5),
    init: { acceptedEpoch: 0, currentEpoch: 0, snapshotZxid: 0n, entries: [] },
    storage,
    dataDir,
    log: silentLogger,
    snapshot: () => ({ zxid: applied.at(-1) ?? 0n, records: [] }),
    send: () => undefined,
    apply: (e) => applied.push(e.zxid),
    install: () => undefined,
    role: (e) => roles.push(e),
    fatal: (e) => fatal.push(e),
    diskFull: (e) => full.push(e),
  });
  return { driver, applied, roles, full, fatal };
}

const payload = (bytes: number): Uint8Array => new Uint8Array(bytes).fill(1);

describe('ZabDriver on a full disk', () => {
  it.skipIf(!tools.tmpfs.ok)(`never acknowledges what the disk refused, and resumes in a new epoch once space is freed${skip}`, async () => {
    const disk = join(tempDir('warden-driver-full-'), 'disk');
    await mountTmpfs(disk, 2 * 1024 * 1024);
    cleanups.push(() => unmount(disk));
    const { storage } = await Storage.open({ dataDir: disk, dataLogDir: disk, preAllocBytes: 64 * 1024, forceSync: true });
    let open = storage;
    cleanups.push(() => open.close());
    const t = lonelyDriver(storage, disk);
    cleanups.push(async () => t.driver.stop());
    t.driver.start();
    await waitFor(() => t.roles.some((r) => r.mode === 'leader'), { what: 'the lone voter leads' });
    for (let i = 0; i < 3; i++) t.driver.propose({ zxid: t.driver.zab.nextZxid(), data: payload(32) });
    await waitFor(() => t.applied.length === 3, { what: 'three entries applied' });
    const durable = t.applied.at(-1)!;

    fillDisk(disk);
    const refused = t.driver.zab.nextZxid();
    t.driver.propose({ zxid: refused, data: payload(200 * 1024) });
    await waitFor(() => t.full.length > 0, { what: 'the full disk reported' });
    expect(t.full).toHaveLength(1);
    expect(t.full[0]!.message).toMatch(/^disk full: no space left for the txn log/);
    expect(t.driver.diskFull).toBe(t.full[0]);
    expect(() => t.driver.propose({ zxid: refused + 1n, data: payload(1) })).toThrow(DiskFullError);
    expect(storage.lastAppendedZxid).toBe(durable);
    expect(await t.driver.resume()).toBe(false);
    expect(t.applied).toEqual([makeZxid(1, 1), makeZxid(1, 2), makeZxid(1, 3)]); // the refused one: not committed
    expect(t.fatal).toEqual([]);

    freeDisk(disk);
    expect(await t.driver.resume()).toBe(true);
    expect(t.driver.diskFull).toBeUndefined();
    await waitFor(() => t.roles.filter((r) => r.mode === 'leader').length === 2, { what: 'leading again after the resume' });
    expect(t.roles.at(-1)?.epoch).toBe(2);
    const next = t.driver.zab.nextZxid();
    expect(epochOf(next)).toBe(2);
    t.driver.propose({ zxid: next, data: payload(32) });
    await waitFor(() => t.applied.includes(next), { what: 'a proposal after the resume applied' });
    // The refused proposal became durable at the resume and is the new leader's history.
    expect(t.applied).toEqual([makeZxid(1, 1), makeZxid(1, 2), makeZxid(1, 3), refused, next]);
    expect(t.fatal).toEqual([]);

    // A second episode goes the same way (epoch 3).
    fillDisk(disk);
    const refused2 = t.driver.zab.nextZxid();
    t.driver.propose({ zxid: refused2, data: payload(200 * 1024) });
    await waitFor(() => t.full.length === 2, { what: 'the second full disk reported' });
    expect(t.applied.at(-1)).toBe(next);
    freeDisk(disk);
    await waitFor(() => t.driver.resume(), { what: 'resumed after the second episode' });
    await waitFor(() => t.applied.includes(refused2), { what: 'the second refused proposal committed as history' });
    expect(t.roles.at(-1)).toMatchObject({ mode: 'leader', epoch: 3 });
    expect(t.fatal).toEqual([]);

    t.driver.stop();
    await open.close();
    const again = await Storage.open({ dataDir: disk, dataLogDir: disk, preAllocBytes: 64 * 1024, forceSync: true });
    open = again.storage;
    // The log was continued, not rebuilt: every record, in order, no snapshot needed.
    expect(again.recovered.snapshot).toBeNull();
    expect(again.recovered.records.map((r) => r.zxid)).toEqual([makeZxid(1, 1), makeZxid(1, 2), makeZxid(1, 3), refused, next, refused2]);
  });
});

describe('ZabDriver on a full disk, as a follower (3 voters in process)', () => {
  it.skipIf(!tools.tmpfs.ok)(`a SNAP cut short by the full disk: halts, then rebuilds its log from the applied state and catches up${skip}`, { timeout: 60_000 }, async () => {
    const disk = join(tempDir('warden-driver-full-'), 'disk');
    await mountTmpfs(disk, 2 * 1024 * 1024);
    cleanups.push(() => unmount(disk));
    const dirs = [disk, tempDir('warden-driver-2-'), tempDir('warden-driver-3-')];
    const storages: Storage[] = [];
    for (const d of dirs) storages.push((await Storage.open({ dataDir: d, dataLogDir: d, preAllocBytes: 64 * 1024, forceSync: true })).storage);
    cleanups.push(async () => {
      for (const st of storages) await st.close();
    });
    /** member 1's links are cut while this is set */
    let isolated = false;
    const applied = new Map<number, Zxid>([[1, 0n], [2, 0n], [3, 0n]]);
    const full: DiskFullError[] = [];
    const fatal: Error[] = [];
    const roles = new Map<number, string>();
    const warnings: Array<Record<string, unknown>> = [];
    const drivers = new Map<number, ZabDriver>();
    for (const id of [1, 2, 3]) {
      const driver = new ZabDriver({
        id,
        members: [1, 2, 3].map((m) => ({ id: m, voter: true })),
        timing: zabTiming(200, 10, 5),
        init: { acceptedEpoch: 0, currentEpoch: 0, snapshotZxid: 0n, entries: [] },
        storage: storages[id - 1]!,
        dataDir: dirs[id - 1]!,
        log: id === 1 ? { ...silentLogger, warn: (msg: string, fields?: object) => warnings.push({ msg, ...fields }) } : silentLogger,
        snapshot: () => ({ zxid: applied.get(id)!, records: [] }),
        send: (to, msg) => {
          if (isolated && (to === 1 || id === 1)) return;
          setImmediate(() => {
            if (!(isolated && (to === 1 || id === 1))) drivers.get(to)!.step(id, msg);
          });
        },
        apply: (e) => applied.set(id, e.zxid),
        install: (snap) => applied.set(id, snap.zxid),
        role: (e) => roles.set(id, e.mode),
        fatal: (e) => fatal.push(e),
        diskFull: (e) => full.push(e),
      });
      drivers.set(id, driver);
    }
    cleanups.push(async () => {
      for (const d of drivers.values()) d.stop();
    });
    for (const d of drivers.values()) d.start();
    await waitFor(() => roles.get(3) === 'leader' && roles.get(1) === 'follower' && roles.get(2) === 'follower', { what: 'member 3 leads, 1 and 2 follow' });
    const leader = drivers.get(3)!;

    // Member 1 drops off; the leader commits more than it keeps for a DIFF (logRetainMax).
    isolated = true;
    drivers.get(1)!.peerDown(3);
    drivers.get(1)!.peerDown(2);
    leader.peerDown(1);
    drivers.get(2)!.peerDown(1);
    const n = zabTiming(200, 10, 5).logRetainMax + 100;
    let last = 0n;
    for (let i = 0; i < n; i++) {
      last = leader.zab.nextZxid();
      leader.propose({ zxid: last, data: payload(16) });
    }
    await waitFor(() => applied.get(3) === last && applied.get(2) === last, { what: `${n} entries committed by members 2 and 3` });

    // Back, with a full disk: the SNAP it is sent cannot be written.
    fillDisk(disk);
    isolated = false;
    await waitFor(() => full.length > 0, { what: "member 1's full disk reported" });
    expect(full).toHaveLength(1);
    expect(roles.get(1)).not.toBe('follower'); // it never got in sync
    expect(await drivers.get(1)!.resume()).toBe(false);

    freeDisk(disk);
    await waitFor(() => drivers.get(1)!.resume(), { what: 'member 1 resumed' });
    // The SNAP was cut short, so the log could not simply be continued: rebuilt from the applied state.
    expect(warnings.find((w) => w.msg === 'disk has space again; going on from the durable state')).toMatchObject({ rebuiltFromSnapshot: true });
    await waitFor(() => roles.get(1) === 'follower' && applied.get(1) === last, { what: 'member 1 follows again and has every entry' });
    leader.propose({ zxid: leader.zab.nextZxid(), data: payload(16) });
    await waitFor(() => applied.get(1) === last + 1n, { what: 'member 1 applies a new entry' });
    expect(fatal).toEqual([]);

    // Its data dir recovers to exactly where it stands.
    drivers.get(1)!.stop();
    const mine = storages[0]!;
    await mine.close();
    const again = await Storage.open({ dataDir: disk, dataLogDir: disk, preAllocBytes: 64 * 1024, forceSync: true });
    storages[0] = again.storage;
    const recovered = again.recovered.records.at(-1)?.zxid ?? again.recovered.snapshot?.zxid;
    expect(recovered).toBe(last + 1n);
    expect(again.recovered.snapshot?.zxid).toBeGreaterThanOrEqual(last - 100n);
  });
});
