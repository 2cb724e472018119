/**
 * Names of the nodes that locks, semaphores, latches and queues create: protected names
 * and sequence numbers, and the "who is before me" rule that keeps waiters from herding.
 *
 * A protected name is `_c_<id>-<name>` (Curator's protected mode): `<id>` is a UUID the
 * client generated before sending the create, so if the create's reply is lost the client
 * can find the node it made (or learn that none was made) by listing the parent.
 * Sequential nodes end in the parent's 10-digit counter, which is what they sort by: the
 * protected prefix differs per client and must not influence the order.
 *
 * Pure: no I/O, no clock, no randomness (ids are passed in).
 */

/** The marker that starts a protected node name. */
export const PROTECTED_PREFIX = '_c_';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PROTECTED = /^_c_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(.*)$/s;
const SEQUENCE = /(\d{10})$/;

/** A child name taken apart. */
export interface NodeName {
  /** The full child name as listed. */
  name: string;
  /** The protected id, when the name is protected. */
  protectedId: string | undefined;
  /** The name without its protected prefix. */
  base: string;
  /** The sequence number, when the name ends in 10 digits. */
  sequence: number | undefined;
}

/** `_c_<id>-<name>`: the name to create for `name` under protection `id` (a UUID). */
export function protectedName(id: string, name: string): string {
  if (!UUID.test(id)) throw new TypeError(`protectedName(): id must be a lower-case UUID, got ${JSON.stringify(id)}`);
  return `${PROTECTED_PREFIX}${id}-${name}`;
}

/**
 * Takes a child name apart: its protected id (if it starts with `_c_<uuid>-`), the rest,
 * and the trailing 10-digit sequence number (if any).
 * @example
 * parseNodeName('_c_0b9e4f4a-8d2c-4c1e-9a55-3f0e6c1d2b7a-lock-0000000042');
 * // { name: '_c_0b9e…-lock-0000000042', protectedId: '0b9e4f4a-…', base: 'lock-0000000042', sequence: 42 }
 */
export function parseNodeName(name: string): NodeName {
  const m = PROTECTED.exec(name);
  const base = m ? m[2]! : name;
  const s = SEQUENCE.exec(base);
  return { name, protectedId: m ? m[1] : undefined, base, sequence: s ? Number(s[1]) : undefined };
}

/**
 * The children whose base name starts with one of `prefixes` and ends with a sequence
 * number, sorted by that number (ties, which the server never makes, by name).
 */
export function sortSequential(children: readonly string[], prefixes: readonly string[]): NodeName[] {
  const out: NodeName[] = [];
  for (const c of children) {
    const n = parseNodeName(c);
    if (n.sequence === undefined) continue;
    if (!prefixes.some((p) => n.base.startsWith(p) && n.base.length === p.length + 10)) continue;
    out.push(n);
  }
  return out.sort((a, b) => a.sequence! - b.sequence! || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The children that carry protected id `id` (normally one; more means an orphan to delete). */
export function childrenWithId(children: readonly string[], id: string): string[] {
  const marker = `${PROTECTED_PREFIX}${id}-`;
  return children.filter((c) => c.startsWith(marker));
}

/** Where a node stands in a queue of `maxLeases` holders. */
export type QueuePosition =
  | { kind: 'holds'; index: number }
  | { kind: 'waits'; index: number; /** the one node to watch: no herd effect */ watch: string }
  | { kind: 'gone' };

/**
 * Curator's rule: the first `maxLeases` nodes hold; any other node watches only the node
 * `maxLeases` places before it, so one deletion wakes exactly one waiter.
 */
export function queuePosition(sorted: readonly NodeName[], own: string, maxLeases: number): QueuePosition {
  if (!Number.isInteger(maxLeases) || maxLeases < 1) throw new TypeError('queuePosition(): maxLeases must be a positive integer');
  const index = sorted.findIndex((n) => n.name === own);
  if (index < 0) return { kind: 'gone' };
  if (index < maxLeases) return { kind: 'holds', index };
  return { kind: 'waits', index, watch: sorted[index - maxLeases]!.name };
}
