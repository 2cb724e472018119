/**
 * Goal: the DataTree's memory savings change nothing a reader sees: a node's data is its
 * own bytes (not a view that keeps a larger buffer, such as a whole log segment, alive),
 * nodes with equal ACLs share one list, a leaf's children read as an empty set, and a node
 * that loses its last child reads as a leaf again, also after a snapshot round trip.
 */
import { describe, expect, it } from 'vitest';
import { DataTree } from '../../../server/tree/data-tree.js';
import type { Acl, Txn } from '../../../server/tree/types.js';

const acl = (): Acl[] => [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

function applyAll(tree: DataTree, txns: Txn[]): void {
  let zxid = tree.lastZxid;
  for (const txn of txns) {
    zxid += 1n;
    tree.apply({ header: { sessionId: 0n, cxid: 0, zxid, timeMs: 1000 }, txn });
  }
}

describe('DataTree memory representation', () => {
  it('copies data out of a larger buffer, keeps the same bytes, and shares equal ACLs', () => {
    const segment = new Uint8Array(1 << 20).fill(7);
    const view = segment.subarray(100, 132);
    const tree = new DataTree();
    applyAll(tree, [
      { type: 'create', path: '/a', data: view, acl: acl(), kind: 'persistent', ephemeralOwner: 0n, parentCVersion: 1, ttlMs: 0 },
      { type: 'create', path: '/b', data: new Uint8Array(0), acl: acl(), kind: 'persistent', ephemeralOwner: 0n, parentCVersion: 2, ttlMs: 0 },
      { type: 'setData', path: '/b', data: segment.subarray(5, 9), version: 1 },
    ]);
    const a = tree.get('/a')!;
    expect([...a.data]).toEqual([...view]);
    expect(a.data.buffer).not.toBe(segment.buffer);
    expect(a.data.buffer.byteLength).toBeLessThan(segment.byteLength);
    expect(tree.get('/b')!.data.buffer).not.toBe(segment.buffer);
    expect([...tree.get('/b')!.data]).toEqual([7, 7, 7, 7]);
    expect(tree.get('/a')!.acl).toBe(tree.get('/b')!.acl);
    expect(tree.get('/a')!.acl).toEqual(acl());
  });

  it('a leaf reads as an empty set; a parent that loses its last child is a leaf again', () => {
    const tree = new DataTree();
    applyAll(tree, [
      { type: 'create', path: '/p', data: new Uint8Array(0), acl: acl(), kind: 'persistent', ephemeralOwner: 0n, parentCVersion: 1, ttlMs: 0 },
      { type: 'create', path: '/p/c', data: new Uint8Array(0), acl: acl(), kind: 'persistent', ephemeralOwner: 0n, parentCVersion: 1, ttlMs: 0 },
    ]);
    expect([...tree.get('/p')!.children]).toEqual(['c']);
    expect(tree.get('/p/c')!.children.size).toBe(0);
    applyAll(tree, [{ type: 'delete', path: '/p/c' }]);
    expect(tree.get('/p')!.children.size).toBe(0);
    expect(tree.get('/p')!.stat.numChildren).toBe(0);
    applyAll(tree, [{ type: 'create', path: '/p/d', data: new Uint8Array(0), acl: acl(), kind: 'persistent', ephemeralOwner: 0n, parentCVersion: 3, ttlMs: 0 }]);
    expect([...tree.get('/p')!.children]).toEqual(['d']);
    const copy = DataTree.fromSnapshot(tree.lastZxid, tree.snapshotRecords());
    expect(copy.digest()).toBe(tree.digest());
    expect([...copy.get('/p')!.children]).toEqual(['d']);
    expect(copy.get('/p/d')!.children.size).toBe(0);
    expect(copy.get('/p')!.acl).toBe(copy.get('/p/d')!.acl);
  });
});
