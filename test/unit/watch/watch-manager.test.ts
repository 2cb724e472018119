/**
 * Goal: the watch tables follow ZooKeeper 3.8: which trigger fires which watch kind,
 * one-shot watches are consumed, persistent and recursive ones stay, a session gets one
 * event per trigger however many of its watches match, limits name themselves, removal by
 * kind, and setWatches after a reconnect (one-shot fire-at-once rules; persistent replay
 * from the history in zxid order without duplicates; RESYNC when the history no longer
 * reaches, including after a restart).
 */
import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../../server/base/limits.js';
import type { TriggerType, WatchTrigger } from '../../../server/tree/types.js';
import { WatchManager, type TreeLookup, type WatchKind, type WatchLists } from '../../../server/watch/watch-manager.js';

const LIMITS = { watchesPerSessionMax: 1000, watchHistoryMax: 1000 };
const S1 = 1n;
const S2 = 2n;

const t = (type: TriggerType, path: string, zxid: bigint): WatchTrigger => ({ path, type, zxid });
const fired = (m: WatchManager, ...triggers: WatchTrigger[]): string[] => m.trigger(triggers).map((e) => `${e.sessionId} ${e.type} ${e.path} ${e.zxid}`);
const lists = (w: Partial<WatchLists>): WatchLists => ({ data: [], exist: [], child: [], persistent: [], persistentRecursive: [], ...w });

function tree(nodes: Record<string, { czxid?: bigint; mzxid?: bigint; pzxid?: bigint }>): TreeLookup {
  return {
    get(path) {
      const n = nodes[path];
      return n ? { stat: { czxid: n.czxid ?? 1n, mzxid: n.mzxid ?? 1n, pzxid: n.pzxid ?? 1n } } : undefined;
    },
  };
}

describe('which trigger fires which kind (ZooKeeper 3.8)', () => {
  const cases: Array<[TriggerType, WatchKind, boolean]> = [
    ['created', 'data', true],
    ['created', 'exist', true],
    ['created', 'child', false],
    ['created', 'persistent', true],
    ['deleted', 'data', true],
    ['deleted', 'exist', true],
    ['deleted', 'child', true],
    ['deleted', 'persistent', true],
    ['dataChanged', 'data', true],
    ['dataChanged', 'exist', true],
    ['dataChanged', 'child', false],
    ['dataChanged', 'persistent', true],
    ['childrenChanged', 'data', false],
    ['childrenChanged', 'exist', false],
    ['childrenChanged', 'child', true],
    ['childrenChanged', 'persistent', true],
    ['created', 'persistentRecursive', true],
    ['deleted', 'persistentRecursive', true],
    ['dataChanged', 'persistentRecursive', true],
    ['childrenChanged', 'persistentRecursive', false],
  ];
  it.each(cases)('%s on the watched path fires a %s watch: %s', (type, kind, fires) => {
    const m = new WatchManager(LIMITS, 0n);
    m.add(S1, '/a', kind);
    expect(fired(m, t(type, '/a', 5n))).toEqual(fires ? [`1 ${type} /a 5`] : []);
  });

  it('a recursive watch fires for descendants (not for childrenChanged); other kinds only for their own path', () => {
    const m = new WatchManager(LIMITS, 0n);
    m.add(S1, '/a', 'persistentRecursive');
    m.add(S2, '/a', 'persistent');
    expect(fired(m, t('created', '/a/b/c', 2n))).toEqual(['1 created /a/b/c 2']);
    expect(fired(m, t('childrenChanged', '/a/b', 2n))).toEqual([]);
    expect(fired(m, t('dataChanged', '/ab', 3n))).toEqual([]);
    const root = new WatchManager(LIMITS, 0n);
    root.add(S1, '/', 'persistentRecursive');
    expect(fired(root, t('deleted', '/x/y', 4n))).toEqual(['1 deleted /x/y 4']);
  });
});

describe('consumption and persistence', () => {
  it('one-shot watches fire once; persistent ones keep firing', () => {
    const m = new WatchManager(LIMITS, 0n);
    m.add(S1, '/a', 'data');
    m.add(S2, '/a', 'persistent');
    expect(fired(m, t('dataChanged', '/a', 2n))).toEqual(['1 dataChanged /a 2', '2 dataChanged /a 2']);
    expect(fired(m, t('dataChanged', '/a', 3n))).toEqual(['2 dataChanged /a 3']);
    expect(fired(m, t('deleted', '/a', 4n))).toEqual(['2 deleted /a 4']);
    expect(fired(m, t('created', '/a', 5n))).toEqual(['2 created /a 5']);
    expect(m.counts()).toEqual({ watches: 1, paths: 1, sessions: 1 });
  });

  it('only the kinds a trigger fires are consumed: a child watch survives a data change', () => {
    const m = new WatchManager(LIMITS, 0n);
    m.add(S1, '/a', 'data');
    m.add(S1, '/a', 'child');
    fired(m, t('dataChanged', '/a', 2n));
    expect(fired(m, t('childrenChanged', '/a', 3n))).toEqual(['1 childrenChanged /a 3']);
    expect(m.counts().watches).toBe(0);
  });

  it('one event per session per trigger, however many of its watches match', () => {
    const m = new WatchManager(LIMITS, 0n);
    for (const k of ['data', 'exist', 'child', 'persistent', 'persistentRecursive'] as const) m.add(S1, '/a', k);
    m.add(S1, '/', 'persistentRecursive');
    expect(fired(m, t('deleted', '/a', 2n))).toEqual(['1 deleted /a 2']);
    // a delete reports two triggers: each reaches the session once
    m.add(S1, '/p', 'child');
    expect(fired(m, t('deleted', '/p/x', 3n), t('childrenChanged', '/p', 3n))).toEqual(['1 deleted /p/x 3', '1 childrenChanged /p 3']);
  });

  it('adding the same watch twice holds one watch', () => {
    const m = new WatchManager(LIMITS, 0n);
    m.add(S1, '/a', 'data');
    m.add(S1, '/a', 'data');
    expect(m.counts().watches).toBe(1);
  });
});

