/**
 * Goal: protected names parse back to their id and base, sequential children sort by their
 * counter whatever their protected prefix, and each waiter watches exactly one node.
 */
import { describe, expect, it } from 'vitest';
import { childrenWithId, parseNodeName, protectedName, queuePosition, sortSequential } from '../../../recipes/sequential-nodes.js';

const A = '11111111-2222-4333-8444-555555555555';
const B = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

describe('protected names', () => {
  it('build and parse back', () => {
    const n = parseNodeName(protectedName(A, 'lock-') + '0000000042');
    expect(n.protectedId).toBe(A);
    expect(n.base).toBe('lock-0000000042');
    expect(n.sequence).toBe(42);
  });
  it('leave plain names alone', () => {
    const n = parseNodeName('lock-0000000007');
    expect(n.protectedId).toBeUndefined();
    expect(n.base).toBe('lock-0000000007');
    expect(n.sequence).toBe(7);
    expect(parseNodeName('config').sequence).toBeUndefined();
  });
  it('refuse an id that is not a UUID', () => {
    expect(() => protectedName('not-a-uuid', 'x')).toThrow(TypeError);
  });
  it('find the children of one id', () => {
    const kids = [protectedName(A, 'lock-0000000001'), protectedName(B, 'lock-0000000002'), protectedName(A, 'lock-0000000003'), 'other'];
    expect(childrenWithId(kids, A)).toEqual([kids[0], kids[2]]);
  });
});

describe('sortSequential', () => {
  it('orders by the counter, not by the protected prefix', () => {
    const kids = [protectedName(B, 'lock-0000000001'), protectedName(A, 'lock-0000000003'), 'lock-0000000002'];
    expect(sortSequential(kids, ['lock-']).map((n) => n.sequence)).toEqual([1, 2, 3]);
  });
  it('keeps only the given prefixes, and only prefix + 10 digits', () => {
    const kids = ['__READ__0000000001', '__WRIT__0000000000', 'lock-0000000005', 'stray', '__READ__x0000000003', 'leases'];
    expect(sortSequential(kids, ['__READ__', '__WRIT__']).map((n) => n.name)).toEqual(['__WRIT__0000000000', '__READ__0000000001']);
  });
});

describe('queuePosition', () => {
  const sorted = sortSequential(['n-0000000001', 'n-0000000002', 'n-0000000003', 'n-0000000004'], ['n-']);
  it('a mutex: the first holds, each other watches the one just before it', () => {
    expect(queuePosition(sorted, 'n-0000000001', 1)).toEqual({ kind: 'holds', index: 0 });
    expect(queuePosition(sorted, 'n-0000000002', 1)).toEqual({ kind: 'waits', index: 1, watch: 'n-0000000001' });
    expect(queuePosition(sorted, 'n-0000000004', 1)).toEqual({ kind: 'waits', index: 3, watch: 'n-0000000003' });
  });
  it('a semaphore of 2: two hold, a waiter watches the node two places before it', () => {
    expect(queuePosition(sorted, 'n-0000000002', 2).kind).toBe('holds');
    expect(queuePosition(sorted, 'n-0000000003', 2)).toEqual({ kind: 'waits', index: 2, watch: 'n-0000000001' });
    expect(queuePosition(sorted, 'n-0000000004', 2)).toEqual({ kind: 'waits', index: 3, watch: 'n-0000000002' });
  });
  it('no two waiters watch the same node (no herd effect)', () => {
    for (const leases of [1, 2, 3]) {
      const watched = sorted.map((n) => queuePosition(sorted, n.name, leases)).flatMap((p) => (p.kind === 'waits' ? [p.watch] : []));
      expect(new Set(watched).size).toBe(watched.length);
    }
  });
  it('reports a node that is not in the list', () => {
    expect(queuePosition(sorted, 'n-0000000009', 1)).toEqual({ kind: 'gone' });
  });
});
