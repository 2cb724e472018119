/** Goal: a chroot roots every request path and un-roots what comes back, and nothing else. */
import { describe, expect, it } from 'vitest';
import { Chroot } from '../../../sdk/chroot.js';
import { parseConnectString } from '../../../sdk/options.js';

describe('chroot', () => {
  it('is read from the end of the connect string', () => {
    expect(parseConnectString('a:1,b:2/apps/x')).toEqual({ servers: [{ host: 'a', port: 1 }, { host: 'b', port: 2 }], chroot: '/apps/x' });
    expect(parseConnectString('a:1/')).toEqual({ servers: [{ host: 'a', port: 1 }], chroot: '' });
    expect(parseConnectString('a:1')).toEqual({ servers: [{ host: 'a', port: 1 }], chroot: '' });
    expect(() => parseConnectString('a:1/x//y')).toThrow(/`servers`/);
  });

  it('translates paths both ways, and leaves bad ones for the server to refuse', () => {
    const c = new Chroot('/app');
    expect(c.toServer('/')).toBe('/app');
    expect(c.toServer('/a/b')).toBe('/app/a/b');
    expect(c.toServer('rel')).toBe('rel');
    expect(c.toServer('')).toBe('');
    expect(c.toClient('/app')).toBe('/');
    expect(c.toClient('/app/a')).toBe('/a');
    expect(c.toClient('/apple')).toBe('/apple');
    const none = new Chroot('');
    expect(none.toServer('/a')).toBe('/a');
    expect(none.toClient('/a')).toBe('/a');
  });

  it('roots every path of a request', () => {
    const c = new Chroot('/r');
    expect(c.op({ op: 'getEphemerals', prefixPath: '/' })).toEqual({ op: 'getEphemerals', prefixPath: '/r' });
    expect(c.op({ op: 'multiRead', ops: [{ op: 'getData', path: '/x' }] })).toEqual({ op: 'multiRead', ops: [{ op: 'getData', path: '/r/x' }] });
    expect(c.op({ op: 'multi', ops: [{ op: 'check', path: '/x', version: 1 }] })).toEqual({ op: 'multi', ops: [{ op: 'check', path: '/r/x', version: 1 }] });
    expect(c.op({ op: 'sync', path: '/' })).toEqual({ op: 'sync', path: '/r' });
    expect(c.op({ op: 'whoAmI' })).toEqual({ op: 'whoAmI' });
  });
});