describe('limits and removal', () => {
  it('watchesPerSessionMax is per session and named in the error', () => {
    const m = new WatchManager({ watchesPerSessionMax: 2, watchHistoryMax: 10 }, 0n);
    m.add(S1, '/a', 'data');
    m.add(S1, '/b', 'data');
    expect(() => m.add(S1, '/c', 'data')).toThrow(LimitExceededError);
    expect(() => m.add(S1, '/c', 'data')).toThrow(/watchesPerSessionMax=2/);
    m.add(S2, '/c', 'data');
    fired(m, t('dataChanged', '/a', 1n));
    m.add(S1, '/c', 'data'); // a fired one-shot frees its place
  });

  it('removeWatches kinds: children, data (data+exist), persistent, persistentRecursive, any', () => {
    const setup = (): WatchManager => {
      const m = new WatchManager(LIMITS, 0n);
      for (const k of ['data', 'exist', 'child', 'persistent', 'persistentRecursive'] as const) m.add(S1, '/a', k);
      return m;
    };
    const left = (m: WatchManager): number => m.counts().watches;
    let m = setup();
    expect(m.remove(S1, '/a', 'children')).toBe(true);
    expect(left(m)).toBe(4);
    expect(m.remove(S1, '/a', 'children')).toBe(false);
    m = setup();
    expect(m.remove(S1, '/a', 'data')).toBe(true);
    expect(left(m)).toBe(3);
    m = setup();
    m.remove(S1, '/a', 'persistent');
    m.remove(S1, '/a', 'persistentRecursive');
    expect(left(m)).toBe(3);
    expect(fired(m, t('childrenChanged', '/a', 2n))).toEqual(['1 childrenChanged /a 2']);
    m = setup();
    expect(m.remove(S1, '/a', 'any')).toBe(true);
    expect(m.counts()).toEqual({ watches: 0, paths: 0, sessions: 0 });
    expect(m.remove(S2, '/a', 'any')).toBe(false);
  });

  it('removeSession drops every watch of the session only', () => {
    const m = new WatchManager(LIMITS, 0n);
    m.add(S1, '/a', 'data');
    m.add(S1, '/b', 'persistentRecursive');
    m.add(S2, '/a', 'data');
    m.removeSession(S1);
    expect(fired(m, t('dataChanged', '/a', 2n), t('created', '/b/c', 3n))).toEqual(['2 dataChanged /a 2']);
    expect(m.counts()).toEqual({ watches: 0, paths: 0, sessions: 0 });
  });
});

