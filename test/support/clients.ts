/**
 * SDK clients opened by a test, closed by `closeAllClients()` in afterEach (before the
 * servers are killed), so that no session outlives its test.
 */
import { connect, type Client, type ConnectOptions, type StateEvent } from '../../sdk/index.js';

const open = new Set<Client>();

/** connect() with test defaults (short timeouts) and tracking for cleanup. */
export async function openClient(servers: string, opts: Partial<ConnectOptions> = {}): Promise<Client> {
  const client = await connect({ servers, sessionTimeoutMs: 4000, connectTimeoutMs: 20_000, ...opts });
  open.add(client);
  return client;
}

/** Closes every client opened with openClient (a short bound: the server may be gone). */
export async function closeAllClients(): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.all(all.map((c) => c.close({ timeoutMs: 2000 }).catch(() => undefined)));
}

/** Resolves with the client's next connection-state event among `states`. */
export function nextState(client: Client, ...states: StateEvent['state'][]): Promise<StateEvent> {
  return new Promise((resolve) => {
    const off = client.on('state', (e) => {
      if (!states.includes(e.state)) return;
      off();
      resolve(e);
    });
  });
}
