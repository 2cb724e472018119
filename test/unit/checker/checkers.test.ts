/**
 * Goal: the zxid-order, set, watch, session and lock checkers flag hand-made histories known
 * to be illegal, each for the right reason, and stay quiet on legal ones.
 */
import { describe, expect, it } from 'vitest';
import { checkLock, checkSessions, checkSet, checkWatches, checkZxidOrder, FencedResource, type WatchLogEntry } from '../../support/checker/index.js';

const w = (id: number, invokeMs: number, returnMs: number, zxid: bigint, process = id) => ({ id, process, outcome: 'ok' as const, invokeMs, returnMs, zxid });

describe('zxid order', () => {
  it('accepts increasing zxids and concurrent writes in either order', () => {
    expect(checkZxidOrder([w(0, 0, 1, 1n), w(1, 2, 5, 3n), w(2, 3, 4, 2n)])).toEqual([]);
  });
  it('flags a duplicate zxid', () => {
    expect(checkZxidOrder([w(0, 0, 1, 5n), w(1, 0, 1, 5n)]).map((v) => v.kind)).toEqual(['duplicate']);
  });
  it('flags a write acknowledged before another was invoked but with the larger zxid', () => {
    expect(checkZxidOrder([w(0, 0, 1, 9n), w(1, 2, 3, 4n)]).map((v) => v.kind)).toEqual(['real-time']);
  });
  it('ignores failed and unknown writes', () => {
    expect(checkZxidOrder([w(0, 0, 1, 9n), { id: 1, process: 1, outcome: 'unknown', invokeMs: 2 }, { ...w(2, 2, 3, 4n), outcome: 'failed' }])).toEqual([]);
  });
  it('flags a session whose seen zxid goes back', () => {
    const s = (id: number, returnMs: number, seenZxid: bigint) => ({ id, process: 0, session: 7n, outcome: 'ok' as const, invokeMs: returnMs - 1, returnMs, seenZxid });
    expect(checkZxidOrder([s(0, 1, 3n), s(1, 2, 3n), s(2, 3, 5n)])).toEqual([]);
    expect(checkZxidOrder([s(0, 1, 3n), s(1, 2, 6n), s(2, 3, 5n)]).map((v) => [v.kind, v.ops])).toEqual([['session-went-back', [1, 2]]]);
  });
});

describe('set', () => {
  it('counts acknowledged creates lost and elements never attempted', () => {
    const r = checkSet(
      [
        { element: 'a', outcome: 'ok' },
        { element: 'b', outcome: 'ok' },
        { element: 'c', outcome: 'unknown' },
        { element: 'd', outcome: 'unknown' },
        { element: 'e', outcome: 'failed' },
      ],
      ['a', 'c', 'e', 'z'],
    );
    expect(r).toEqual({ acknowledged: 2, lost: ['b'], unexpected: ['e', 'z'], unknownPresent: 1, unknownAbsent: 1 });
  });
  it('is clean when everything acknowledged is there', () => {
    const r = checkSet([{ element: 'a', outcome: 'ok' }], ['a']);
    expect(r.lost).toEqual([]);
    expect(r.unexpected).toEqual([]);
  });
});

describe('watches', () => {
  const changes = new Map([['/k', [5n, 6n, 7n]]]);
  const run = (stream: WatchLogEntry[]) => checkWatches(new Map([[1, stream]]), changes).map((v) => [v.kind, v.zxid]);
  const ev = (zxid: bigint, path = '/k'): WatchLogEntry => ({ kind: 'event', path, type: 'NodeDataChanged', zxid });
  it('accepts every change delivered once, in order, before the data', () => {
    expect(run([{ kind: 'watch', path: '/k', fromZxid: 4n }, ev(5n), { kind: 'data', path: '/k', mzxid: 5n }, ev(6n), ev(7n), { kind: 'end', zxid: 7n }])).toEqual([]);
  });
  it('flags events out of order', () => {
    expect(run([{ kind: 'watch', path: '/k', fromZxid: 4n }, ev(6n), ev(5n), ev(7n), { kind: 'end', zxid: 7n }])).toEqual([['out-of-order', 5n]]);
  });
  it('flags a duplicate event', () => {
    expect(run([{ kind: 'watch', path: '/k', fromZxid: 4n }, ev(5n), ev(6n), ev(6n), ev(7n), { kind: 'end', zxid: 7n }])).toEqual([['duplicate', 6n]]);
  });
  it('flags a change missed (e.g. across a reconnect)', () => {
    expect(run([{ kind: 'watch', path: '/k', fromZxid: 4n }, ev(5n), ev(7n), { kind: 'end', zxid: 7n }])).toEqual([['missed', 6n]]);
  });
  it('does not require changes before the watch or after its end', () => {
    expect(run([{ kind: 'watch', path: '/k', fromZxid: 5n }, ev(6n), { kind: 'end', zxid: 6n }])).toEqual([]);
  });
  it('flags data seen before its event', () => {
    expect(run([{ kind: 'watch', path: '/k', fromZxid: 4n }, { kind: 'data', path: '/k', mzxid: 5n }, ev(5n), ev(6n), ev(7n), { kind: 'end', zxid: 7n }])).toEqual([['data-before-event', 5n]]);
  });
});

