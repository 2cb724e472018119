/**
 * Goal: ensurePath creates every missing ancestor and survives the server reaping a
 * container ancestor in the middle of its walk (the last child of /election went just as
 * another candidate arrived): it starts over instead of failing with NONODE. The client is
 * an in-memory stand-in whose script reaps a node at a chosen moment.
 */
import { describe, expect, it } from 'vitest';
import { NodeExistsError, NoNodeError, type Client, type CreateMode } from '../../../sdk/index.js';
import { ensurePath } from '../../../recipes/paths.js';

class ReapingClient {
  readonly nodes = new Map<string, CreateMode>([['/', 'persistent']]);
  readonly creates: string[] = [];
  /** run before the create of this path is applied (once) */
  beforeCreate = new Map<string, () => void>();

  async exists(path: string): Promise<object | null> {
    return this.nodes.has(path) ? {} : null;
  }
  async create(path: string, _data: null, opts: { mode: CreateMode }): Promise<void> {
    const hook = this.beforeCreate.get(path);
    this.beforeCreate.delete(path);
    hook?.();
    this.creates.push(path);
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    if (!this.nodes.has(parent)) throw new NoNodeError(`no parent ${parent}`, { path });
    if (this.nodes.has(path)) throw new NodeExistsError('exists', { path });
    this.nodes.set(path, opts.mode);
  }
  async waitForConnected(): Promise<void> {}
}

const asClient = (c: ReapingClient): Client => c as unknown as Client;

describe('ensurePath', () => {
  it('creates the missing ancestors as containers and the node with its mode', async () => {
    const c = new ReapingClient();
    await ensurePath(asClient(c), '/a/b/c', { containers: true, mode: 'persistent' });
    expect([...c.nodes]).toEqual([
      ['/', 'persistent'],
      ['/a', 'container'],
      ['/a/b', 'container'],
      ['/a/b/c', 'persistent'],
    ]);
  });

  it('starts over when an ancestor it found is reaped before its child is created', async () => {
    const c = new ReapingClient();
    c.nodes.set('/election', 'container'); // left empty by an earlier election
    c.beforeCreate.set('/election/selector', () => c.nodes.delete('/election')); // the reaper wins the race
    await ensurePath(asClient(c), '/election/selector', { containers: true });
    expect(c.nodes.get('/election')).toBe('container');
    expect(c.nodes.get('/election/selector')).toBe('container');
    expect(c.creates).toEqual(['/election', '/election/selector', '/election', '/election/selector']);
  });

  it('gives up with NONODE when the ancestor keeps vanishing', async () => {
    const c = new ReapingClient();
    const reapAgain = (): void => {
      c.nodes.delete('/x');
      c.beforeCreate.set('/x/y', reapAgain);
    };
    c.beforeCreate.set('/x/y', reapAgain);
    await expect(ensurePath(asClient(c), '/x/y', { containers: true })).rejects.toBeInstanceOf(NoNodeError);
    expect(c.creates.filter((p) => p === '/x/y')).toHaveLength(5);
  });
});
