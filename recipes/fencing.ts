/**
 * Fencing tokens: the number a resource uses to refuse a holder that lost its lock
 * without knowing it (a GC pause, a SIGSTOP, a partition longer than the session timeout).
 *
 * A token is the czxid of the holder's lock node: every acquisition of a lock creates a
 * new node, and zxids only grow, so a later holder always has a larger token. A resource
 * remembers the largest token it has accepted and refuses anything smaller. This is what
 * makes a lock safe even when its holder's `signal` fires too late: the stale holder's
 * writes are refused by the resource itself.
 *
 * Pure: no I/O, no clock. Tokens travel as decimal strings (`formatToken`/`parseToken`),
 * because a zxid does not fit a JS number.
 */

/** A fencing token: grows with every acquisition of the same lock. */
export type FencingToken = bigint;

/** Thrown by {@link FencingGuard.check} for a token older than one already accepted. */
export class StaleTokenError extends Error {
  /** Always `'StaleTokenError'`. */
  override name = 'StaleTokenError';
  /** Always `'STALETOKEN'`, for matching without `instanceof`. */
  readonly code = 'STALETOKEN';
  constructor(
    /** The resource name the write was checked against. */
    readonly resource: string,
    /** The refused token (the stale holder's). */
    readonly token: FencingToken,
    /** The highest token already accepted for that resource (a later holder's). */
    readonly highest: FencingToken,
  ) {
    super(`fencing token ${token} for ${JSON.stringify(resource)} is stale: a holder with token ${highest} has already been accepted`);
  }
}

/** Decimal text of a token, for headers, JSON and logs. */
export function formatToken(token: FencingToken): string {
  return token.toString(10);
}

/** The token in `text` (decimal, as `formatToken` writes it). TypeError for anything else. */
export function parseToken(text: string): FencingToken {
  if (typeof text !== 'string' || !/^\d{1,20}$/.test(text)) throw new TypeError(`parseToken(): not a fencing token: ${JSON.stringify(text)}`);
  return BigInt(text);
}

/**
 * The resource side of fencing: keeps the highest token accepted per resource name and
 * refuses older ones. Equal tokens are accepted (the same holder writing again).
 *
 * Keep one guard in the process that owns the resource (a storage server, a database
 * proxy); it must see every write, and its memory of the highest token must be as durable
 * as the resource (persist `highest()` with the data if the resource survives restarts).
 *
 * @example
 * const guard = new FencingGuard();
 * // in the storage server, for every write that arrives with a token:
 * guard.check('orders-table', parseToken(request.headers['x-fencing-token']));
 * applyWrite(request);
 */
export class FencingGuard {
  private readonly highestByResource = new Map<string, FencingToken>();

  /** Seeds the guard with tokens remembered from before (e.g. read back from disk). */
  constructor(initial: Iterable<[string, FencingToken]> = []) {
    for (const [resource, token] of initial) this.highestByResource.set(resource, checkToken('FencingGuard', token));
  }

  /** Accepts `token` (and remembers it) or refuses it: true when accepted. */
  admit(resource: string, token: FencingToken): boolean {
    checkToken('FencingGuard.admit()', token);
    const highest = this.highestByResource.get(resource);
    if (highest !== undefined && token < highest) return false;
    this.highestByResource.set(resource, token);
    return true;
  }

  /** Like {@link admit}, but throws StaleTokenError when refused. */
  check(resource: string, token: FencingToken): void {
    if (!this.admit(resource, token)) throw new StaleTokenError(resource, token, this.highestByResource.get(resource)!);
  }

  /** The highest token accepted for `resource`, if any. */
  highest(resource: string): FencingToken | undefined {
    return this.highestByResource.get(resource);
  }
}

function checkToken(where: string, token: unknown): FencingToken {
  if (typeof token !== 'bigint' || token < 0n) throw new TypeError(`${where}: a fencing token must be a non-negative bigint`);
  return token;
}
