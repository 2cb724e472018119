/**
 * A TCP proxy between a client and a server, to cut a client off without touching the
 * server (which keeps serving everybody else): `cut()` drops the open connections,
 * `block()` refuses new ones until `unblock()`. Its own listening port is stable, so a
 * client can keep it in its server list.
 *
 * @example
 * const proxy = await FaultProxy.start(server.port);
 * const client = await openClient(proxy.address);
 * proxy.block(); proxy.cut();          // the client is disconnected, its session lives on
 * proxy.unblock();                     // it reconnects through the proxy
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

const proxies = new Set<FaultProxy>();

export class FaultProxy {
  private readonly sockets = new Set<Socket>();
  private blocked = false;
  private acceptedCount = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    const server = createServer((client) => proxy!.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('proxy has no TCP address');
    proxy = new FaultProxy(server, addr.port, targetHost, targetPort);
    proxies.add(proxy);
    return proxy;
  }

  /** `127.0.0.1:<port>` for a connect string. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Open client connections through the proxy. */
  get connections(): number {
    return [...this.sockets].filter((s) => !s.destroyed).length / 2;
  }

  /** Connections accepted so far, refused ones included: a test waits on it to know a client tried. */
  get accepted(): number {
    return this.acceptedCount;
  }

  private accept(client: Socket): void {
    this.acceptedCount++;
    if (this.blocked) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: this.targetHost, port: this.targetPort });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Drops every open connection (both directions, at once). */
  cut(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /** Refuse new connections (they are accepted and closed at once). */
  block(): void {
    this.blocked = true;
  }

  unblock(): void {
    this.blocked = false;
  }

  async close(): Promise<void> {
    proxies.delete(this);
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Closes every proxy started by this module (afterEach/afterAll). */
export async function closeAllProxies(): Promise<void> {
  await Promise.all([...proxies].map((p) => p.close()));
}
