/** Goal: config values are validated by a function or a parse() schema, and bad input is an InvalidConfigError. */
import { describe, expect, it } from 'vitest';
import { checkSchemaOption, decodeConfig, encodeConfig, InvalidConfigError } from '../../../recipes/config-schema.js';

interface Limits {
  maxConns: number;
}
const fn = (v: unknown): Limits => {
  if (typeof v !== 'object' || v === null || typeof (v as Limits).maxConns !== 'number') throw new Error('maxConns must be a number');
  return v as Limits;
};

describe('config schema', () => {
  it('accepts a function and a parse() object', () => {
    expect(checkSchemaOption<Limits>('x', fn)({ maxConns: 3 })).toEqual({ maxConns: 3 });
    expect(checkSchemaOption<Limits>('x', { parse: fn })({ maxConns: 4 })).toEqual({ maxConns: 4 });
    expect(() => checkSchemaOption('configWatch()', 42)).toThrow(/`schema`/);
  });
  it('decodes valid JSON that passes', () => {
    expect(decodeConfig('/c', Buffer.from('{"maxConns":5}'), fn)).toEqual({ maxConns: 5 });
  });
  it('reports bad JSON and schema failures as InvalidConfigError', () => {
    expect(() => decodeConfig('/c', Buffer.from('{'), fn)).toThrow(InvalidConfigError);
    expect(() => decodeConfig('/c', Buffer.from('{"maxConns":"x"}'), fn)).toThrow(/rejected by the schema: maxConns/);
  });
  it('refuses to encode an invalid value', () => {
    expect(() => encodeConfig('/c', { maxConns: 'no' } as unknown as Limits, fn)).toThrow(InvalidConfigError);
    expect(encodeConfig('/c', { maxConns: 1 }, fn).toString()).toBe('{"maxConns":1}');
  });
});