describe('sessions', () => {
  const eph = { path: '/e', owner: 9n, createdMs: 10 };
  const facts = (expired?: number, alive?: number) => ({
    expiredAtMs: new Map(expired === undefined ? [] : [[9n, expired]]),
    aliveAtMs: new Map(alive === undefined ? [] : [[9n, alive]]),
  });
  it('flags an ephemeral visible after its expiry was observed', () => {
    const v = checkSessions([eph], [{ path: '/e', invokeMs: 60, returnMs: 61, present: true, owner: 9n }], facts(50, 40));
    expect(v.map((x) => x.kind)).toEqual(['visible-after-expiry']);
  });
  it('allows it to be seen before the expiry was observed', () => {
    expect(checkSessions([eph], [{ path: '/e', invokeMs: 45, returnMs: 61, present: true, owner: 9n }], facts(50, 40))).toEqual([]);
  });
  it('flags an ephemeral gone while its session still worked afterwards', () => {
    const v = checkSessions([eph], [{ path: '/e', invokeMs: 20, returnMs: 21, present: false }], facts(undefined, 30));
    expect(v.map((x) => x.kind)).toEqual(['deleted-while-alive']);
  });
  it('allows it to be gone once the owner deleted it, or once the session may have died', () => {
    expect(checkSessions([{ ...eph, ownerDeleteInvokeMs: 15 }], [{ path: '/e', invokeMs: 20, returnMs: 21, present: false }], facts(undefined, 30))).toEqual([]);
    expect(checkSessions([eph], [{ path: '/e', invokeMs: 20, returnMs: 21, present: false }], facts(undefined, 19))).toEqual([]);
  });
});

describe('lock with a fencing resource', () => {
  it('the fenced resource refuses a stale holder; the unfenced twin lets the sections interleave', () => {
    const fenced = new FencedResource(true);
    const unfenced = new FencedResource(false);
    // A holds token 1, pauses; B acquires token 2 and writes; A wakes and writes again; B writes.
    for (const [h, t] of [['A', 1n], ['B', 2n], ['A', 1n], ['B', 2n]] as const) {
      fenced.write(h, t, 0);
      unfenced.write(h, t, 0);
    }
    expect(checkLock(fenced.log)).toEqual({ accepted: 3, refused: 1, overlaps: 0 });
    expect(checkLock(unfenced.log)).toEqual({ accepted: 4, refused: 0, overlaps: 2 });
  });
  it('counts an overlap the resource accepted when the lock handed one token to two holders', () => {
    const fenced = new FencedResource(true);
    for (const [h, t] of [['A', 3n], ['B', 3n], ['A', 3n]] as const) fenced.write(h, t, 0);
    expect(checkLock(fenced.log)).toEqual({ accepted: 3, refused: 0, overlaps: 1 });
  });
  it('counts a stale holder writing after a later section, even without interleaving', () => {
    // A acquired (token 1) and paused before writing; B acquired (2), wrote, released; A wakes and writes.
    const fenced = new FencedResource(true);
    const unfenced = new FencedResource(false);
    for (const [h, t] of [['B', 2n], ['B', 2n], ['A', 1n]] as const) {
      fenced.write(h, t, 0);
      unfenced.write(h, t, 0);
    }
    expect(checkLock(fenced.log)).toEqual({ accepted: 2, refused: 1, overlaps: 0 });
    expect(checkLock(unfenced.log)).toEqual({ accepted: 3, refused: 0, overlaps: 1 });
  });
  it('sequential sections are no overlap', () => {
    const fenced = new FencedResource(true);
    for (const [h, t] of [['A', 1n], ['A', 1n], ['B', 2n], ['A', 3n]] as const) fenced.write(h, t, 0);
    expect(checkLock(fenced.log)).toEqual({ accepted: 4, refused: 0, overlaps: 0 });
  });
});

describe('watches across a server restart (Resync)', () => {
  const changes = new Map([['/k', [5n, 6n, 7n, 8n]]]);
  const run = (stream: WatchLogEntry[]) => checkWatches(new Map([[1, stream]]), changes).map((v) => [v.kind, v.zxid]);
  const ev = (zxid: bigint, type = 'NodeDataChanged'): WatchLogEntry => ({ kind: 'event', path: '/k', type, zxid });
  it('a Resync covers the changes between the events around it', () => {
    expect(run([{ kind: 'watch', path: '/k', fromZxid: 4n }, ev(5n), ev(5n, 'Resync'), { kind: 'data', path: '/k', mzxid: 7n }, ev(8n), { kind: 'end', zxid: 8n }])).toEqual([]);
  });
  it('does not cover data read before the Resync arrived, nor changes after the next event', () => {
    expect(run([{ kind: 'watch', path: '/k', fromZxid: 4n }, ev(5n), { kind: 'data', path: '/k', mzxid: 6n }, ev(5n, 'Resync'), ev(7n), { kind: 'end', zxid: 8n }])).toEqual([
      ['data-before-event', 6n],
      ['missed', 8n],
    ]);
  });
});
