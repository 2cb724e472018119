/** Goal: bad options fail at once with a TypeError naming the option; good ones get defaults. */
import { describe, expect, it } from 'vitest';
import { parseServers, resolveOptions, type ConnectOptions } from '../../../sdk/options.js';

describe('connect options', () => {
  it('parses connect strings and arrays', () => {
    expect(parseServers('a:1,b:2')).toEqual([{ host: 'a', port: 1 }, { host: 'b', port: 2 }]);
    expect(parseServers(' localhost ')).toEqual([{ host: 'localhost', port: 2181 }]);
    expect(parseServers(['[::1]:9000', '10.0.0.1'])).toEqual([{ host: '::1', port: 9000 }, { host: '10.0.0.1', port: 2181 }]);
  });

  it('names the bad option', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ servers: '' }, /`servers`/],
      [{ servers: 'a:99999' }, /`servers`/],
      [{ servers: 'a:b:c' }, /`servers`/],
      [{ servers: 'a', sessionTimeoutMs: -1 }, /`sessionTimeoutMs`/],
      [{ servers: 'a', sessionTimeoutMs: 1.5 }, /`sessionTimeoutMs`/],
      [{ servers: 'a', signal: {} }, /`signal`/],
      [{ servers: 'a', sessionId: 5 }, /`sessionId`/],
      [{ servers: 'a', sessionId: 5n }, /`sessionPassword`/],
      [{ servers: 'a', auth: [{ scheme: 1 }] }, /`auth`/],
      [{ servers: 'a', maxPendingRequests: 0 }, /`maxPendingRequests`/],
      [{ servers: 'a', reconnectMinDelayMs: 100, reconnectMaxDelayMs: 10 }, /`reconnectMaxDelayMs`/],
      [{ servers: 'a', shuffleServers: 'yes' }, /`shuffleServers`/],
      [{ servers: 'a', sesionTimeoutMs: 5 }, /`sesionTimeoutMs`/],
      [{ servers: 'a', tls: 'yes' }, /`tls`/],
      [{ servers: 'a', tls: { ca: 5 } }, /`tls.ca`/],
      [{ servers: 'a', tls: { cert: 'PEM' } }, /`tls.key`/],
      [{ servers: 'a', tls: { key: 'PEM' } }, /`tls.cert`/],
      [{ servers: 'a', tls: { serverName: '' } }, /`tls.serverName`/],
      [{ servers: 'a', tls: { cafile: 'x' } }, /`tls.cafile`/],
    ];
    for (const [opts, re] of bad) expect(() => resolveOptions(opts as ConnectOptions), JSON.stringify(opts, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).toThrow(re);
    for (const [opts] of bad) expect(() => resolveOptions(opts as ConnectOptions)).toThrow(TypeError);
  });

  it('fills in defaults', () => {
    const o = resolveOptions({ servers: 'h:1', sessionTimeoutMs: 5000, auth: [{ scheme: 'digest', auth: 'u:p' }] });
    expect(o.connectTimeoutMs).toBe(5000);
    expect(o.maxPendingRequests).toBe(1000);
    expect(o.readRetries).toBe(3);
    expect(o.sessionId).toBe(0n);
    expect(Buffer.from(o.auth[0]!.auth).toString()).toBe('u:p');
    expect(o.tls).toBeUndefined();
    expect(resolveOptions({ servers: 'h', tls: true }).tls).toEqual({ ca: undefined, cert: undefined, key: undefined, serverName: undefined });
    expect(resolveOptions({ servers: 'h', tls: { ca: 'PEM' } }).tls?.ca?.toString()).toBe('PEM');
  });
});
