/**
 * Free TCP ports on loopback, for configs that must name their ports before a process
 * starts (a restart on the same port, ensemble server.N lines). All ports of one call are
 * held open together so they differ, then released for the servers to take.
 *
 * They are taken below the kernel's ephemeral range (Linux: ip_local_port_range), where the
 * kernel never hands a port out by itself: a port picked by binding to port 0 came from
 * that range, so between its release and the server's bind any outgoing connection or any
 * `listen(0)` on the machine could take it (a fault run's 40 peer proxies did, and a member
 * failed to start with EADDRINUSE). Where the range cannot be read, ports come from binding
 * to port 0 as before. A small race with other processes that pick ports the same way remains;
 * servers that can use clientPort=0 should.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** Lowest port picked below the ephemeral range. */
const PICK_LOW = 10_000;
const ATTEMPTS_PER_PORT = 100;

function listen(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** [lowest, highest] port the kernel may pick for a port-0 bind or an outgoing connection. */
function ephemeralRange(): [number, number] | undefined {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high) ? [low, high] : undefined;
  } catch {
    return undefined;
  }
}

const range = ephemeralRange();
/** Ports to pick from: below the ephemeral range, if that leaves room. */
const pickHigh = range && range[0] - 1 - PICK_LOW >= 1000 ? range[0] - 1 : undefined;

/** A listening server on a free port below the ephemeral range (or on port 0). */
async function hold(host: string, taken: ReadonlySet<number>): Promise<Server> {
  if (pickHigh === undefined) return listen(host, 0);
  for (let i = 0; i < ATTEMPTS_PER_PORT; i++) {
    const port = PICK_LOW + Math.floor(Math.random() * (pickHigh - PICK_LOW + 1));
    if (taken.has(port)) continue;
    try {
      return await listen(host, port);
    } catch {
      // in use: try another
    }
  }
  return listen(host, 0);
}

function portOf(s: Server): number {
  const addr = s.address();
  if (addr === null || typeof addr === 'string') throw new Error('no TCP address');
  return addr.port;
}

/** `count` distinct free ports on `host`. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  const taken = new Set<number>();
  try {
    for (let i = 0; i < count; i++) {
      const s = await hold(host, taken);
      servers.push(s);
      taken.add(portOf(s));
    }
    return servers.map(portOf);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  return port!;
}
