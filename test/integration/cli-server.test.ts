/**
 * Goal: the zkServer.sh habits work with the real `warden` command: `start` daemonizes and
 * returns once the server serves, `status` prints the mode, zxid and client port (exit 1
 * when nothing runs), `stop` stops it gracefully, `restart` brings it back, a second start
 * is refused, and failures to start are reported with their reason.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, removeTempDirs, tempDir, waitFor, writeStandaloneCfg } from '../support/index.js';
import { isAlive, killDaemon, pidFromFile, runCli } from '../support/ops-cli.js';
import { rawSession } from '../support/ops-raw-client.js';

const dataDirs: string[] = [];
afterEach(() => {
  for (const d of dataDirs.splice(0)) killDaemon(d);
});
afterAll(removeTempDirs);

async function standaloneCfg(extra: Record<string, string | number> = {}): Promise<{ file: string; dataDir: string; port: number; dir: string }> {
  const dir = tempDir('warden-cli-');
  const cfg = writeStandaloneCfg(dir, await freePort(), extra);
  dataDirs.push(cfg.dataDir);
  return { file: cfg.file, dataDir: cfg.dataDir, port: cfg.clientPort, dir };
}

describe('warden start | status | stop | restart', () => {
  it('daemonizes, reports status, stops and restarts', async () => {
    const cfg = await standaloneCfg();

    const down = await runCli(['status', '--config', cfg.file]);
    expect(down.code).toBe(1);
    expect(down.stdout).toContain('It is probably not running');

    const started = await runCli(['start', '--config', cfg.file]);
    expect(started.code, started.stdout + started.stderr).toBe(0);
    expect(started.stdout).toContain('STARTED');
    const pid = pidFromFile(cfg.dataDir);
    expect(pid).toBeDefined();
    expect(isAlive(pid!)).toBe(true);
    expect(existsSync(join(cfg.dataDir, 'warden.log'))).toBe(true);

    const again = await runCli(['start', '--config', cfg.file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`already running as process ${pid}`);

    const session = await rawSession(`127.0.0.1:${cfg.port}`);
    expect(await session.create('/x')).toBe(0);
    await session.close();

    const st = await runCli(['status', '--config', cfg.file]);
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toMatch(/^Mode: standalone$/m);
    expect(st.stdout).toMatch(new RegExp(`^Client port: ${cfg.port}$`, 'm'));
    const zxid = /^Zxid: (0x[0-9a-f]+)$/m.exec(st.stdout);
    expect(zxid).not.toBeNull();
    expect(BigInt(zxid![1]!)).toBeGreaterThan(0n);
    expect(st.stdout).toContain(`Pid: ${pid}`);

    const direct = await runCli(['status', '--server', `127.0.0.1:${cfg.port}`]);
    expect(direct.code).toBe(0);
    expect(direct.stdout).toMatch(/^Mode: standalone$/m);

    const restarted = await runCli(['restart', '--config', cfg.file]);
    expect(restarted.code, restarted.stdout + restarted.stderr).toBe(0);
    const pid2 = pidFromFile(cfg.dataDir);
    expect(pid2).toBeDefined();
    expect(pid2).not.toBe(pid);
    expect(isAlive(pid!)).toBe(false);

    const stopped = await runCli(['stop', '--config', cfg.file]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain('STOPPED');
    expect(isAlive(pid2!)).toBe(false);
    expect(existsSync(join(cfg.dataDir, 'warden_server.pid'))).toBe(false);
    // Graceful: the log says it stopped and the data survived the restart.
    const log = readFileSync(join(cfg.dataDir, 'warden.log'), 'utf8');
    expect(log).toMatch(/INFO +shutting down signal=SIGTERM/);
    expect(log).toMatch(/INFO +stopped /);
    expect(log).toMatch(/INFO +started mode=standalone /);

    const none = await runCli(['stop', '--config', cfg.file]);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('no server to stop');
    expect((await runCli(['status', '--config', cfg.file])).code).toBe(1);
  });

  it('rotates its log by size and reopens it on SIGHUP after logrotate moved it', async () => {
    const cfg = await standaloneCfg({ 'zookeeper.log.maxfilesize': '2KB', 'zookeeper.log.maxbackupindex': 2, 'admin.enableServer': 'false' });
    const started = await runCli(['start', '--config', cfg.file, '--log-level', 'debug']);
    expect(started.code, started.stdout + started.stderr).toBe(0);
    const pid = pidFromFile(cfg.dataDir)!;
    const log = join(cfg.dataDir, 'warden.log');
    // sessions opening and closing write log lines: enough of them pass 2 KB several times
    await waitFor(async () => {
      const s = await rawSession(`127.0.0.1:${cfg.port}`);
      await s.close();
      return existsSync(`${log}.2`);
    }, { what: 'two rotations' });
    expect(existsSync(`${log}.3`)).toBe(false);
    for (const f of [log, `${log}.1`, `${log}.2`]) expect(statSync(f).size).toBeLessThanOrEqual(2048 + 512);

    renameSync(log, `${log}.moved`);
    process.kill(pid, 'SIGHUP');
    await waitFor(async () => {
      const s = await rawSession(`127.0.0.1:${cfg.port}`);
      await s.close();
      return existsSync(log);
    }, { what: 'a new warden.log after SIGHUP' });
    expect(isAlive(pid)).toBe(true);
    expect((await runCli(['stop', '--config', cfg.file])).code).toBe(0);
    expect(readFileSync(log, 'utf8')).toMatch(/INFO +stopped /);
  });

  it('reports why a daemon could not start', async () => {
    // The client port is taken: the child fails, the parent prints its reason.
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const dir = tempDir('warden-cli-');
    const cfg = writeStandaloneCfg(dir, port);
    dataDirs.push(cfg.dataDir);
    try {
      const r = await runCli(['start', '--config', cfg.file]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('FAILED');
      expect(r.stderr).toMatch(/cannot listen for clients on 127\.0\.0\.1:\d+/);
    } finally {
      blocker.close();
    }

    // A bad config line: one line naming file, line and key; nothing spawned.
    const bad = join(dir, 'bad.cfg');
    writeFileSync(bad, `dataDir=${join(dir, 'data2')}\ntickTime=fast\n`);
    const r2 = await runCli(['start', '--config', bad]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`${bad}:2: tickTime: expected a whole number`);
  });

  it('explains usage errors with exit code 2 and has help everywhere', async () => {
    const r = await runCli(['start', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--bogus'");
    expect(r.stderr).toContain('Usage: warden start');
    for (const cmd of ['start', 'stop', 'restart', 'status', 'log', 'snapshot']) {
      const h = await runCli([cmd, '--help']);
      expect(h.code, cmd).toBe(0);
      expect(h.stdout, cmd).toContain(`Usage: warden ${cmd}`);
    }
    const top = await runCli(['--help']);
    expect(top.stdout).toContain('status [--config <zoo.cfg>]');
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });
});
