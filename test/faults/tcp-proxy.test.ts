/**
 * Goal: the fault proxy does what the nemesis relies on: passes bytes in order, holds them
 * in a blackhole and delivers them once healed, resets connections in drop mode, and keeps
 * order when a delay ends while chunks are still held.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpProxy } from '../support/nemesis/tcp-proxy.js';
import { waitFor } from '../support/index.js';

let echo: Server | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await new Promise<void>((r) => (echo ? echo.close(() => r()) : r()));
});

async function setup(): Promise<{ sock: Socket; got: () => string; closed: () => boolean }> {
  echo = createServer((s) => {
    s.on('error', () => undefined); // the proxy resets it in drop mode
    s.pipe(s);
  });
  await new Promise<void>((r) => echo!.listen(0, '127.0.0.1', () => r()));
  const addr = echo.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: addr.port });
  const sock = createConnection({ host: '127.0.0.1', port: proxy.port });
  let data = '';
  let isClosed = false;
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => (data += d));
  sock.on('error', () => undefined);
  sock.on('close', () => (isClosed = true));
  await new Promise<void>((r) => sock.once('connect', () => r()));
  return { sock, got: () => data, closed: () => isClosed };
}

describe('TcpProxy', () => {
  it('passes bytes both ways', async () => {
    const { sock, got } = await setup();
    sock.write('hello');
    await waitFor(() => got() === 'hello', { what: 'echo through the proxy' });
  });

  it('holds bytes in a blackhole and delivers them once healed', async () => {
    const { sock, got } = await setup();
    sock.write('a');
    await waitFor(() => got() === 'a');
    proxy!.set({ kind: 'blackhole' });
    sock.write('b');
    // Nothing may come back while the link is cut: give it a fair chance to leak.
    await new Promise((r) => setTimeout(r, 300));
    expect(got()).toBe('a');
    proxy!.heal();
    await waitFor(() => got() === 'ab', { what: 'held bytes after heal' });
  });

  it('resets connections in drop mode', async () => {
    const { closed } = await setup();
    proxy!.set({ kind: 'drop' });
    await waitFor(() => closed(), { what: 'connection reset' });
  });

  it('keeps order when a delay ends while chunks are held', async () => {
    const { sock, got } = await setup();
    proxy!.set({ kind: 'delay', ms: 200 });
    sock.write('1');
    await new Promise((r) => setTimeout(r, 20));
    proxy!.heal();
    sock.write('2');
    await waitFor(() => got().length === 2, { what: 'both chunks' });
    expect(got()).toBe('12');
  });
});
