#!/usr/bin/env node
// Starts a local 3-server ensemble for trying Warden out, in the foreground:
//
//   npm run ensemble [-- --dir ./ensemble-data --base-port 2181]
//
// Server N listens for clients on base+N-1 (2181, 2182, 2183), for peers on 2888+N-1 and
// 3888+N-1 (as the seeds' zoo.cfg, with distinct ports on one machine). The configs and
// data stay in --dir, so running it again restarts the same ensemble. Ctrl-C stops all three.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scriptArgs, wholeNumber } from './script-args.mjs';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const values = scriptArgs(
  'ensemble',
  `  --dir DIR          configs and data of the three servers (default ensemble-data)
  --base-port N      client port of server 1; servers 2 and 3 take the next two (default 2181)
Starts a local 3-server ensemble in the foreground; Ctrl-C stops all three.`,
  { dir: { type: 'string', default: 'ensemble-data' }, 'base-port': { type: 'string', default: '2181' } },
);
wholeNumber('ensemble', values, 'base-port');
const dir = resolve(values.dir);
const base = Number(values['base-port']);
const ids = [1, 2, 3];
const lines = ids.map((id) => `server.${id}=127.0.0.1:${2888 + id - 1}:${3888 + id - 1}`).join('\n');

for (const id of ids) {
  const dataDir = join(dir, `server${id}`);
  mkdirSync(dataDir, { recursive: true });
  if (!existsSync(join(dataDir, 'myid'))) writeFileSync(join(dataDir, 'myid'), `${id}\n`);
  writeFileSync(
    join(dir, `zoo${id}.cfg`),
    `# server ${id} of a local 3-server Warden ensemble (npm run ensemble)\ntickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=${dataDir}\nclientPort=${base + id - 1}\nclientPortAddress=127.0.0.1\n${lines}\n`,
  );
}

const children = ids.map((id) => {
  const child = spawn(process.execPath, [join(repo, 'bin/warden.js'), 'start', '--foreground', '--config', join(dir, `zoo${id}.cfg`)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tag = (chunk) =>
    String(chunk)
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => `[server.${id}] ${l}\n`)
      .join('');
  child.stdout.on('data', (d) => process.stdout.write(tag(d)));
  child.stderr.on('data', (d) => process.stderr.write(tag(d)));
  child.on('exit', (code, signal) => process.stdout.write(`[server.${id}] exited (${signal ?? code})\n`));
  return child;
});

process.stdout.write(`Warden ensemble: clients on ${ids.map((id) => `127.0.0.1:${base + id - 1}`).join(',')}; configs and data in ${dir}\n`);
process.stdout.write(`Try: node bin/warden.js status --server 127.0.0.1:${base}   (Ctrl-C stops the ensemble)\n`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
