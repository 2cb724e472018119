/**
 * Goal: znode paths follow ZooKeeper's PathUtils rules (absolute, no trailing slash, no
 * empty/"."/".." segments, no forbidden characters), a sequential create may name a prefix
 * ending in "/", the length limit names itself, and the small path helpers agree.
 */
import { describe, expect, it } from 'vitest';
import { basename, isUnder, joinPath, parentOf, validatePath } from '../../../server/tree/path.js';

const ok = (p: string, opts = {}): boolean => validatePath(p, opts).ok;
const message = (p: string, opts = {}): string => {
  const r = validatePath(p, opts);
  return r.ok ? '' : r.message;
};

describe('validatePath', () => {
  it('accepts absolute paths, the root, and dots inside names', () => {
    for (const p of ['/', '/a', '/a/b/c', '/a.b', '/.a', '/a/...', '/a/.b.', '/zookeeper', '/ü/日本', '/a b', '/a-b_c:d']) {
      expect(ok(p), p).toBe(true);
    }
  });

  it('refuses empty, relative and slash-terminated paths', () => {
    expect(message('')).toMatch(/empty/);
    expect(message('a/b')).toMatch(/start with "\/"/);
    expect(message('/a/')).toMatch(/end with "\/"/);
    expect(message('//')).not.toBe('');
    expect(message('/a//b')).toMatch(/empty segment/);
  });

  it('refuses "." and ".." segments anywhere', () => {
    for (const p of ['/.', '/..', '/a/.', '/a/..', '/a/./b', '/a/../b']) expect(message(p), p).toMatch(/relative segment/);
  });

  it('refuses the characters ZooKeeper forbids and names where', () => {
    const bad = ['\u0000', '\u0001', '\u001f', '\u007f', '\u009f', '\ud800', '\uf8ff', '\ufff0', '\uffff'];
    for (const c of bad) expect(message(`/a${c}b`), JSON.stringify(c)).toMatch(/invalid character .* at index 2/);
    for (const c of ['\u0020', '\u007e', '\u00a0', '\uf900', '\uffef']) expect(ok(`/a${c}b`), JSON.stringify(c)).toBe(true);
  });

  it('lets a sequential create name a prefix ending in "/" (ZooKeeper validates path + "1")', () => {
    expect(ok('/a/', { sequential: true })).toBe(true);
    expect(ok('/', { sequential: true })).toBe(true);
    expect(ok('/a/lock-', { sequential: true })).toBe(true);
    expect(ok('/a//', { sequential: true })).toBe(false);
    expect(ok('/a/./', { sequential: true })).toBe(false);
    expect(ok('/a/', { sequential: false })).toBe(false);
  });

  it('enforces pathBytesMax in UTF-8 bytes and names the limit', () => {
    expect(ok(`/${'a'.repeat(9)}`, { pathBytesMax: 10 })).toBe(true);
    expect(message(`/${'a'.repeat(10)}`, { pathBytesMax: 10 })).toMatch(/pathBytesMax=10/);
    expect(message('/éééé', { pathBytesMax: 8 })).toMatch(/9 bytes/);
  });
});

describe('path helpers', () => {
  it('parentOf, basename and joinPath invert each other', () => {
    expect(parentOf('/a')).toBe('/');
    expect(parentOf('/a/b/c')).toBe('/a/b');
    expect(basename('/a/b/c')).toBe('c');
    expect(basename('/a')).toBe('a');
    expect(joinPath('/', 'a')).toBe('/a');
    expect(joinPath('/a/b', 'c')).toBe('/a/b/c');
    for (const p of ['/a', '/a/b', '/x/y/z']) expect(joinPath(parentOf(p), basename(p))).toBe(p);
  });

  it('isUnder is segment-aware', () => {
    expect(isUnder('/a/b', '/a')).toBe(true);
    expect(isUnder('/a', '/a')).toBe(true);
    expect(isUnder('/ab', '/a')).toBe(false);
    expect(isUnder('/anything', '/')).toBe(true);
    expect(isUnder('/a', '/a/b')).toBe(false);
  });
});
