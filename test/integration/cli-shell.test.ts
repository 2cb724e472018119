/**
 * Goal: `warden shell` works as zkCli.sh does, against a real server through the SDK: one
 * command per invocation (exit code 1 on failure, zkCli's error wording), a whole session
 * fed through stdin (watch events printed as they fire, history and redo), tab completion
 * of commands and znode paths, and a clear error when no server answers.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../sdk/index.js';
import { completer } from '../../server/cli/shell/shell.js';
import { killAllServers, removeTempDirs, startStandalone } from '../support/index.js';
import { runCli } from '../support/ops-cli.js';

afterEach(killAllServers);
afterAll(removeTempDirs);

describe('warden shell', () => {
  it('runs single commands non-interactively', async () => {
    const { server } = await startStandalone();
    const sh = (...args: string[]) => runCli(['shell', '-server', server.address, ...args]);

    expect((await sh('create', '/app', 'hello world')).stdout).toBe('Created /app\n');
    const dup = await sh('create', '/app');
    expect(dup.code).toBe(1);
    expect(dup.stdout).toBe('Node already exists: /app\n');
    expect((await sh('create', '-s', '/app/job-', 'x')).stdout).toBe('Created /app/job-0000000000\n');
    expect((await sh('create', '-t', '60000', '/app/ttl')).code).toBe(0);
    expect((await sh('create', '-c', '/box')).code).toBe(0);
    expect((await sh('ls', '/')).stdout).toBe('[app, box, zookeeper]\n');
    expect((await sh('ls', '-R', '/app')).stdout).toBe('/app\n/app/job-0000000000\n/app/ttl\n');

    const get = await sh('get', '-s', '/app');
    expect(get.stdout).toMatch(/^hello world\ncZxid = 0x[0-9a-f]+\n/);
    expect(get.stdout).toMatch(/^dataVersion = 0$/m);
    expect(get.stdout).toMatch(/^numChildren = 2$/m);

    const badVersion = await sh('set', '-v', '7', '/app', 'new');
    expect(badVersion.code).toBe(1);
    expect(badVersion.stdout).toBe('version No is not valid : /app\n');
    expect((await sh('set', '-v', '0', '/app', 'new')).code).toBe(0);
    expect((await sh('stat', '/app')).stdout).toMatch(/^dataVersion = 1$/m);
    expect((await sh('stat', '/missing')).stdout).toBe('Node does not exist: /missing\n');

    expect((await sh('delete', '/app')).stdout).toBe('Node not empty: /app\n');
    expect((await sh('deleteall', '/app')).code).toBe(0);
    expect((await sh('ls', '/')).stdout).toBe('[box, zookeeper]\n');

    expect((await sh('getAcl', '/box')).stdout).toBe("'world,'anyone\n: cdrwa\n");
    expect((await sh('setAcl', '/box', 'world:anyone:r')).code).toBe(0);
    expect((await sh('getAcl', '/box')).stdout).toBe("'world,'anyone\n: r\n");
    expect((await sh('create', '/box/child')).stdout).toBe('Insufficient permission : /box/child\n');
    expect((await sh('whoami')).stdout).toBe('Auth scheme: User\nip: 127.0.0.1\n');
    expect((await sh('sync', '/')).stdout).toBe('Sync is OK\n');
    expect((await sh('getEphemerals', '/')).stdout).toBe('[]\n');

    const usage = await sh('ls');
    expect(usage.code).toBe(1);
    expect(usage.stdout).toContain('Usage: ls [-s] [-w] [-R] path');
    const unknown = await sh('frob', '/');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('Command not found: frob');
  });

  it('runs a session from stdin: watches, auth, history, redo', async () => {
    const { server } = await startStandalone();
    const script = [
      'create /cfg v1',
      'get -w /cfg',
      'set /cfg v2',
      'addWatch -m PERSISTENT_RECURSIVE /tree',
      'create /tree',
      'create /tree/leaf',
      'addauth digest alice:secret',
      'create /private data auth::cdrwa',
      'whoami',
      'create -e /mine',
      'getEphemerals /',
      'get /nothing',
      'history',
      'redo 11',
      'quit',
      'ls /',
    ].join('\n');
    const r = await runCli(['shell', '-server', server.address], { input: `${script}\n` });
    const out = r.stdout;
    expect(out).toContain('Created /cfg');
    expect(out).toMatch(/v1\n/);
    expect(out).toContain('WatchedEvent state:SyncConnected type:NodeDataChanged path:/cfg');
    expect(out).toContain('WatchedEvent state:SyncConnected type:NodeCreated path:/tree/leaf');
    expect(out).toMatch(/digest: alice:[A-Za-z0-9+/]{27}=/);
    expect(out).toContain('[/mine]');
    expect(out).toMatch(/^(\[warden: .*\] )?11 - get \/nothing$/m);
    expect(out.match(/Node does not exist: \/nothing/g)).toHaveLength(2); // once, then by redo
    // quit stops reading: the ls after it never ran.
    expect(out).not.toContain('[cfg, mine, private, tree, zookeeper]');
    expect(r.code).toBe(1); // scripted input with failures says so

    // The private node is closed to anyone without alice's digest.
    const other = await runCli(['shell', '-server', server.address, 'get', '/private']);
    expect(other.stdout).toBe('Insufficient permission : /private\n');
  });

  it('completes commands and znode paths', async () => {
    const { server } = await startStandalone();
    const client = await connect({ servers: server.address });
    try {
      await client.create('/alpha');
      await client.create('/alpha/one');
      await client.create('/alpha/two');
      await client.create('/beta');
      const complete = (line: string) => new Promise<[string[], string]>((resolve) => completer(client)(line, (_e, r) => resolve(r)));
      expect((await complete('getA'))[0]).toEqual(['getAcl ', 'getAllChildrenNumber ']);
      expect(await complete('ls /al')).toEqual([['/alpha'], '/al']);
      expect(await complete('get /alpha/t')).toEqual([['/alpha/two'], '/alpha/t']);
      expect((await complete('ls /'))[0]).toEqual(['/alpha', '/beta', '/zookeeper']);
    } finally {
      await client.close();
    }
  });

  it('says so when it cannot connect', async () => {
    const r = await runCli(['shell', '-server', '127.0.0.1:1', '-timeout', '1500', 'ls', '/']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot connect to 127.0.0.1:1');
  });
});
