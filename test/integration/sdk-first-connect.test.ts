/**
 * Goal: a program that awaits connect() while its server is down keeps running until the
 * connect succeeds or times out. Found by the fault suite: lock holders started during a
 * server restart exited silently (code 13, an unsettled top-level await) because the
 * wait between connect attempts was an unref'd timer, the only thing left in the event loop.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/index.js';

const SDK = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'sdk', 'index.js');

describe('connect() while no server answers', () => {
  it('keeps the process alive and fails with the connect timeout', async () => {
    const port = await freePort();
    const script = `
      const { connect } = await import(${JSON.stringify(SDK)});
      try {
        await connect({ servers: '127.0.0.1:${port}', sessionTimeoutMs: 4000, connectTimeoutMs: 2500, reconnectMinDelayMs: 200 });
        console.log('connected?');
      } catch (e) {
        console.log('refused: ' + e.name);
      }`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect({ status: r.status, out: r.stdout.trim() }).toEqual({ status: 0, out: 'refused: ConnectionLossError' });
  });
});
