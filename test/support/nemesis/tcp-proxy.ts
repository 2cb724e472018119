/**
 * A TCP proxy for one link (client -> server, or server -> server), able to fail it:
 *  - `blackhole`: nothing moves either way; connections stay open and new ones are accepted
 *    but held (a partition: TCP would retransmit, so held bytes flow once healed);
 *  - `drop`: every connection is reset and new ones are reset at once (a link that refuses);
 *  - `delay(ms)`: every chunk is forwarded `ms` later, order kept;
 *  - `heal()`: back to passing everything.
 * Each proxy listens on its own loopback port; point clients or peers at `address`.
 */
import { performance } from 'node:perf_hooks';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type LinkMode = { kind: 'pass' } | { kind: 'blackhole' } | { kind: 'drop' } | { kind: 'delay'; ms: number };

interface Pair {
  client: Socket;
  server: Socket;
}

export class TcpProxy {
  private mode: LinkMode = { kind: 'pass' };
  private readonly pairs = new Set<Pair>();
  private readonly held: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer({ pauseOnConnect: true }, (socket) => proxy!.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('proxy has no TCP address');
    proxy = new TcpProxy(server, addr.port, target);
    return proxy;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get current(): LinkMode {
    return this.mode;
  }

  /** Where new connections go (a restarted server may come back on another port). */
  retarget(target: { host: string; port: number }): void {
    this.target = target;
  }

  set(mode: LinkMode): void {
    this.mode = mode;
    if (mode.kind === 'drop') for (const p of [...this.pairs]) this.cut(p);
    if (mode.kind === 'blackhole') for (const p of this.pairs) this.pausePair(p);
    if (mode.kind === 'pass' || mode.kind === 'delay') {
      for (const p of this.pairs) this.resumePair(p);
      for (const go of this.held.splice(0)) go();
    }
  }

  heal(): void {
    this.set({ kind: 'pass' });
  }

  /** Resets every open connection once, whatever the mode (a connection drop, then the link works). */
  resetConnections(): void {
    for (const p of [...this.pairs]) this.cut(p);
  }

  async close(): Promise<void> {
    for (const p of [...this.pairs]) this.cut(p);
    this.held.splice(0);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode.kind === 'drop') {
      client.resetAndDestroy();
      return;
    }
    const connect = (): void => {
      if (client.destroyed) return;
      const server = createConnection({ host: this.target.host, port: this.target.port });
      const pair: Pair = { client, server };
      this.pairs.add(pair);
      this.pipe(pair, client, server);
      this.pipe(pair, server, client);
      const end = (): void => this.cut(pair);
      client.on('error', end).on('close', end);
      server.on('error', end).on('close', end);
      if (this.mode.kind === 'blackhole') this.pausePair(pair);
      else client.resume();
    };
    if (this.mode.kind === 'blackhole') this.held.push(connect);
    else connect();
  }

  private pipe(pair: Pair, from: Socket, to: Socket): void {
    // Chunks leave in the order they came, whatever the mode did meanwhile: a chunk delayed
    // before a heal must not be overtaken by one read after it.
    const queue: Array<{ chunk: Buffer; dueMs: number }> = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      timer = undefined;
      const nowMs = performance.now();
      while (queue.length > 0 && queue[0]!.dueMs <= nowMs) {
        const { chunk } = queue.shift()!;
        if (!to.destroyed && !to.write(chunk)) {
          from.pause();
          to.once('drain', () => {
            if (this.mode.kind !== 'blackhole' && this.pairs.has(pair)) from.resume();
          });
        }
      }
      if (queue.length > 0) timer = setTimeout(flush, queue[0]!.dueMs - nowMs);
    };
    from.on('data', (chunk: Buffer) => {
      // (a chunk already read when a blackhole began is delivered: TCP had delivered it)
      const delayMs = this.mode.kind === 'delay' ? this.mode.ms : 0;
      queue.push({ chunk, dueMs: performance.now() + delayMs });
      if (timer === undefined) {
        if (delayMs === 0 && queue.length === 1) flush();
        else timer = setTimeout(flush, Math.max(0, queue[0]!.dueMs - performance.now()));
      }
    });
    to.on('close', () => {
      if (timer) clearTimeout(timer);
      queue.length = 0;
    });
  }

  private pausePair(p: Pair): void {
    p.client.pause();
    p.server.pause();
  }

  private resumePair(p: Pair): void {
    p.client.resume();
    p.server.resume();
  }

  private cut(p: Pair): void {
    if (!this.pairs.delete(p)) return;
    if (!p.client.destroyed) p.client.resetAndDestroy();
    if (!p.server.destroyed) p.server.resetAndDestroy();
  }
}
