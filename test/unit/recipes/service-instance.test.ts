/** Goal: service instance records are checked field by field and round-trip through their JSON node data. */
import { describe, expect, it } from 'vitest';
import { checkInstance, decodeInstance, encodeInstance } from '../../../recipes/service-instance.js';

describe('service instances', () => {
  it('round-trip through the node data', () => {
    const inst = { name: 'api', id: 'a1', address: '10.0.0.1', port: 80, tags: ['x'], metadata: { zone: 'a' }, payload: { w: 1 }, registeredAtMs: 5 };
    expect(decodeInstance(encodeInstance(inst))).toEqual(inst);
  });
  it('skip data that is not an instance', () => {
    expect(decodeInstance(Buffer.from('not json'))).toBeUndefined();
    expect(decodeInstance(Buffer.from('{"id":1}'))).toBeUndefined();
  });
  it('name the bad field', () => {
    const ok = { name: 'api', id: 'a1', address: 'h' };
    expect(() => checkInstance('r', { ...ok, id: '' })).toThrow(/`id`/);
    expect(() => checkInstance('r', { ...ok, address: 5 })).toThrow(/`address`/);
    expect(() => checkInstance('r', { ...ok, port: 1.5 })).toThrow(/`port`/);
    expect(() => checkInstance('r', { ...ok, tags: [1] })).toThrow(/`tags`/);
    expect(() => checkInstance('r', { ...ok, metadata: { a: 1 } })).toThrow(/`metadata`/);
    expect(() => checkInstance('r', { ...ok, payload: () => 1 })).toThrow(/`payload`/);
    expect(checkInstance('r', ok)).toBe(ok);
  });
});