describe('setWatches after a reconnect', () => {
  it('data watch: deleted if gone, dataChanged if modified after the client zxid, else registered', () => {
    const m = new WatchManager(LIMITS, 0n);
    const events = m.setWatches(S1, 10n, lists({ data: ['/gone', '/changed', '/same'] }), tree({ '/changed': { mzxid: 11n }, '/same': { mzxid: 10n } }));
    expect(events.map((e) => `${e.type} ${e.path} ${e.zxid}`)).toEqual(['deleted /gone 10', 'dataChanged /changed 11']);
    expect(fired(m, t('dataChanged', '/same', 12n))).toEqual(['1 dataChanged /same 12']);
  });

  it('exist watch: created if the node now exists, else registered', () => {
    const m = new WatchManager(LIMITS, 0n);
    const events = m.setWatches(S1, 10n, lists({ exist: ['/now', '/still-not'] }), tree({ '/now': { czxid: 7n } }));
    expect(events.map((e) => `${e.type} ${e.path}`)).toEqual(['created /now']);
    expect(fired(m, t('created', '/still-not', 11n))).toEqual(['1 created /still-not 11']);
  });

  it('child watch: deleted if gone, childrenChanged if pzxid is newer, else registered', () => {
    const m = new WatchManager(LIMITS, 0n);
    const events = m.setWatches(S1, 10n, lists({ child: ['/gone', '/grew', '/same'] }), tree({ '/grew': { pzxid: 12n }, '/same': { pzxid: 9n } }));
    expect(events.map((e) => `${e.type} ${e.path}`)).toEqual(['deleted /gone', 'childrenChanged /grew']);
    expect(fired(m, t('childrenChanged', '/same', 13n))).toEqual(['1 childrenChanged /same 13']);
  });

  it('persistent watches replay what happened after the client zxid, in zxid order', () => {
    const m = new WatchManager(LIMITS, 0n);
    m.trigger([t('created', '/a/x', 5n), t('childrenChanged', '/a', 5n), t('dataChanged', '/a', 6n), t('dataChanged', '/a/x', 7n), t('dataChanged', '/b', 8n)]);
    const events = m.setWatches(S1, 5n, lists({ persistent: ['/a'], persistentRecursive: ['/a'] }), tree({ '/a': {}, '/a/x': {} }));
    expect(events.map((e) => `${e.type} ${e.path} ${e.zxid}`)).toEqual(['dataChanged /a 6', 'dataChanged /a/x 7']);
    const fromStart = new WatchManager(LIMITS, 0n);
    fromStart.trigger([t('created', '/a/x', 5n), t('childrenChanged', '/a', 5n)]);
    expect(fromStart.setWatches(S1, 4n, lists({ persistent: ['/a'] }), tree({})).map((e) => e.type)).toEqual(['childrenChanged']);
    // and they stay registered
    expect(fired(m, t('dataChanged', '/a/y', 9n))).toEqual(['1 dataChanged /a/y 9']);
  });

  it('a missed change reaches the session once even when several of its watches match (regression)', () => {
    const m = new WatchManager(LIMITS, 0n);
    m.trigger([t('dataChanged', '/a/b', 6n)]);
    const events = m.setWatches(S1, 5n, lists({ data: ['/a/b'], persistent: ['/a/b'], persistentRecursive: ['/', '/a'] }), tree({ '/a/b': { mzxid: 6n } }));
    expect(events.map((e) => `${e.type} ${e.path} ${e.zxid}`)).toEqual(['dataChanged /a/b 6']);
  });

  it('events come in zxid order across one-shot and replayed ones (regression)', () => {
    const m = new WatchManager(LIMITS, 0n);
    m.trigger([t('created', '/r/1', 6n), t('dataChanged', '/d', 7n), t('created', '/r/2', 8n)]);
    const events = m.setWatches(S1, 5n, lists({ data: ['/d'], persistentRecursive: ['/r'] }), tree({ '/d': { mzxid: 7n } }));
    expect(events.map((e) => e.zxid)).toEqual([6n, 7n, 8n]);
  });

  it('RESYNC, once per persistent watch, when the history no longer reaches back', () => {
    const m = new WatchManager({ watchesPerSessionMax: 100, watchHistoryMax: 2 }, 0n);
    m.trigger([t('dataChanged', '/a', 1n), t('dataChanged', '/a', 2n), t('dataChanged', '/a', 3n)]);
    const events = m.setWatches(S1, 0n, lists({ persistent: ['/a'], persistentRecursive: ['/'] }), tree({ '/a': { mzxid: 3n } }));
    expect(events.map((e) => `${e.type} ${e.path}`)).toEqual(['resync /a', 'resync /']);
    // from the evicted zxid on, the history is whole again
    expect(m.setWatches(S2, 1n, lists({ persistent: ['/a'] }), tree({})).map((e) => e.zxid)).toEqual([2n, 3n]);
  });

  it('RESYNC after a restart: the history starts at the tree zxid it was built from', () => {
    const m = new WatchManager(LIMITS, 50n);
    const events = m.setWatches(S1, 40n, lists({ persistentRecursive: ['/'] }), tree({}));
    expect(events.map((e) => e.type)).toEqual(['resync']);
    expect(m.setWatches(S2, 50n, lists({ persistentRecursive: ['/'] }), tree({}))).toEqual([]);
  });

  it('a history size of 0 keeps nothing: every persistent reconnect below the last change resyncs', () => {
    const m = new WatchManager({ watchesPerSessionMax: 100, watchHistoryMax: 0 }, 0n);
    m.trigger([t('dataChanged', '/a', 4n)]);
    expect(m.setWatches(S1, 3n, lists({ persistent: ['/a'] }), tree({})).map((e) => e.type)).toEqual(['resync']);
    expect(m.setWatches(S2, 4n, lists({ persistent: ['/a'] }), tree({}))).toEqual([]);
  });

  it('over the watch limit, setWatches registers nothing (regression: it left half the watches)', () => {
    const m = new WatchManager({ watchesPerSessionMax: 2, watchHistoryMax: 10 }, 0n);
    expect(() => m.setWatches(S1, 5n, lists({ data: ['/a', '/b'], persistent: ['/c'] }), tree({ '/a': {}, '/b': {} }))).toThrow(/watchesPerSessionMax=2/);
    expect(m.counts().watches).toBe(0);
  });
});
