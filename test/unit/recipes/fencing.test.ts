/** Goal: a fencing guard accepts growing (and equal) tokens and refuses older ones, per resource. */
import { describe, expect, it } from 'vitest';
import { FencingGuard, StaleTokenError, formatToken, parseToken } from '../../../recipes/fencing.js';

describe('FencingGuard', () => {
  it('accepts the first token, equal and larger ones, and refuses smaller ones', () => {
    const g = new FencingGuard();
    expect(g.admit('db', 10n)).toBe(true);
    expect(g.admit('db', 10n)).toBe(true);
    expect(g.admit('db', 12n)).toBe(true);
    expect(g.admit('db', 11n)).toBe(false);
    expect(g.highest('db')).toBe(12n);
  });

  it('keeps resources apart', () => {
    const g = new FencingGuard();
    g.check('a', 100n);
    expect(() => g.check('b', 1n)).not.toThrow();
    expect(() => g.check('a', 99n)).toThrow(StaleTokenError);
  });

  it('says which token beat the stale one', () => {
    const g = new FencingGuard([['a', 7n]]);
    try {
      g.check('a', 5n);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StaleTokenError);
      expect((e as StaleTokenError).highest).toBe(7n);
      expect((e as StaleTokenError).token).toBe(5n);
      expect((e as StaleTokenError).code).toBe('STALETOKEN');
    }
  });

  it('compares zxid-sized tokens exactly (beyond 2^53)', () => {
    const g = new FencingGuard();
    const big = (5n << 32n) | 1n;
    expect(g.admit('x', big + (1n << 60n))).toBe(true);
    expect(g.admit('x', big + (1n << 60n) - 1n)).toBe(false);
  });

  it('refuses tokens that are not bigints', () => {
    const g = new FencingGuard();
    expect(() => g.admit('x', 5 as unknown as bigint)).toThrow(TypeError);
  });
});

describe('token text', () => {
  it('round-trips', () => {
    const t = (3n << 32n) | 77n;
    expect(parseToken(formatToken(t))).toBe(t);
  });
  it('refuses what is not a decimal token', () => {
    for (const bad of ['', '-1', '1.5', 'abc', '0x10', '1'.repeat(21)]) expect(() => parseToken(bad)).toThrow(TypeError);
  });
});
