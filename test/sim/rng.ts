/**
 * The simulator's seeded random source: test/support's Random (mulberry32), plus `fork`
 * for independent streams, so that a draw added in one place does not shift every other.
 * Never Math.random in the simulator: every schedule replays exactly from its seed.
 */
import { Random } from '../support/random.js';

export class Rng extends Random {
  /** An independent stream derived from this one. */
  fork(): Rng {
    return new Rng(Math.floor(this.next() * 4294967296));
  }
}
