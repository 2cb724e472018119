/** Goal: the client fans a server event out to exactly the watchers ZooKeeper's client would. */
import { describe, expect, it } from 'vitest';
import { WatchRegistry } from '../../../sdk/watches.js';
import type { WatchEvent } from '../../../sdk/types.js';

function spy(): { fn: (e: WatchEvent) => void; seen: string[] } {
  const seen: string[] = [];
  return { fn: (e) => seen.push(`${e.type} ${e.path}`), seen };
}

describe('WatchRegistry', () => {
  it('fires and consumes data and exist watchers on create and data change', () => {
    const r = new WatchRegistry();
    const d = spy();
    const e = spy();
    r.add('data', '/a', d.fn);
    r.add('exist', '/b', e.fn);
    expect(r.materialize({ type: 'NodeDataChanged', path: '/a' })).toEqual([d.fn]);
    expect(r.materialize({ type: 'NodeDataChanged', path: '/a' })).toEqual([]);
    expect(r.materialize({ type: 'NodeCreated', path: '/b' })).toEqual([e.fn]);
    expect(r.isEmpty()).toBe(true);
  });

  it('fires child watchers on children change and on delete, not on data change', () => {
    const r = new WatchRegistry();
    const c = spy();
    r.add('child', '/a', c.fn);
    expect(r.materialize({ type: 'NodeDataChanged', path: '/a' })).toEqual([]);
    expect(r.materialize({ type: 'NodeDeleted', path: '/a' })).toEqual([c.fn]);
    r.add('child', '/a', c.fn);
    expect(r.materialize({ type: 'NodeChildrenChanged', path: '/a' })).toEqual([c.fn]);
  });

  it('keeps persistent watchers; recursive ones see descendants but never children-changed', () => {
    const r = new WatchRegistry();
    const p = spy();
    const rec = spy();
    r.add('persistent', '/a', p.fn);
    r.add('persistentRecursive', '/a', rec.fn);
    expect(r.materialize({ type: 'NodeChildrenChanged', path: '/a' })).toEqual([p.fn]);
    expect(r.materialize({ type: 'NodeCreated', path: '/a/b/c' })).toEqual([rec.fn]);
    expect(r.materialize({ type: 'NodeDataChanged', path: '/a' }).sort()).toEqual([p.fn, rec.fn].sort());
    expect(r.materialize({ type: 'NodeCreated', path: '/ab' })).toEqual([]);
    expect(r.materialize({ type: 'Resync', path: '/a' }).length).toBe(2);
    expect(r.lists()).toEqual({ data: [], exist: [], child: [], persistent: ['/a'], persistentRecursive: ['/a'] });
  });

  it('a recursive watch on / sees everything', () => {
    const r = new WatchRegistry();
    const rec = spy();
    r.add('persistentRecursive', '/', rec.fn);
    expect(r.materialize({ type: 'NodeDeleted', path: '/x/y' })).toEqual([rec.fn]);
  });

  it('one watcher registered twice fires once per event', () => {
    const r = new WatchRegistry();
    const d = spy();
    r.add('data', '/a', d.fn);
    r.add('exist', '/a', d.fn);
    expect(r.materialize({ type: 'NodeDeleted', path: '/a' })).toEqual([d.fn]);
  });

  it('lists watches for SetWatches, removes by type with the right removal events, clears', () => {
    const r = new WatchRegistry();
    const a = spy();
    const b = spy();
    r.add('data', '/a', a.fn);
    r.add('child', '/a', b.fn);
    r.add('exist', '/z', a.fn);
    expect(r.lists()).toEqual({ data: ['/a'], exist: ['/z'], child: ['/a'], persistent: [], persistentRecursive: [] });
    expect(r.removeAll('/a', 'children')).toEqual([[b.fn, 'ChildWatchRemoved']]);
    expect(r.removeAll('/a', 'any')).toEqual([[a.fn, 'DataWatchRemoved']]);
    expect(r.remove('exist', '/z', a.fn)).toBe(true);
    r.add('data', '/q', a.fn);
    r.add('persistent', '/q', b.fn);
    expect(r.clear().length).toBe(2);
    expect(r.isEmpty()).toBe(true);
  });
});
