/**
 * Goal: the admin HTTP server and the Prometheus endpoints of a real standalone server
 * report what the server holds, with ZooKeeper's names, and follow the load: znodes,
 * ephemerals, watches, sessions and connections go up as a client works and back down
 * when it leaves. Also: loopback by default, unknown commands and methods refused,
 * the metricsProvider.httpPort listener serving /metrics only, misuse logged.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePorts, killAllServers, removeTempDirs, startStandalone, waitFor } from '../support/index.js';
import { rawSession } from '../support/ops-raw-client.js';

afterEach(killAllServers);
afterAll(removeTempDirs);

type Json = Record<string, unknown>;

async function get(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string; json: () => Json }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  const body = await res.text();
  return { status: res.status, body, json: () => JSON.parse(body) as Json };
}

async function command(port: number, name: string): Promise<Json> {
  const r = await get(port, `/commands/${name}`);
  expect(r.status, r.body).toBe(200);
  const j = r.json();
  expect(j.error).toBeNull();
  return j;
}

/** The value of an unlabelled sample in Prometheus text, e.g. `znode_count 7`. */
function sample(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`no sample ${name} in:\n${text.slice(0, 2000)}`);
  return Number(m[1]);
}

describe('admin HTTP and metrics', () => {
  it('reports znodes, ephemerals, watches, sessions and connections as they change', async () => {
    const [adminPort, metricsPort] = await freePorts(2);
    const { server } = await startStandalone({ 'admin.serverPort': adminPort!, 'metricsProvider.httpPort': metricsPort! });

    expect((await get(adminPort!, '/commands/ruok')).status).toBe(200);
    const before = await command(adminPort!, 'mntr');
    expect(before.server_state).toBe('standalone');
    const znodes0 = before.znode_count as number;
    expect(before.ephemerals_count).toBe(0);
    expect(before.watch_count).toBe(0);

    const session = await rawSession(server.address);
    const sid = `0x${session.sessionId.toString(16)}`;
    for (const p of ['/a', '/b', '/c']) expect(await session.create(p, { data: 'xyz' })).toBe(0);
    expect(await session.create('/e', { ephemeral: true })).toBe(0);
    expect(await session.getData('/a', true)).toBe(0);

    const after = await command(adminPort!, 'mntr');
    expect(after.znode_count).toBe(znodes0 + 4);
    expect(after.ephemerals_count).toBe(1);
    expect(after.watch_count).toBe(1);
    expect(after.global_sessions).toBe(1);
    expect(after.num_alive_connections).toBe(1);
    expect(after.packets_received as number).toBeGreaterThanOrEqual(6);
    expect(after.packets_sent as number).toBeGreaterThanOrEqual(6);
    expect(after.proposal_count as number).toBeGreaterThanOrEqual(5); // createSession + 4 creates
    expect(after.cnt_latency as number).toBeGreaterThanOrEqual(5);
    expect(after.cnt_fsynctime as number).toBeGreaterThanOrEqual(1);
    expect(after.approximate_data_size as number).toBeGreaterThan(before.approximate_data_size as number);

    // Prometheus text on both the admin port and the metricsProvider port, ZooKeeper's names.
    for (const port of [adminPort!, metricsPort!]) {
      const m = await get(port, '/metrics');
      expect(m.status).toBe(200);
      expect(sample(m.body, 'znode_count')).toBe(znodes0 + 4);
      expect(sample(m.body, 'ephemerals_count')).toBe(1);
      expect(sample(m.body, 'watch_count')).toBe(1);
      expect(sample(m.body, 'global_sessions')).toBe(1);
      expect(sample(m.body, 'num_alive_connections')).toBe(1);
      expect(sample(m.body, 'quorum_size')).toBe(1);
      expect(sample(m.body, 'proposal_count')).toBeGreaterThanOrEqual(5);
      expect(sample(m.body, 'fsynctime_count')).toBeGreaterThanOrEqual(1);
      expect(sample(m.body, 'updatelatency_count')).toBeGreaterThanOrEqual(4);
      expect(sample(m.body, 'readlatency_count')).toBeGreaterThanOrEqual(1);
      expect(m.body).toMatch(/^process_cpu_user_seconds_total \S+$/m);
      expect(m.body).toMatch(/^nodejs_heap_size_used_bytes \S+$/m);
      expect(m.body).toMatch(/^warden_server_state\{state="standalone"\} 1$/m);
    }

    const srvr = await command(adminPort!, 'srvr');
    expect(srvr.node_count).toBe(znodes0 + 4);
    expect((srvr.server_stats as Json).server_state).toBe('standalone');
    expect((srvr.server_stats as Json).num_alive_client_connections).toBe(1);

    const stat = await command(adminPort!, 'stats');
    expect((stat.connections as Json[]).length).toBe(1);

    const cons = await command(adminPort!, 'cons');
    const conns = cons.connections as Json[];
    expect(conns).toHaveLength(1);
    expect(conns[0]!.session_id).toBe(sid);
    expect(conns[0]!.packets_received as number).toBeGreaterThanOrEqual(6);
    expect(cons.secure_connections).toEqual([]);

    const dump = await command(adminPort!, 'dump');
    expect((dump.session_id_to_ephemeral_paths as Json)[sid]).toEqual(['/e']);
    expect(Object.values(dump.expiry_time_to_session_ids as Json).flat()).toContain(sid);

    expect(await command(adminPort!, 'wchs')).toMatchObject({ num_connections: 1, num_paths: 1, num_total_watches: 1 });
    expect((await command(adminPort!, 'wchc')).session_id_to_watched_paths).toEqual({ [sid]: ['/a'] });
    expect((await command(adminPort!, 'wchp')).path_to_session_ids).toEqual({ '/a': [sid] });
    expect((await command(adminPort!, 'isro')).read_only).toBe(false);
    expect((await command(adminPort!, 'envi'))['warden.version']).toMatch(/^\d+\.\d+\.\d+/);
    const conf = await command(adminPort!, 'conf');
    expect(conf.client_port).toBe(server.port);
    expect(conf.admin_server_address).toBe('127.0.0.1');
    // Long names answer like the four-letter ones.
    expect((await command(adminPort!, 'watch_summary')).command).toBe('watch_summary');
    expect((await command(adminPort!, 'wchs')).command).toBe('watch_summary');

    await session.close();
    await waitFor(async () => (await command(adminPort!, 'mntr')).ephemerals_count === 0, { what: 'ephemeral gone after close' });
    const end = await command(adminPort!, 'mntr');
    expect(end.znode_count).toBe(znodes0 + 3);
    expect(end.watch_count).toBe(0);
    expect(end.global_sessions).toBe(0);
  });

  it('refuses unknown commands and methods, and keeps commands off the metrics port', async () => {
    const [adminPort, metricsPort] = await freePorts(2);
    await startStandalone({ 'admin.serverPort': adminPort!, 'metricsProvider.httpPort': metricsPort! });
    const unknown = await get(adminPort!, '/commands/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.json().error).toMatch(/Unknown command: nope/);
    expect((await get(adminPort!, '/commands/ruok', 'POST')).status).toBe(405);
    const list = (await get(adminPort!, '/commands')).json();
    expect((list.commands as Json[]).map((c) => c.name)).toEqual(expect.arrayContaining(['ruok', 'server_stats', 'monitor', 'connections', 'dump', 'watches']));
    expect((await get(metricsPort!, '/commands/mntr')).status).toBe(404);
  });

  it('logs requests refused for misuse', async () => {
    const [adminPort] = await freePorts(1);
    const { server } = await startStandalone({ 'admin.serverPort': adminPort! });
    const session = await rawSession(server.address);
    const INVALIDACL = -114;
    expect(await session.create('/bad', { acl: [{ perms: 31, scheme: 'nonsense', id: 'x' }] })).toBe(INVALIDACL);
    await waitFor(() => /WARN +refused a request .*code=INVALIDACL/.test(server.output()), { what: 'misuse warning in the log' });
    await session.close();
  });
});
