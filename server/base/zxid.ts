/**
 * A zxid orders every change: (epoch << 32) | counter, as a bigint because a JS number
 * cannot hold 64 bits. The epoch grows with each new leader; the counter with each txn.
 */
export type Zxid = bigint;

const COUNTER_BITS = 32n;
const COUNTER_MASK = (1n << COUNTER_BITS) - 1n;

export const ZXID_ZERO: Zxid = 0n;

export function makeZxid(epoch: number, counter: number | bigint): Zxid {
  return (BigInt(epoch) << COUNTER_BITS) | (BigInt(counter) & COUNTER_MASK);
}

export function epochOf(zxid: Zxid): number {
  return Number(zxid >> COUNTER_BITS);
}

export function counterOf(zxid: Zxid): number {
  return Number(zxid & COUNTER_MASK);
}

/** The zxid as ZooKeeper prints it: 0x followed by hex digits. */
export function formatZxid(zxid: Zxid): string {
  return `0x${zxid.toString(16)}`;
}

export function maxZxid(a: Zxid, b: Zxid): Zxid {
  return a > b ? a : b;
}
