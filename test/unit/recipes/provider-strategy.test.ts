/** Goal: each provider strategy picks as documented, and noted errors cool an instance down for a while. */
import { describe, expect, it } from 'vitest';
import { DownInstances, randomPick, roundRobin, sticky } from '../../../recipes/provider-strategy.js';

const list = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];

describe('strategies', () => {
  it('round-robin visits each in turn and adapts to a shorter list', () => {
    const s = roundRobin();
    expect([1, 2, 3, 4].map(() => s.pick(list).id)).toEqual(['a', 'b', 'c', 'a']);
    expect(s.pick(list.slice(0, 1)).id).toBe('a');
  });
  it('random uses the given source', () => {
    const values = [0, 0.5, 0.99];
    const s = randomPick(() => values.shift()!);
    expect([1, 2, 3].map(() => s.pick(list).id)).toEqual(['a', 'b', 'c']);
  });
  it('random never indexes past the end', () => {
    expect(randomPick(() => 0.9999999999)).toBeDefined();
    expect(randomPick(() => 1 - Number.EPSILON).pick(list).id).toBe('c');
  });
  it('sticky keeps its instance while it is listed, then moves on', () => {
    const s = sticky(roundRobin());
    expect(s.pick(list).id).toBe('a');
    expect(s.pick(list).id).toBe('a');
    // 'a' is gone: the inner round-robin moves on (its next index is 1)
    expect(s.pick([{ id: 'b' }, { id: 'c' }]).id).toBe('c');
    expect(s.pick(list).id).toBe('c');
  });
});

describe('DownInstances', () => {
  it('takes an instance out after the threshold, for the cooldown', () => {
    const d = new DownInstances(2, 1000);
    d.noteError('a', 0);
    expect(d.isDown('a', 1)).toBe(false);
    d.noteError('a', 10);
    expect(d.isDown('a', 11)).toBe(true);
    expect(d.filter(list, 500).map((i) => i.id)).toEqual(['b', 'c']);
    expect(d.isDown('a', 1010)).toBe(false);
    d.noteError('a', 1020);
    expect(d.isDown('a', 1021)).toBe(false);
  });
  it('forgets errors older than the cooldown', () => {
    const d = new DownInstances(2, 1000);
    d.noteError('a', 0);
    d.noteError('a', 2000);
    expect(d.isDown('a', 2001)).toBe(false);
  });
  it('validates its settings', () => {
    expect(() => new DownInstances(0)).toThrow(/errorThreshold/);
    expect(() => new DownInstances(1, -1)).toThrow(/cooldownMs/);
  });
});
