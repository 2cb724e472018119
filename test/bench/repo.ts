/** Where the Warden checkout is, found from this file whether it runs from source or dist/. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'warden') return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the Warden checkout (package.json named "warden") above the benchmark');
}

export const REPO = findRoot();
/** The built tree the benchmark loads the SDK and recipes from. */
export const DIST = join(REPO, 'dist');
