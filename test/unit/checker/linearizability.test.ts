/**
 * Goal: the linearizability checker is right. It agrees with a brute-force twin on
 * thousands of seeded random small histories (legal by construction, and corrupted ones),
 * flags hand-made histories known to be illegal, accepts known-legal ones including
 * unknown outcomes, stays fast on long legal histories (memoisation), and never says
 * "linearizable" when it runs out of budget.
 */
import { describe, expect, it } from 'vitest';
import { bruteForceLinearizable, checkLinearizable, registerLinOps, registerModel, type LinOp, type OpRecord, type RegisterInput, type RegisterOutput } from '../../support/checker/index.js';
import { Random } from '../../support/random.js';
import { corrupt, generateHistory } from './generate.js';

type Op = LinOp<RegisterInput, RegisterOutput>;
const model = registerModel();
let nextId = 0;
const op = (input: RegisterInput, output: RegisterOutput | undefined, invokeMs: number, returnMs: number | undefined, key = '/k'): Op => ({ id: nextId++, key, input, output, invokeMs, returnMs });
const read = (value: string, version: number, a: number, b: number, key?: string): Op => op({ f: 'read' }, { value, version }, a, b, key);
const write = (value: string, version: number, a: number, b: number, key?: string): Op => op({ f: 'write', value }, { version }, a, b, key);
const cas = (expected: number, value: string, out: RegisterOutput, a: number, b: number): Op => op({ f: 'cas', expectedVersion: expected, value }, out, a, b);
const unknownWrite = (value: string, a: number, key?: string): Op => op({ f: 'write', value }, undefined, a, undefined, key);
const verdict = (ops: Op[]): string => checkLinearizable(model, ops).result;

describe('hand-made illegal histories', () => {
  const cases: Array<[string, Op[]]> = [
    ['a stale read after an acknowledged write', [write('a', 1, 0, 1), read('', 0, 2, 3)]],
    ['a read of a value never written', [read('zzz', 1, 0, 1)]],
    ['a lost write: read goes back to the older value', [write('a', 1, 0, 1), write('b', 2, 2, 3), read('a', 1, 4, 5)]],
    ['two compare-and-sets from the same version both succeed', [cas(0, 'a', { version: 1 }, 0, 5), cas(0, 'b', { version: 1 }, 1, 6)]],
    ['a version that skips', [write('a', 2, 0, 1)]],
    ['BADVERSION although the version matched and nothing was concurrent', [write('a', 1, 0, 1), cas(1, 'b', { badVersion: true }, 2, 3)]],
    ['a value seen before the unknown write that made it was invoked', [read('u', 1, 0, 1), unknownWrite('u', 2)]],
    ['reads flip between two values of concurrent writes', [write('a', 1, 0, 10), write('b', 2, 0, 10), read('a', 1, 1, 2), read('b', 2, 3, 4), read('a', 1, 5, 6)]],
  ];
  for (const [name, ops] of cases) {
    it(`flags ${name}`, () => {
      expect(verdict(ops)).toBe('illegal');
      expect(bruteForceLinearizable(model, ops)).toBe(false);
    });
  }

  it('names the key that is illegal and leaves the others linearizable', () => {
    const r = checkLinearizable(model, [write('a', 1, 0, 1, '/good'), read('a', 1, 2, 3, '/good'), write('x', 1, 0, 1, '/bad'), read('', 0, 2, 3, '/bad')]);
    expect(r.result).toBe('illegal');
    expect(r.keys.map((k) => [k.key, k.result])).toEqual([
      ['/bad', 'illegal'],
      ['/good', 'linearizable'],
    ]);
  });
});

