/** Goal: bounded streams deliver in order, overflow loudly, and unregister exactly once. */
import { describe, expect, it } from 'vitest';
import { OverflowError } from '../../../sdk/errors.js';
import { EventStream } from '../../../sdk/event-stream.js';

describe('EventStream', () => {
  it('delivers buffered and later events in order, then ends after the buffer drains', async () => {
    const s = new EventStream<number>('t', 10);
    s.push(1);
    s.push(2);
    const later = s.next();
    expect(await later).toEqual({ value: 1, done: false });
    const waiting = s.next().then((r) => r.value);
    expect(await waiting).toBe(2);
    const pending = s.next();
    s.push(3);
    expect((await pending).value).toBe(3);
    s.push(4);
    s.end();
    s.push(5);
    const got: number[] = [];
    for await (const v of s) got.push(v);
    expect(got).toEqual([4]);
  });

  it('overflows with an OverflowError after the buffered events', async () => {
    let closed = 0;
    const s = new EventStream<number>('watch', 2, () => closed++);
    s.push(1);
    s.push(2);
    s.push(3);
    expect(closed).toBe(1);
    expect((await s.next()).value).toBe(1);
    expect((await s.next()).value).toBe(2);
    await expect(s.next()).rejects.toBeInstanceOf(OverflowError);
    expect((await s.next()).done).toBe(true);
  });

  it('break in for-await calls onClose once and resolves a waiting next()', async () => {
    let closed = 0;
    const s = new EventStream<number>('t', 4, () => closed++);
    s.push(1);
    for await (const v of s) {
      expect(v).toBe(1);
      break;
    }
    expect(closed).toBe(1);
    await s.return();
    s.end();
    expect(closed).toBe(1);
    const t = new EventStream<number>('t', 4);
    const n = t.next();
    await t.return();
    expect((await n).done).toBe(true);
  });
});
