/**
 * Temporary directories for data dirs and configs. Each test file removes what it made
 * with `removeTempDirs()` in afterAll (set WARDEN_KEEP_TEMP=1 to keep them for a post-mortem).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A new empty directory under the OS temp dir. */
export function tempDir(prefix = 'warden-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  if (process.env.WARDEN_KEEP_TEMP === '1') return;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
