/**
 * Majority quorums over the voters of an ensemble. Observers are never counted, whatever
 * set they are passed in.
 */
import type { Zxid } from '../base/zxid.js';
import type { Member, ServerId } from './types.js';

export class Quorum {
  private readonly voters: ReadonlySet<ServerId>;

  constructor(members: readonly Member[]) {
    this.voters = new Set(members.filter((m) => m.voter).map((m) => m.id));
  }

  get size(): number {
    return Math.floor(this.voters.size / 2) + 1;
  }

  isVoter(id: ServerId): boolean {
    return this.voters.has(id);
  }

  voterIds(): ServerId[] {
    return [...this.voters].sort((a, b) => a - b);
  }

  /** Do the voters among `ids` form a majority of all voters? */
  contains(ids: Iterable<ServerId>): boolean {
    let n = 0;
    for (const id of new Set(ids)) if (this.voters.has(id)) n++;
    return n >= this.size;
  }

  /**
   * The highest zxid that a majority of voters have acknowledged (each voter's ack is
   * cumulative), or undefined if fewer than a majority have acknowledged anything.
   */
  committedIndex(acks: ReadonlyMap<ServerId, Zxid>): Zxid | undefined {
    const values: Zxid[] = [];
    for (const [id, z] of acks) if (this.voters.has(id)) values.push(z);
    if (values.length < this.size) return undefined;
    values.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    return values[this.size - 1];
  }
}