describe('hand-made legal histories', () => {
  const cases: Array<[string, Op[]]> = [
    ['a read concurrent with a write sees the old value', [write('a', 1, 0, 10), read('', 0, 1, 2)]],
    ['a read concurrent with a write sees the new value', [write('a', 1, 0, 10), read('a', 1, 1, 2)]],
    ['touching intervals count as concurrent', [write('a', 1, 0, 5), read('', 0, 5, 6)]],
    ['an unknown write seen long after it was invoked', [unknownWrite('u', 0), read('', 0, 1, 2), read('u', 1, 50, 51)]],
    ['an unknown write never seen', [unknownWrite('u', 0), read('', 0, 1, 2), write('b', 1, 3, 4), read('b', 1, 5, 6)]],
    ['a compare-and-set race: one wins, one gets BADVERSION', [cas(0, 'a', { version: 1 }, 0, 5), cas(0, 'b', { badVersion: true }, 1, 6), read('a', 1, 7, 8)]],
    ['only unknown writes', [unknownWrite('u', 0), unknownWrite('w', 1)]],
  ];
  for (const [name, ops] of cases) {
    it(`accepts ${name}`, () => {
      expect(verdict(ops)).toBe('linearizable');
      expect(bruteForceLinearizable(model, ops)).toBe(true);
    });
  }
});

describe('agrees with brute force on random small histories', () => {
  it('2000 seeded histories, legal by construction and corrupted', () => {
    let legal = 0;
    let illegal = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const rnd = new Random(seed);
      const ops = generateHistory(rnd, { processes: rnd.int(1, 3), opsPerProcess: rnd.int(1, 3), keys: rnd.chance(0.3) ? ['/a', '/b'] : ['/a'], unknownChance: 0.2 });
      const constructed = rnd.chance(0.4);
      if (!constructed) corrupt(rnd, ops);
      const fast = checkLinearizable(model, ops).result;
      const slow = bruteForceLinearizable(model, ops);
      if (constructed) expect(fast, `seed ${seed}`).toBe('linearizable');
      expect(fast, `seed ${seed}: ${JSON.stringify(ops)}`).toBe(slow ? 'linearizable' : 'illegal');
      if (slow) legal++;
      else illegal++;
    }
    // Both sides must be well exercised, or the comparison proves little.
    expect(legal).toBeGreaterThan(400);
    expect(illegal).toBeGreaterThan(400);
  });
});

describe('scale and budget', () => {
  it('checks a long legal history with many concurrent processes quickly', () => {
    const ops = generateHistory(new Random(7), { processes: 8, opsPerProcess: 300, keys: ['/a', '/b', '/c'], unknownChance: 0.02 });
    const r = checkLinearizable(model, ops);
    expect(r.result).toBe('linearizable');
    expect(r.keys).toHaveLength(3);
  });

  it('answers unknown, never linearizable, when it runs out of steps', () => {
    const ops = generateHistory(new Random(8), { processes: 6, opsPerProcess: 50, keys: ['/a'], unknownChance: 0.1 });
    expect(checkLinearizable(model, ops, { stepsMax: 10 }).result).toBe('unknown');
  });
});

describe('records to checker input', () => {
  it('keeps acknowledged ops, BADVERSION and unknown writes; drops unknown reads and other failures', () => {
    const base = { process: 0, key: '/k', invokeMs: 0 };
    const records: OpRecord[] = [
      { ...base, id: 0, input: { f: 'write', value: 'a' }, outcome: 'ok', output: { version: 1 }, returnMs: 1 },
      { ...base, id: 1, input: { f: 'read' }, outcome: 'unknown' },
      { ...base, id: 2, input: { f: 'write', value: 'b' }, outcome: 'unknown' },
      { ...base, id: 3, input: { f: 'cas', expectedVersion: 0, value: 'c' }, outcome: 'failed', output: { badVersion: true }, returnMs: 2, error: 'BadVersionError' },
      { ...base, id: 4, input: { f: 'write', value: 'd' }, outcome: 'failed', returnMs: 2, error: 'NoNodeError' },
    ];
    expect(registerLinOps(records).map((o) => [o.id, o.returnMs])).toEqual([
      [0, 1],
      [2, undefined],
      [3, 2],
    ]);
  });
});
