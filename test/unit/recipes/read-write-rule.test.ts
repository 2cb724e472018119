/** Goal: the read-write lock's queue rules: readers share until a writer, writers wait for everyone before them, a writer may also read. */
import { describe, expect, it } from 'vitest';
import { readPosition } from '../../../recipes/read-write-lock.js';
import { queuePosition, sortSequential } from '../../../recipes/sequential-nodes.js';

const queue = sortSequential(['__READ__0000000001', '__READ__0000000002', '__WRIT__0000000003', '__READ__0000000004', '__WRIT__0000000005', '__READ__0000000006'], ['__READ__', '__WRIT__']);

describe('read-write rules', () => {
  it('readers before the first writer hold together', () => {
    expect(readPosition(queue, '__READ__0000000001', undefined).kind).toBe('holds');
    expect(readPosition(queue, '__READ__0000000002', undefined).kind).toBe('holds');
  });
  it('a reader after a writer watches the nearest writer before it', () => {
    expect(readPosition(queue, '__READ__0000000004', undefined)).toEqual({ kind: 'waits', index: 3, watch: '__WRIT__0000000003' });
    expect(readPosition(queue, '__READ__0000000006', undefined)).toEqual({ kind: 'waits', index: 5, watch: '__WRIT__0000000005' });
  });
  it('a writer waits for its predecessor, reader or writer', () => {
    expect(queuePosition(queue, '__WRIT__0000000003', 1)).toEqual({ kind: 'waits', index: 2, watch: '__READ__0000000002' });
  });
  it("the write holder's own read is not blocked by its own write node", () => {
    const q = sortSequential(['__WRIT__0000000001', '__READ__0000000002'], ['__READ__', '__WRIT__']);
    expect(readPosition(q, '__READ__0000000002', '__WRIT__0000000001').kind).toBe('holds');
    expect(readPosition(q, '__READ__0000000002', undefined).kind).toBe('waits');
  });
  it('a reader that is not in the queue is gone', () => {
    expect(readPosition(queue, '__READ__0000000099', undefined)).toEqual({ kind: 'gone' });
  });
});
