/**
 * Goal: the seeds' three-server set-up with `warden` in place of zkServer.sh: each member
 * started as a daemon one after the other, `warden status` shows one leader and two
 * followers, the leader's admin server and metrics report the quorum (quorum_size,
 * learners, election_time), and `warden stop` stops each member.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePorts, removeTempDirs, tempDir, waitFor, writeEnsembleCfgs } from '../support/index.js';
import { killDaemon, runCli } from '../support/ops-cli.js';

const dataDirs: string[] = [];
afterEach(() => {
  for (const d of dataDirs.splice(0)) killDaemon(d);
});
afterAll(removeTempDirs);

describe('warden start | status | stop on a 3-server ensemble', () => {
  it('starts, reports leader and followers, exports quorum metrics, stops', async () => {
    const ports = await freePorts(12);
    const members = [1, 2, 3].map((id, i) => ({ id, host: '127.0.0.1', clientPort: ports[i * 3]!, quorumPort: ports[i * 3 + 1]!, electionPort: ports[i * 3 + 2]! }));
    const adminPorts = ports.slice(9);
    const perMember = Object.fromEntries(members.map((m, i) => [m.id, { 'admin.serverPort': adminPorts[i]! }]));
    const cfgs = writeEnsembleCfgs(tempDir('warden-cli-ens-'), members, {}, perMember);
    dataDirs.push(...cfgs.map((c) => c.dataDir));

    for (const c of cfgs) {
      const r = await runCli(['start', '--config', c.file]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('STARTED');
    }

    const modes = await waitFor(
      async () => {
        const out: string[] = [];
        for (const c of cfgs) {
          const r = await runCli(['status', '--config', c.file]);
          const mode = /^Mode: (\w+)$/m.exec(r.stdout)?.[1];
          if (r.code !== 0 || mode === undefined) return undefined;
          out.push(mode);
        }
        return [...out].sort().join(',') === 'follower,follower,leader' ? out : undefined;
      },
      { what: 'one leader and two followers', timeoutMs: 90_000, intervalMs: 250 },
    );
    const leaderIndex = modes.indexOf('leader');
    const leaderAdmin = adminPorts[leaderIndex]!;

    const mntr = (await (await fetch(`http://127.0.0.1:${leaderAdmin}/commands/mntr`)).json()) as Record<string, unknown>;
    expect(mntr.server_state).toBe('leader');
    expect(mntr.quorum_size).toBe(2);
    expect(mntr.learners).toBe(2);
    const metrics = await (await fetch(`http://127.0.0.1:${leaderAdmin}/metrics`)).text();
    expect(metrics).toMatch(/^quorum_size 2$/m);
    expect(metrics).toMatch(/^learners 2$/m);
    expect(Number(/^election_time_count (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^looking_count (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^warden_server_state\{state="leader"\} 1$/m);

    const follower = (await (await fetch(`http://127.0.0.1:${adminPorts[(leaderIndex + 1) % 3]!}/commands/mntr`)).json()) as Record<string, unknown>;
    expect(follower.server_state).toBe('follower');
    expect(follower.quorum_size).toBe(2);
    expect(follower.learners).toBeUndefined();

    for (const c of cfgs) {
      const r = await runCli(['stop', '--config', c.file]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
    for (const c of cfgs) expect((await runCli(['status', '--config', c.file, '--timeout', '2'])).code).toBe(1);
  });
});
