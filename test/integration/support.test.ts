/**
 * Goal: the test support itself behaves as other tests rely on: a spawned server listens
 * where it says, a paused one does not answer and a resumed one does, kill -9 ends it, and
 * restart brings it back on the same port with the same data dir.
 */
import { connect as tcpConnect, createServer } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePorts, killAllServers, removeTempDirs, startEnsemble, startStandalone, tempDir, waitFor, writeEnsembleCfgs } from '../support/index.js';

afterEach(killAllServers);
afterAll(removeTempDirs);

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('test support', () => {
  it('starts, pauses, kills and restarts a standalone server on the same port and data dir', async () => {
    const { server, cfg } = await startStandalone();
    expect(server.port).toBe(cfg.clientPort);
    expect(await canConnect(server.host, server.port)).toBe(true);
    expect(readdirSync(cfg.dataDir).length).toBeGreaterThan(0);

    server.pause();
    server.resume();
    expect(await canConnect(server.host, server.port)).toBe(true);

    const pid = server.pid;
    const exit = await server.kill();
    expect(exit.signal).toBe('SIGKILL');
    expect(server.running).toBe(false);
    await waitFor(async () => !(await canConnect(server.host, server.port)), { what: 'port closed' });

    await server.restart();
    expect(server.pid).not.toBe(pid);
    expect(server.port).toBe(cfg.clientPort);
    expect(await canConnect(server.host, server.port)).toBe(true);
    expect(server.output()).toContain('recovered data tree');
  });

  it('stops gracefully on SIGTERM', async () => {
    const { server } = await startStandalone();
    const exit = await server.stop();
    expect(exit.code).toBe(0);
  });

  it('free ports are distinct, bindable, and outside the range the kernel hands out by itself', async () => {
    const ports = await freePorts(40);
    expect(new Set(ports).size).toBe(40);
    const range = existsSync('/proc/sys/net/ipv4/ip_local_port_range') ? readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number) : undefined;
    // (a port-0 bind or an outgoing connection could take one of these before the server binds it)
    if (range && range[0]! > 11_000) for (const p of ports) expect(p, `port ${p} vs ephemeral range ${range.join('-')}`).toBeLessThan(range[0]!);
    const s = createServer();
    await new Promise<void>((resolve, reject) => s.once('error', reject).listen(ports[0], '127.0.0.1', () => resolve()));
    await new Promise<void>((resolve) => s.close(() => resolve()));
  });

  it('writes ensemble configs with server.N lines and a myid per member', async () => {
    const root = tempDir();
    const ports = await freePorts(9);
    const members = [1, 2, 3].map((id, i) => ({ id, host: '127.0.0.1', clientPort: ports[i * 3]!, quorumPort: ports[i * 3 + 1]!, electionPort: ports[i * 3 + 2]! }));
    const cfgs = writeEnsembleCfgs(root, members, { maxClientCnxns: 7 }, { 3: { peerType: 'observer' } });
    expect(cfgs.map((c) => c.id)).toEqual([1, 2, 3]);
    for (const c of cfgs) {
      expect(readFileSync(join(c.dataDir, 'myid'), 'utf8').trim()).toBe(String(c.id));
      const text = readFileSync(c.file, 'utf8');
      for (const m of members) expect(text).toContain(`server.${m.id}=127.0.0.1:${m.quorumPort}:${m.electionPort}`);
      expect(text).toContain('maxClientCnxns=7');
    }
    expect(readFileSync(cfgs[2]!.file, 'utf8')).toContain('peerType=observer');
    expect(existsSync(cfgs[0]!.dataDir)).toBe(true);
    expect(new Set(ports).size).toBe(9);
  });

  it('starts an ensemble-shaped set of members and restarts one by id (mechanics only)', async () => {
    const ens = await startEnsemble({ voters: 2, observers: 1, startOnly: [1, 2] });
    expect(ens.connectString.split(',')).toHaveLength(3);
    expect(ens.member(1).address).toBe(ens.address(1));
    expect(() => ens.member(3)).toThrow(/never started/);
    expect(readFileSync(ens.cfgs[2]!.file, 'utf8')).toContain('peerType=observer');
    await ens.member(2).kill();
    await ens.start(2);
    await ens.start(3);
    expect(ens.member(2).running && ens.member(3).running).toBe(true);
  });
});
