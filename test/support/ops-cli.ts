/**
 * Runs the real `warden` command (bin/warden.js, from dist/) to completion and returns its
 * exit code and output: for the CLI tests of start/stop/status and the storage tools.
 * Daemons it starts are not child handles; `killDaemon` kills one by the pid in its pid file.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WARDEN_BIN = join(REPO, 'bin', 'warden.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [WARDEN_BIN, ...args],
      { cwd: opts.cwd ?? REPO, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(new Error(`warden ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
          return;
        }
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

export function pidFromFile(dataDir: string): number | undefined {
  try {
    const text = readFileSync(join(dataDir, 'warden_server.pid'), 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs the daemon whose pid file is in `dataDir`, if it runs (test cleanup). */
export function killDaemon(dataDir: string): void {
  const pid = pidFromFile(dataDir);
  if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
}
