// Generates static protobuf code (proto/gen/warden.js + .d.ts) from proto/warden/v1/*.proto.
// The generated files are build output (git-ignored); `npm run build` copies them to dist/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, copyFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = join(root, 'proto', 'warden', 'v1');
const outDir = join(root, 'proto', 'gen');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const protos = readdirSync(protoDir).filter((f) => f.endsWith('.proto')).sort().map((f) => join(protoDir, f));

const outJs = join(outDir, 'warden.js');
const newest = Math.max(...protos.map((p) => statSync(p).mtimeMs), statSync(import.meta.filename ?? fileURLToPath(import.meta.url)).mtimeMs);
let fresh = false;
try {
  fresh = statSync(outJs).mtimeMs > newest && statSync(join(outDir, 'warden.d.ts')).mtimeMs > newest;
} catch {
  fresh = false;
}
if (!fresh) {
  mkdirSync(outDir, { recursive: true });
  execFileSync(bin('pbjs'), ['-t', 'static-module', '-w', 'es6', '--force-long', '--no-verify', '--no-delimited',
    '-p', join(root, 'proto'), '-o', outJs, ...protos], { stdio: 'inherit' });
  execFileSync(bin('pbts'), ['--no-comments', '-o', join(outDir, 'warden.d.ts'), outJs], { stdio: 'inherit' });
}
if (process.argv.includes('--copy')) {
  const dist = join(root, 'dist', 'proto', 'gen');
  mkdirSync(dist, { recursive: true });
  for (const f of ['warden.js', 'warden.d.ts']) copyFileSync(join(outDir, f), join(dist, f));
}
