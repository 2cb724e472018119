/** Goal: recipe events reach callbacks and iterators, a slow iterator overflows loudly, and leaving a loop unsubscribes. */
import { describe, expect, it } from 'vitest';
import { EventHub } from '../../../recipes/event-hub.js';

describe('EventHub', () => {
  it('delivers to listeners and iterators in order', async () => {
    const hub = new EventHub<number>('test');
    const seen: number[] = [];
    const off = hub.on((n) => seen.push(n));
    const it = hub.iterate();
    hub.emit(1);
    hub.emit(2);
    off();
    hub.emit(3);
    expect(seen).toEqual([1, 2]);
    expect([(await it.next()).value, (await it.next()).value, (await it.next()).value]).toEqual([1, 2, 3]);
  });

  it('a listener that throws does not stop the others', () => {
    const hub = new EventHub<number>('test');
    const seen: number[] = [];
    hub.on(() => {
      throw new Error('boom');
    });
    hub.on((n) => seen.push(n));
    hub.emit(7);
    expect(seen).toEqual([7]);
  });

  it('an iterator that falls behind its buffer gets its events, then an error', async () => {
    const hub = new EventHub<number>('test');
    const it = hub.iterate({ bufferSize: 2 });
    hub.emit(1);
    hub.emit(2);
    hub.emit(3);
    expect((await it.next()).value).toBe(1);
    expect((await it.next()).value).toBe(2);
    await expect(it.next()).rejects.toThrow(/fell 2 events behind/);
  });

  it('ends iterations on end() and on abort, and return() unsubscribes', async () => {
    const hub = new EventHub<number>('test');
    const ac = new AbortController();
    const a = hub.iterate({ signal: ac.signal });
    const b = hub.iterate();
    const pending = a.next();
    ac.abort();
    expect((await pending).done).toBe(true);
    await b.return!();
    hub.emit(1);
    expect((await b.next()).done).toBe(true);
    const c = hub.iterate();
    hub.end();
    expect((await c.next()).done).toBe(true);
    expect(() => hub.iterate({ bufferSize: 0 })).toThrow(/`bufferSize`/);
  });
});
