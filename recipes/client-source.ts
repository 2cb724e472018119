/**
 * Where a long-lived recipe gets its session from. A Client's session is final once it
 * expires (ephemerals and watches gone), so a recipe that must outlive an expiry (service
 * registration) takes a factory and asks it for a new Client after one.
 */
import type { Client } from '../sdk/index.js';

/** A Client, or a function that connects a new one (called again after an expiry). */
export type ClientSource = Client | (() => Promise<Client>);

export class ClientHolder {
  private client: Client | undefined;
  private pending: Promise<Client> | undefined;

  constructor(
    private readonly source: ClientSource,
    private readonly where: string,
  ) {
    if (typeof source === 'function') return;
    if (source === null || typeof source !== 'object' || typeof (source as Client).create !== 'function') {
      throw new TypeError(`${where}: \`client\` must be a Client or a function returning a Promise of one`);
    }
    this.client = source;
  }

  /** Whether a new session can be had after an expiry. */
  get renewable(): boolean {
    return typeof this.source === 'function';
  }

  /** The live client: the current one, or a new one from the factory if it ended. */
  async get(): Promise<Client> {
    const c = this.client;
    if (c && c.state !== 'expired' && c.state !== 'closed') return c;
    if (typeof this.source !== 'function') {
      if (c) return c; // its calls fail with SessionExpiredError: nothing better exists
      throw new Error(`${this.where}: no client`);
    }
    const factory = this.source;
    this.pending ??= factory().then(
      (fresh) => {
        this.client = fresh;
        this.pending = undefined;
        return fresh;
      },
      (e: unknown) => {
        this.pending = undefined;
        throw e;
      },
    );
    return this.pending;
  }

  /** The current client without renewing (undefined before the first). */
  get current(): Client | undefined {
    return this.client;
  }

  /** Closes a client that this holder made (never one that was given to it). */
  async closeOwned(): Promise<void> {
    if (typeof this.source === 'function') await this.client?.close().catch(() => undefined);
  }
}
