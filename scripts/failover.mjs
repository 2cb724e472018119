#!/usr/bin/env node
// Measures failover on a 3-server loopback ensemble: the time from `kill -9` of the leader
// to the first write that succeeds afterwards, over N kills (default 10); prints each kill,
// then p50 and max. Not a test: it reports what it measured.
//
//   npm run failover [-- --kills 10 --tick-time 2000]
//
// A writer client (the SDK, connected to all three servers) keeps one write in flight at a
// time; after the kill, each failed attempt is retried at once on a fresh client, so the
// number is the ensemble's (election + sync + first commit) plus a client reconnect.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptArgs, wholeNumber } from './script-args.mjs';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const values = scriptArgs(
  'failover',
  `  --kills N          leader kills to measure (default 10)
  --tick-time MS     tickTime of the three servers (default 2000)
Prints each kill's time from kill -9 of the leader to the first successful write, then p50 and max.`,
  { kills: { type: 'string', default: '10' }, 'tick-time': { type: 'string', default: '2000' } },
);
const kills = wholeNumber('failover', values, 'kills');
const tickTime = wholeNumber('failover', values, 'tick-time');
const { connect } = await import(join(repo, 'dist/sdk/index.js'));
const { fetchStatus } = await import(join(repo, 'dist/server/cli/status-client.js'));

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const root = mkdtempSync(join(tmpdir(), 'warden-failover-'));
const ids = [1, 2, 3];
const ports = {};
for (const id of ids) ports[id] = { client: await freePort(), quorum: await freePort(), election: await freePort() };
const serverLines = ids.map((id) => `server.${id}=127.0.0.1:${ports[id].quorum}:${ports[id].election}`).join('\n');
for (const id of ids) {
  const dataDir = join(root, `s${id}`);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'myid'), `${id}\n`);
  writeFileSync(
    join(root, `zoo${id}.cfg`),
    `tickTime=${tickTime}\ninitLimit=10\nsyncLimit=5\ndataDir=${dataDir}\nclientPort=${ports[id].client}\nclientPortAddress=127.0.0.1\n${serverLines}\n`,
  );
}

const procs = {};
function start(id) {
  const logTo = process.env.WARDEN_FAILOVER_LOGS;
  const out = logTo ? openSync(join(logTo, `server${id}.log`), 'a') : 'ignore';
  const p = spawn(process.execPath, [join(repo, 'bin/warden.js'), 'start', '--foreground', '--config', join(root, `zoo${id}.cfg`)], {
    stdio: ['ignore', out, out],
    env: { ...process.env, WARDEN_LOG_LEVEL: logTo ? 'info' : 'warn' },
  });
  procs[id] = p;
  return p;
}
const status = (id) => fetchStatus({ host: '127.0.0.1', port: ports[id].client }, 1000).catch(() => undefined);

async function waitStable(deadlineMs = 60_000) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    const st = await Promise.all(ids.map(status));
    const leaders = st.filter((s) => s?.mode === 'leader');
    if (leaders.length === 1 && st.every((s) => s && (s.mode === 'leader' || s.mode === 'follower'))) return leaders[0].serverId;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('ensemble did not stabilise');
}

const all = ids.map((id) => `127.0.0.1:${ports[id].client}`).join(',');
const newClient = () => connect({ servers: all, sessionTimeoutMs: 10_000, connectTimeoutMs: 2000, requestTimeoutMs: 2000, reconnectMinDelayMs: 1, reconnectMaxDelayMs: 20 });

const results = [];
try {
  for (const id of ids) start(id);
  await waitStable();
  const setup = await newClient();
  await setup.create('/failover', '0').catch(() => {});
  await setup.close();
  for (let k = 0; k < kills; k++) {
    const leader = await waitStable();
    let client = await newClient();
    await client.setData('/failover', `before-${k}`);
    const killedAt = performance.now();
    procs[leader].kill('SIGKILL');
    let ms;
    for (let attempt = 0; ; attempt++) {
      try {
        await client.setData('/failover', `after-${k}`, { timeoutMs: 2000 });
        ms = performance.now() - killedAt;
        break;
      } catch {
        if (performance.now() - killedAt > 30_000) throw new Error(`kill ${k + 1}: no write within 30 s`);
        await client.close({ timeoutMs: 100 }).catch(() => {});
        client = await newClient().catch(() => undefined);
        while (!client) client = await newClient().catch(() => undefined);
      }
    }
    results.push(ms);
    process.stdout.write(`kill ${k + 1}: leader ${leader} killed, first write after ${ms.toFixed(0)} ms\n`);
    await client.close({ timeoutMs: 500 }).catch(() => {});
    const old = procs[leader];
    if (old.exitCode === null && old.signalCode === null) await new Promise((r) => old.once('exit', r));
    start(leader);
    await waitStable();
  }
} finally {
  for (const p of Object.values(procs)) p.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
}
const sorted = [...results].sort((a, b) => a - b);
const p50 = sorted[Math.floor((sorted.length - 1) / 2)];
process.stdout.write(`failover (kill -9 of the leader -> first successful write), ${results.length} kills, tickTime ${tickTime} ms: p50 ${p50.toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms\n`);
