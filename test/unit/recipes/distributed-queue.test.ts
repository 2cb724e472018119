/**
 * Goal: a take whose reply is lost is settled exactly once. The delete and the ephemeral
 * claim go in one transaction, so after the reconnect the claim tells whether the take
 * happened: applied -> the item is returned; not applied (and another consumer took the
 * item meanwhile) -> it is NOT returned (the old "item gone = ours" rule delivered it
 * twice); session expired meanwhile -> the outcome-unknown error, not a guess.
 * The client here is an in-memory stand-in with the few calls the queue makes.
 */
import { describe, expect, it } from 'vitest';
import { BadVersionError, NoNodeError, OutcomeUnknownError, SessionExpiredError, type Client, type MultiOp } from '../../../sdk/index.js';
import { CLAIM_PREFIX, DistributedQueue } from '../../../recipes/distributed-queue.js';

type LostReply = 'applied' | 'not-applied-taken-by-other';

class FakeClient {
  readonly sessionId = 0xabcn;
  readonly nodes = new Map<string, { data: Buffer; version: number }>();
  loseNextMulti: LostReply | undefined;
  expiredOnReconnect = false;

  put(path: string, data: string): void {
    this.nodes.set(path, { data: Buffer.from(data), version: 0 });
  }
  children(parent: string): string[] {
    return [...this.nodes.keys()].filter((p) => p.startsWith(`${parent}/`)).map((p) => p.slice(parent.length + 1));
  }
  async getChildren(parent: string): Promise<string[]> {
    return this.children(parent);
  }
  async getData(path: string): Promise<{ data: Buffer; stat: { version: number } }> {
    const n = this.nodes.get(path);
    if (!n) throw new NoNodeError('no node', { path });
    return { data: n.data, stat: { version: n.version } };
  }
  async exists(path: string): Promise<object | null> {
    return this.nodes.has(path) ? {} : null;
  }
  async delete(path: string): Promise<void> {
    if (!this.nodes.delete(path)) throw new NoNodeError('no node', { path });
  }
  async waitForConnected(): Promise<void> {
    if (this.expiredOnReconnect) throw new SessionExpiredError('expired');
  }
  private apply(ops: readonly MultiOp[]): void {
    for (const op of ops) {
      if (op.op === 'delete') {
        const n = this.nodes.get(op.path);
        if (!n) throw new NoNodeError('no node', { path: op.path });
        if (op.version !== undefined && op.version !== -1 && op.version !== n.version) throw new BadVersionError('bad version', { path: op.path });
      }
    }
    for (const op of ops) {
      if (op.op === 'delete') this.nodes.delete(op.path);
      if (op.op === 'create') this.nodes.set(op.path, { data: Buffer.alloc(0), version: 0 });
    }
  }
  async multi(ops: readonly MultiOp[]): Promise<unknown[]> {
    const lost = this.loseNextMulti;
    this.loseNextMulti = undefined;
    if (lost === 'applied') {
      this.apply(ops);
      if (this.expiredOnReconnect) for (const p of this.children('/q').filter((c) => c.startsWith(CLAIM_PREFIX))) this.nodes.delete(`/q/${p}`);
      throw new OutcomeUnknownError('reply lost');
    }
    if (lost === 'not-applied-taken-by-other') {
      const del = ops.find((o) => o.op === 'delete')!;
      this.nodes.delete(del.path); // another consumer's take won
      throw new OutcomeUnknownError('request lost');
    }
    this.apply(ops);
    return ops.map(() => ({}));
  }
}

const queueOn = (c: FakeClient): DistributedQueue<string> => new DistributedQueue<string>(c as unknown as Client, '/q');

describe('DistributedQueue take with a lost reply', () => {
  it('returns the item when the transaction was applied, and removes the claim', async () => {
    const c = new FakeClient();
    c.put('/q/item-0000000001', '"a"');
    c.loseNextMulti = 'applied';
    expect(await queueOn(c).poll()).toBe('a');
    await Promise.resolve();
    expect(c.children('/q')).toEqual([]);
  });

  it('does not return an item another consumer took while its request was lost; moves on to the next', async () => {
    const c = new FakeClient();
    c.put('/q/item-0000000001', '"a"');
    c.put('/q/item-0000000002', '"b"');
    c.loseNextMulti = 'not-applied-taken-by-other';
    expect(await queueOn(c).poll()).toBe('b');
    expect(c.children('/q').filter((n) => n.startsWith('item-'))).toEqual([]);
  });

  it('reports the outcome as unknown when the session expired before it could look', async () => {
    const c = new FakeClient();
    c.put('/q/item-0000000001', '"a"');
    c.loseNextMulti = 'applied';
    c.expiredOnReconnect = true;
    await expect(queueOn(c).poll()).rejects.toBeInstanceOf(OutcomeUnknownError);
  });

  it('a plain take deletes the item and leaves no claim behind', async () => {
    const c = new FakeClient();
    c.put('/q/item-0000000001', '"a"');
    const q = queueOn(c);
    expect(await q.poll()).toBe('a');
    await Promise.resolve();
    expect(c.children('/q')).toEqual([]);
    expect(await q.poll()).toBeUndefined();
  });
});
