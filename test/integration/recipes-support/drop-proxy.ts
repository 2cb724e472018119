/**
 * A TCP proxy for fault tests: forwards client <-> server bytes, and on demand drops every
 * byte the server sends back (a reply that is lost on the way) and cuts the connections.
 * Used to lose exactly the reply of a create: drop replies, send the create, see it
 * applied through another client, cut.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class DropProxy {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private dropping = false;
  port = 0;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((down) => this.accept(down));
  }

  static async start(target: { host: string; port: number }): Promise<DropProxy> {
    const p = new DropProxy(target);
    await new Promise<void>((resolve) => p.server.listen(0, '127.0.0.1', resolve));
    p.port = (p.server.address() as { port: number }).port;
    return p;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private accept(down: Socket): void {
    const up = connect(this.target.port, this.target.host);
    const pair: [Socket, Socket] = [down, up];
    this.pairs.add(pair);
    down.on('data', (b) => up.write(b));
    up.on('data', (b) => {
      if (!this.dropping) down.write(b);
    });
    const end = (): void => {
      this.pairs.delete(pair);
      down.destroy();
      up.destroy();
    };
    down.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
  }

  /** From now on, bytes from the server are thrown away (requests still go through). */
  dropReplies(): void {
    this.dropping = true;
  }

  /** Destroys every open connection and forwards normally again. */
  cutAndHeal(): void {
    for (const [a, b] of [...this.pairs]) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
    this.dropping = false;
  }

  async close(): Promise<void> {
    this.cutAndHeal();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
