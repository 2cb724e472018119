/**
 * Goal: a snapshot taken a slice at a time (DataTree.beginSnapshot) while txns keep
 * applying gives exactly the records snapshotRecords() gave at its zxid, byte for byte and
 * in the same order, whatever changes meanwhile (creates under unvisited and visited
 * parents, deletes, re-creates at the same path, data and ACL changes, session closes that
 * delete ephemerals); and a SNAP install (replaceWith) cancels it.
 */
import { describe, expect, it } from 'vitest';
import { DataTree } from '../../../server/tree/data-tree.js';
import type { Acl, Txn } from '../../../server/tree/types.js';

const ACL_A: Acl[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const ACL_B: Acl[] = [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }];

/** xorshift32: a fixed seed per case, so a failure replays. */
function rng(seed: number): (n: number) => number {
  let x = seed || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

class Driver {
  zxid = 0n;
  constructor(readonly tree = new DataTree()) {}
  apply(txn: Txn, sessionId = 0n): void {
    this.zxid += 1n;
    this.tree.apply({ header: { sessionId, cxid: 0, zxid: this.zxid, timeMs: Number(this.zxid) }, txn });
  }
  create(path: string, owner = 0n): void {
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    const cv = this.tree.get(parent)!.stat.cversion + 1;
    this.apply({ type: 'create', path, data: new Uint8Array([path.length]), acl: ACL_A, kind: owner ? 'ephemeral' : 'persistent', ephemeralOwner: owner, parentCVersion: cv, ttlMs: 0 }, owner);
  }
  paths(): string[] {
    const out: string[] = [];
    const walk = (p: string): void => {
      for (const c of this.tree.get(p)!.children) {
        const child = p === '/' ? `/${c}` : `${p}/${c}`;
        if (child.startsWith('/zookeeper')) continue;
        out.push(child);
        walk(child);
      }
    };
    walk('/');
    return out.sort();
  }
}

function randomChange(d: Driver, r: (n: number) => number): void {
  const paths = d.paths();
  const pick = (): string | undefined => paths[r(paths.length)];
  switch (r(7)) {
    case 0:
    case 1: {
      const parent = r(4) === 0 || paths.length === 0 ? '/' : pick()!;
      if (d.tree.get(parent)!.kind === 'ephemeral') return;
      const path = `${parent === '/' ? '' : parent}/n${r(6)}`;
      if (!d.tree.get(path)) d.create(path, r(5) === 0 ? 7n : 0n);
      return;
    }
    case 2: {
      const p = pick();
      if (p && d.tree.get(p)!.children.size === 0) d.apply({ type: 'delete', path: p });
      return;
    }
    case 3:
    case 4: {
      const p = pick();
      if (p) d.apply({ type: 'setData', path: p, data: new Uint8Array([r(256), r(256)]), version: d.tree.get(p)!.stat.version + 1 });
      return;
    }
    case 5: {
      const p = pick();
      if (p) d.apply({ type: 'setACL', path: p, acl: r(2) ? ACL_A : ACL_B, aversion: d.tree.get(p)!.stat.aversion + 1 });
      return;
    }
    case 6:
      d.apply({ type: 'closeSession' }, 7n);
      d.apply({ type: 'createSession', timeoutMs: 4000, password: new Uint8Array([1]) }, 7n);
      return;
  }
}

describe('SnapshotCursor', () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`equals snapshotRecords() at its zxid while txns apply (seed ${seed})`, () => {
      const r = rng(seed * 7919);
      const d = new Driver();
      d.apply({ type: 'createSession', timeoutMs: 4000, password: new Uint8Array([1]) }, 7n);
      for (let i = 0; i < 120; i++) randomChange(d, r);
      const expected = [...d.tree.snapshotRecords()].map((b) => Buffer.from(b).toString('hex'));
      const zxid = d.tree.lastZxid;
      const cursor = d.tree.beginSnapshot();
      expect(cursor.zxid).toBe(zxid);
      let done = false;
      while (!done) {
        done = cursor.step(1 + r(3));
        for (let k = r(4); k > 0; k--) randomChange(d, r);
      }
      expect([...cursor.records].map((b) => Buffer.from(b).toString("hex"))).toEqual(expected);
      // the records rebuild the tree as it was
      expect(DataTree.fromSnapshot(zxid, cursor.records).nodeCount()).toBe(expected.length - 1);
    });
  }

  it('is cancelled by replaceWith (a SNAP from the leader) and by a newer cursor', () => {
    const d = new Driver();
    for (let i = 0; i < 10; i++) d.create(`/n${i}`);
    const c1 = d.tree.beginSnapshot();
    c1.step(1);
    const c2 = d.tree.beginSnapshot();
    expect(c1.isCancelled).toBe(true);
    d.tree.replaceWith(new DataTree());
    expect(c2.isCancelled).toBe(true);
    expect(() => c2.step(1)).toThrow();
  });
});
