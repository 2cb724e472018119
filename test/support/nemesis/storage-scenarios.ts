/**
 * Storage faults on a real standalone server, each ending in a verdict for the storage-fault
 * matrix: what the server did (fail-stop, refused writes, refused to start naming the file
 * and offset, truncated a torn tail) and whether every acknowledged write was still there
 * afterwards. Used by test/faults/storage-reactions.test.ts (each one a test) and by the
 * figures run (`npm run test:faults`).
 */
import { rmSync, writeFileSync, openSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type Client } from '../../../sdk/index.js';
import { startEnsemble } from '../ensemble.js';
import { statusOf, waitStable } from '../ensemble-status.js';
import { freePort } from '../ports.js';
import { Random } from '../random.js';
import { ServerProcess } from '../server-process.js';
import { tempDir } from '../temp-dir.js';
import { waitFor } from '../wait-for.js';
import { writeStandaloneCfg } from '../zoo-cfg.js';
import { faultTools, fiuEnable, fiuEnv, mountTmpfs, unmount, type IoFault } from './fault-tools.js';
import { bitFlipCommitted, tornTail } from './log-damage.js';

export interface Verdict {
  fault: string;
  /** what happened, short, for the matrix */
  outcome: string;
  /** true when the outcome is the one required */
  ok: boolean;
  /** set when the machine cannot do this fault */
  skipped?: string;
  detail: string;
}

const SESSION_MS = 4000;

async function client(server: ServerProcess): Promise<Client> {
  return connect({ servers: server.address, sessionTimeoutMs: SESSION_MS, requestTimeoutMs: 5000 });
}

/** Writes `n` znodes /w-<i> and returns their names: every one acknowledged. */
async function acknowledged(c: Client, prefix: string, n: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    await c.create(`/${prefix}-${i}`, `v${i}`);
    names.push(`/${prefix}-${i}`);
  }
  return names;
}

async function missing(server: ServerProcess, names: string[]): Promise<string[]> {
  const c = await client(server);
  try {
    return await absent(c, names);
  } finally {
    await c.close();
  }
}

async function standalone(dir: string, extra: Record<string, string | number> = {}, env?: Record<string, string>): Promise<{ server: ServerProcess; dataDir: string }> {
  const cfg = writeStandaloneCfg(dir, await freePort(), { preAllocSize: 64, ...extra });
  const server = await ServerProcess.start({ name: `storage:${dir}`, config: cfg.file, logLevel: 'warn', ...(env ? { env } : {}) });
  return { server, dataDir: (extra.dataDir as string | undefined) ?? cfg.dataDir };
}

