/**
 * Session ids, as ZooKeeper makes them: the server id in the top byte, the wall-clock
 * milliseconds at start-up in the next 40 bits, and a counter below. A restarted server
 * starts from a later time, so it never hands out an id it gave before. Pure: the time
 * is passed in.
 */
import type { SessionId } from '../tree/types.js';

export class SessionIdGenerator {
  private next_: bigint;

  constructor(serverId: number, nowMs: number) {
    if (!Number.isInteger(serverId) || serverId < 0 || serverId > 255) throw new RangeError(`server id must be 0..255, got ${serverId}`);
    const time = BigInt(Math.floor(nowMs)) & 0xff_ffff_ffffn;
    this.next_ = (BigInt(serverId) << 56n) | (time << 16n);
  }

  next(): SessionId {
    // 0 means "no session" (the server's own txns), so it is never handed out.
    if (this.next_ === 0n) this.next_ = 1n;
    const id = this.next_;
    this.next_ += 1n;
    return id;
  }
}
