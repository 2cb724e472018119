/**
 * The pid file of a running server, `<dataDir>/warden_server.pid` (zkServer.sh keeps
 * `zookeeper_server.pid` in dataDir the same way). Written by the server process once it
 * serves, removed when it exits; `warden stop|status|restart` read it.
 *
 * A pid outlives its process and may be reused, so a pid is trusted only while that
 * process is alive and, where /proc can tell, is a Warden process.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PID_FILE_NAME = 'warden_server.pid';

export function pidFilePath(dataDir: string): string {
  return join(dataDir, PID_FILE_NAME);
}

export function writePidFile(path: string, pid = process.pid): void {
  writeFileSync(path, `${pid}\n`, { mode: 0o644 });
}

/** Removes the pid file if it still names `pid` (a newer server may have replaced it). */
export function removePidFile(path: string, pid = process.pid): void {
  if (readPidFile(path) === pid) rmSync(path, { force: true });
}

export function readPidFile(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Alive and, where /proc shows its command line, running Warden. */
export function isWardenProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /warden|main\.js/.test(cmdline);
  } catch {
    return true; // no /proc (macOS): alive is the best we can tell
  }
}