/** fsync or write errors: the server must stop at once, and come back with every acknowledged write. */
export async function ioErrorScenario(fault: IoFault): Promise<Verdict> {
  const name = fault === 'fsync' ? 'fsync error (EIO)' : 'write error (EIO)';
  const tools = await faultTools();
  if (!tools.fiu.ok) return { fault: name, outcome: 'skipped', ok: true, skipped: tools.fiu.reason, detail: '' };
  const dir = tempDir('warden-io-');
  const prefix = join(dir, 'fiu');
  const { server } = await standalone(dir, {}, fiuEnv(tools, prefix));
  try {
    const c = await client(server);
    const acked = await acknowledged(c, 'a', 20);
    await fiuEnable(prefix, server.pid!, fault);
    // This write meets the failing call: it must not be acknowledged, and the server must stop.
    const late = await c.create('/late', 'x').then(
      () => 'acknowledged',
      (e: Error) => e.name,
    );
    const exit = await Promise.race([server.exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
    await c.close().catch(() => undefined);
    if (exit === null) return { fault: name, outcome: 'kept running', ok: false, detail: 'no exit within 15 s of the failed call' };
    const stopMsg = /fatal: (.*)/.exec(server.output())?.[1] ?? '';
    if (late === 'acknowledged') return { fault: name, outcome: 'acknowledged a write it could not persist', ok: false, detail: stopMsg };
    await server.restart();
    const lost = await missing(server, acked);
    return {
      fault: name,
      outcome: lost.length === 0 ? 'fail-stop; recovered from its log' : `fail-stop; ${lost.length} acknowledged lost`,
      ok: exit.code === 1 && lost.length === 0,
      detail: `exit ${exit.code}; "${stopMsg}"; in-flight write: ${late}`,
    };
  } finally {
    await server.kill();
  }
}

/** A crash mid-write leaves a torn record after the last valid one: truncated on restart, nothing acknowledged lost. */
export async function tornTailScenario(seed: number): Promise<Verdict> {
  const dir = tempDir('warden-torn-');
  const { server, dataDir } = await standalone(dir);
  try {
    const c = await client(server);
    const acked = await acknowledged(c, 't', 30);
    await c.close();
    await server.kill('SIGKILL');
    const damage = tornTail(join(dataDir, 'log'), new Random(seed));
    await server.restart();
    const truncated = /truncating a torn write/.test(server.output());
    const lost = await missing(server, acked);
    // and it takes writes again
    const c2 = await client(server);
    const writable = await c2.create('/after-torn', '').then(
      () => true,
      () => false,
    );
    await c2.close();
    return {
      fault: 'torn tail',
      outcome: truncated && lost.length === 0 && writable ? 'truncated; recovered' : `truncated=${truncated} lost=${lost.length} writable=${writable}`,
      ok: truncated && lost.length === 0 && writable,
      detail: `torn record at ${damage?.file}:${damage?.offset}`,
    };
  } finally {
    await server.kill();
  }
}

/** A flipped bit in the committed part of the log: never silent; the error names the file and offset. */
export async function bitFlipScenario(seed: number): Promise<Verdict> {
  const dir = tempDir('warden-flip-');
  const { server, dataDir } = await standalone(dir, { snapCount: 100000 });
  try {
    const c = await client(server);
    await acknowledged(c, 'b', 30);
    await c.close();
    await server.kill('SIGKILL');
    // Start-up wrote a snapshot before the records: remove snapshots so the damaged records are needed.
    rmSync(join(dataDir, 'snap'), { recursive: true, force: true });
    const damage = bitFlipCommitted(join(dataDir, 'log'), new Random(seed));
    if (!damage) return { fault: 'bit flip (committed)', outcome: 'no record to damage', ok: false, detail: '' };
    const started = await server.restart().then(
      () => true,
      () => false,
    );
    const out = server.output();
    const named = out.includes(damage.file) && new RegExp(`byte ${damage.offset}\\b`).test(out);
    return {
      fault: 'bit flip (committed)',
      outcome: started ? 'started anyway (silent)' : named ? 'refused to start; named file and offset' : 'refused to start; file/offset not named',
      ok: !started && named,
      detail: `${damage.file} record at byte ${damage.offset}: ${/cannot start: (.*)/.exec(out)?.[1] ?? ''}`,
    };
  } finally {
    await server.kill();
  }
}

/**
 * A full disk (a small tmpfs holding the data dir): writes are refused with a clear error,
 * reads and watches go on, and once space is freed writes work again without a restart or
 * repair; every acknowledged write survives a restart afterwards.
 */
export async function diskFullScenario(): Promise<Verdict> {
  const fault = 'disk full (tmpfs)';
  const tools = await faultTools();
  if (!tools.tmpfs.ok) return { fault, outcome: 'skipped', ok: true, skipped: tools.tmpfs.reason, detail: '' };
  const dir = tempDir('warden-full-');
  const disk = join(dir, 'disk');
  await mountTmpfs(disk, 4 * 1024 * 1024);
  let server: ServerProcess | undefined;
  try {
    ({ server } = await standalone(dir, { dataDir: join(disk, 'data'), snapCount: 100000 }));
    let c = await client(server);
    const acked = await acknowledged(c, 'f', 10);
    fillDisk(disk);
    // Write until the server refuses with a clear error. The write that meets the full disk
    // is dropped (its client sees a connection loss: outcome unknown); later ones are refused.
    const { refusal, client: c2, acked: more } = await writeUntilRefused(server, c, 'NOTREADONLY', /disk full: no space left/);
    c = c2;
    acked.push(...more);
    const alive = server.running;
    const readOk = alive && (await c.getData(acked[0]!).then(() => true, () => false));
    // A watch set while the disk is full fires once a write is possible again.
    let watched = false;
    const watchSet = alive && (await c.getData(acked[0]!, { watch: () => (watched = true) }).then(() => true, () => false));
    freeDisk(disk);
    const writesBack = alive
      ? await waitFor(() => c.setData(acked[0]!, 'after-full').then(() => true), { timeoutMs: 20_000, what: 'writes accepted after space was freed' }).then(() => true, () => false)
      : false;
    const watchOk = watchSet && writesBack && (await waitFor(() => watched, { timeoutMs: 5000, what: 'watch event after the disk had space again' }).then(() => true, () => false));
    await c.close().catch(() => undefined);
    await server.restart();
    const lost = await missing(server, acked);
    const clear = refusal !== '';
    const ok = alive && clear && readOk && watchOk && writesBack && lost.length === 0;
    return {
      fault,
      outcome: !alive ? 'server exited' : ok ? 'writes refused, reads served; writes back once freed' : `refused=${clear} reads=${readOk} watch=${watchOk} writesBack=${writesBack} lost=${lost.length}`,
      ok,
      detail: `refusal: ${refusal || '(none)'}; ${/fatal: (.*)/.exec(server.output())?.[1] ?? ''}`,
    };
  } finally {
    await server?.kill();
    await unmount(disk).catch(() => undefined);
  }
}

/**
 * Creates big znodes through `c` until a write is refused with error code `code` and a
 * message matching `clear`. A write that meets the full disk gets a connection loss (its
 * outcome unknown, so it is not counted as acknowledged); a client that ended is replaced.
 */
export async function writeUntilRefused(
  server: { address: string; running: boolean },
  c: Client,
  code: string,
  clear: RegExp,
): Promise<{ refusal: string; client: Client; acked: string[] }> {
  const big = 'x'.repeat(200_000);
  const acked: string[] = [];
  let refusal = '';
  for (let i = 0; i < 60 && !refusal && server.running; i++) {
    try {
      await c.create(`/fill-${i}`, big);
      acked.push(`/fill-${i}`);
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err.code === code && clear.test(err.message)) refusal = `${err.name}: ${err.message}`;
      else if (c.state === 'closed' || c.state === 'expired') c = await connect({ servers: server.address, sessionTimeoutMs: SESSION_MS, requestTimeoutMs: 5000 });
    }
  }
  return { refusal, client: c, acked };
}

/** Fills the tmpfs at `disk` (filler files under it) until it has no space left. */
export function fillDisk(disk: string): void {
  fill(join(disk, 'filler'));
}

/** Frees what fillDisk took. */
export function freeDisk(disk: string): void {
  rmSync(join(disk, 'filler'), { force: true });
  rmSync(join(disk, 'filler.tail'), { force: true });
}

/** Fills the file system holding `file` until it has no space left. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 7);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    try {
      fsyncSync(fd);
    } catch {
      // full
    }
    closeSync(fd);
  }
  // the last partial chunk too
  try {
    writeFileSync(`${file}.tail`, Buffer.alloc(4096));
  } catch {
    // full
  }
}

/**
 * A full disk on one member of a 3-server ensemble (every data dir on its own small tmpfs;
 * the leader's or a follower's is filled). The member must acknowledge nothing it did not
 * persist and drop out; the other two go on taking writes; once space is freed the member
 * rejoins by itself, catches up with every acknowledged write, and still has them all
 * after a restart.
 */
export async function ensembleDiskFullScenario(victim: 'leader' | 'follower'): Promise<Verdict> {
  const fault = `disk full on the ${victim} (3 servers, tmpfs)`;
  const tools = await faultTools();
  if (!tools.tmpfs.ok) return { fault, outcome: 'skipped', ok: true, skipped: tools.tmpfs.reason, detail: '' };
  const ens = await startEnsemble({ startOnly: [], extra: { preAllocSize: 64, snapCount: 100000 }, process: { logLevel: 'info' } });
  const disks: string[] = [];
  const clients: Client[] = [];
  try {
    for (const cfg of ens.cfgs) {
      await mountTmpfs(cfg.dataDir, 8 * 1024 * 1024);
      disks.push(cfg.dataDir);
      writeFileSync(join(cfg.dataDir, 'myid'), `${cfg.id}\n`);
    }
    await Promise.all(ens.cfgs.map((c) => ens.start(c.id)));
    const leader = await waitStable(ens);
    const id = victim === 'leader' ? leader : ens.members.find((m) => m.id !== leader)!.id;
    const others = ens.members.filter((m) => m.id !== id).map((m) => ens.address(m.id)).join(',');
    const c = await connect({ servers: others, sessionTimeoutMs: 10_000, requestTimeoutMs: 5000, connectTimeoutMs: 20_000 });
    clients.push(c);
    const acked = await acknowledged(c, 'e', 10);
    fillDisk(ens.cfgs.find((x) => x.id === id)!.dataDir);
    // Writes that need the full member's log until it drops out; outcomes may be unknown
    // (connection loss) while a new leader is elected, and only acknowledged ones count.
    const big = 'x'.repeat(30_000);
    let i = 0;
    const droppedOut = await waitFor(
      async () => {
        await c.create(`/big-${i}`, big).then(
          () => acked.push(`/big-${i}`),
          () => undefined,
        );
        i++;
        const st = await statusOf(ens, id);
        return st?.mode === 'looking' ? true : undefined;
      },
      { timeoutMs: 30_000, what: `member ${id} to stop serving on a full disk` },
    ).then(() => true, () => false);
    const halted = /disk full/.test(ens.member(id).output());
    // The two healthy members take writes while the third has no space.
    let writesWhileFull = 0;
    for (let k = 0; k < 20; k++) {
      const ok = await waitFor(() => c.create(`/during-${k}`, `v${k}`).then(() => true), { timeoutMs: 20_000, what: `write ${k} while member ${id} is full` }).then(() => true, () => false);
      if (!ok) break;
      acked.push(`/during-${k}`);
      writesWhileFull++;
    }
    const stillOut = (await statusOf(ens, id))?.mode === 'looking';
    freeDisk(ens.cfgs.find((x) => x.id === id)!.dataDir);
    // It rejoins by itself and serves every acknowledged write.
    const direct = await connect({ servers: ens.address(id), sessionTimeoutMs: 10_000, requestTimeoutMs: 5000, connectTimeoutMs: 30_000 }).catch(() => undefined);
    let caughtUp: string[] = acked;
    if (direct) {
      clients.push(direct);
      await direct.sync('/').catch(() => undefined);
      caughtUp = await absent(direct, acked);
    }
    const rejoined = direct !== undefined;
    // Its log is whole: after a restart it still has every acknowledged write.
    await ens.member(id).kill('SIGKILL');
    await ens.start(id);
    const after = await connect({ servers: ens.address(id), sessionTimeoutMs: 10_000, requestTimeoutMs: 5000, connectTimeoutMs: 30_000 });
    clients.push(after);
    await after.sync('/');
    const lost = await absent(after, acked);
    const ok = droppedOut && halted && writesWhileFull === 20 && stillOut && rejoined && caughtUp.length === 0 && lost.length === 0;
    return {
      fault,
      outcome: ok
        ? 'member dropped out; ensemble kept writing; rejoined and caught up once freed'
        : `droppedOut=${droppedOut} halted=${halted} writesWhileFull=${writesWhileFull}/20 stillOut=${stillOut} rejoined=${rejoined} missingOnRejoin=${caughtUp.length} lostAfterRestart=${lost.length}`,
      ok,
      detail: `member ${id} (${victim}); ${acked.length} acknowledged writes${ok ? '' : `; its log:\n${ens.member(id).output().split('\n').slice(-25).join('\n')}`}`,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close({ timeoutMs: 2000 }).catch(() => undefined)));
    for (const cfg of ens.cfgs) {
      try {
        await ens.member(cfg.id).kill();
      } catch {
        // never started
      }
    }
    for (const d of disks) await unmount(d).catch(() => undefined);
  }
}

async function absent(c: Client, names: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const n of names) if ((await c.exists(n)) === null) out.push(n);
  return out;
}
