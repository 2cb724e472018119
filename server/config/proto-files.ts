/**
 * Where the .proto files of this installation are, for gRPC server reflection. Finding
 * them means looking at the file system, which only server/config and server/storage do
 * (STYLE rule 1), so server/rpc asks here.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The proto include root and every warden/v1/*.proto in it, found from this file whether run
 * from source or dist/; throws when none is found.
 */
export function protoFiles(): { root: string; files: string[] } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'proto', 'warden', 'v1');
    if (existsSync(candidate)) {
      const files = readdirSync(candidate)
        .filter((f) => f.endsWith('.proto'))
        .map((f) => join(candidate, f));
      return { root: join(dir, 'proto'), files };
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find proto/warden/v1 next to the Warden installation');
}
