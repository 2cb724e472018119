/**
 * Goal: a program awaiting a call while its client reconnects (the server restarting) keeps
 * running until the call is answered, like one awaiting connect() (sdk-first-connect).
 * The only thing in the event loop between reconnect attempts is the client's backoff.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAllServers, removeTempDirs, startStandalone, waitFor } from '../support/index.js';

const SDK = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'sdk', 'index.js');

afterEach(killAllServers);
afterAll(removeTempDirs);

describe('a disconnected client', () => {
  it('keeps the process alive until its pending call is answered after a restart', async () => {
    const { server } = await startStandalone({ maxSessionTimeout: 20_000 });
    const script = `
      const { connect } = await import(${JSON.stringify(SDK)});
      const c = await connect({ servers: '${server.address}', sessionTimeoutMs: 20000, reconnectMinDelayMs: 200, reconnectMaxDelayMs: 400 });
      await c.create('/alive', 'yes');
      console.log('ready');
      await new Promise((r) => c.on('state', (e) => e.state === 'disconnected' && r()));
      const { data } = await c.getData('/alive');
      console.log('read ' + data.toString());
      await c.close();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => out.includes('ready'), { what: 'client ready' });
      await server.kill();
      // Give the client time to notice and go through a few backoff delays with nothing else to hold the loop.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await server.restart();
      expect(await exited).toBe(0);
      expect(out).toContain('read yes');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
