/**
 * Invariant checks that stay on in production. A failed assertion means Warden's own
 * logic is wrong (not that input was bad: bad input gets a typed error), so it throws an
 * AssertionError that the process treats as fatal.
 */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

export function assert(condition: unknown, why: string): asserts condition {
  if (!condition) throw new InvariantError(`invariant violated: ${why}`);
}
