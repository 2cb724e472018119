/**
 * The machine's fault tools, found once: libfaketime (clock jumps), libfiu (write and fsync
 * errors in a running process), and tmpfs mounts (a small disk that fills up). Each one
 * that is missing is reported with the reason, so the suite can skip exactly that fault
 * and say so. `.ci/run` installs the Debian packages (faketime, libfaketime, fiu-utils,
 * libfiu0).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const FAKETIME_LIBS = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'];
const FIU_DIRS = ['/usr/lib/fiu', '/usr/local/lib/fiu', '/usr/lib/x86_64-linux-gnu/fiu'];

export interface Tool {
  ok: boolean;
  /** why not, when !ok */
  reason: string;
}

export interface FaultTools {
  faketime: Tool & { lib?: string };
  fiu: Tool & { preload?: string };
  tmpfs: Tool;
}

let found: Promise<FaultTools> | undefined;

export function faultTools(): Promise<FaultTools> {
  found ??= detect();
  return found;
}

async function detect(): Promise<FaultTools> {
  const lib = FAKETIME_LIBS.find((p) => existsSync(p));
  const fiuDir = FIU_DIRS.find((d) => existsSync(join(d, 'fiu_posix_preload.so')) && existsSync(join(d, 'fiu_run_preload.so')));
  let fiuCtrl = false;
  try {
    await run('sh', ['-c', 'command -v fiu-ctrl']);
    fiuCtrl = true;
  } catch {
    // reported below
  }
  return {
    faketime: lib ? { ok: true, reason: '', lib } : { ok: false, reason: 'libfaketime not installed (Debian: apt-get install faketime libfaketime)' },
    fiu:
      fiuDir && fiuCtrl
        ? { ok: true, reason: '', preload: `${join(fiuDir, 'fiu_run_preload.so')} ${join(fiuDir, 'fiu_posix_preload.so')}` }
        : { ok: false, reason: 'libfiu preload libraries or fiu-ctrl not installed (Debian: apt-get install fiu-utils libfiu0)' },
    tmpfs: await probeTmpfs(),
  };
}

async function probeTmpfs(): Promise<Tool> {
  if (process.platform !== 'linux') return { ok: false, reason: `tmpfs mounts need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'mounting a tmpfs needs root' };
  const dir = join('/tmp', `warden-tmpfs-probe-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    await run('umount', [dir]);
    return { ok: true, reason: '' };
  } catch (e) {
    return { ok: false, reason: `mount -t tmpfs failed here: ${(e as Error).message.split('\n')[0]}` };
  }
}

// ------------------------------------------------------------------ clock (libfaketime)

/**
 * Environment that puts a server's wall clock under a control file: write an offset such
 * as "+3h" or "-10m" to the file (clockJump) and the process sees it at its next clock read.
 * The monotonic clock is left alone, as on a real machine whose wall clock is stepped.
 */
export function faketimeEnv(tools: FaultTools, controlFile: string): Record<string, string> {
  if (!tools.faketime.ok) throw new Error(tools.faketime.reason);
  writeFileSync(controlFile, '+0s\n');
  return {
    LD_PRELOAD: tools.faketime.lib!,
    FAKETIME_TIMESTAMP_FILE: controlFile,
    FAKETIME_NO_CACHE: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}

/** Steps the wall clock of every process started with `faketimeEnv(controlFile)`. */
export function clockJump(controlFile: string, offsetSeconds: number): void {
  clockSet(controlFile, offsetSeconds);
}

/**
 * Sets the wall clock of the processes started with `faketimeEnv(controlFile)`: an offset
 * from the real time and a rate (2: runs twice as fast, 0.5: half as fast). A new rate
 * applies from the process start, so setting one is also a jump. libfaketime scales the
 * waits it intercepts (epoll_wait, poll, nanosleep) by the rate too, whatever
 * FAKETIME_DONT_FAKE_MONOTONIC says: under a rate below 1 the process's timers also fire late
 * (a 1 s timer after 2 s at 0.5); above 1 they still fire on time (the monotonic clock is real).
 */
export function clockSet(controlFile: string, offsetSeconds: number, rate = 1): void {
  if (!(rate > 0)) throw new RangeError(`clock rate must be > 0, got ${rate}`);
  const offset = `${offsetSeconds >= 0 ? '+' : ''}${Math.round(offsetSeconds)}s`;
  writeFileSync(controlFile, rate === 1 ? `${offset}\n` : `${offset} x${rate}\n`);
}

// ------------------------------------------------------------------ I/O errors (libfiu)

/** Environment that lets fiu-ctrl fail a server's POSIX calls at run time. */
export function fiuEnv(tools: FaultTools, ctrlPrefix: string): Record<string, string> {
  if (!tools.fiu.ok) throw new Error(tools.fiu.reason);
  return { LD_PRELOAD: tools.fiu.preload!, FIU_ENABLE: '', FIU_CTRL_FIFO: ctrlPrefix };
}

export type IoFault = 'fsync' | 'write';
const FIU_POINTS: Record<IoFault, string[]> = {
  // Node's FileHandle.datasync()/sync() are fdatasync()/fsync(). The txn log writes at an
  // offset (pwrite/pwritev); plain write() is left alone, or stdout and stderr would fail too
  // and the process would abort rather than show what storage does.
  fsync: ['posix/io/sync/fdatasync', 'posix/io/sync/fsync'],
  write: ['posix/io/rw/pwrite', 'posix/io/rw/pwritev'],
};

/** Makes every call of that kind in process `pid` fail with `errno` (default EIO). */
export async function fiuEnable(ctrlPrefix: string, pid: number, fault: IoFault, errno = 5): Promise<void> {
  const args = FIU_POINTS[fault].flatMap((name) => ['-c', `enable name=${name},failinfo=${errno}`]);
  await run('fiu-ctrl', ['-f', ctrlPrefix, ...args, String(pid)]);
}

/** Both environments at once (LD_PRELOAD lists are joined). */
export function mergeEnv(...envs: Array<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const env of envs) {
    for (const [k, v] of Object.entries(env)) out[k] = k === 'LD_PRELOAD' && out[k] ? `${out[k]} ${v}` : v;
  }
  return out;
}

// ------------------------------------------------------------------ disk full (tmpfs)

export async function mountTmpfs(dir: string, bytes: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
}

export async function unmount(dir: string): Promise<void> {
  await run('umount', ['-l', dir]);
}
