/**
 * 64-bit values at the wire edge. Generated protobuf code carries uint64/int64 as `Long`;
 * everything inside Warden uses `bigint`. These two functions are the only crossing.
 */
import Long from 'long';

export function toLong(value: bigint, unsigned = true): Long {
  return Long.fromBigInt(value, unsigned);
}

/**
 * A JS number (a time in ms, an xid, a count) as a Long, without a detour through bigint:
 * this runs for several fields of every request, reply and txn.
 */
export function numberToLong(value: number, unsigned = false): Long {
  return Long.fromNumber(value, unsigned);
}

/** Accepts what protobufjs may hand back for a 64-bit field: a Long, a number, or nothing. */
export function fromLong(value: Long | number | string | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'string') return BigInt(value);
  return value.unsigned ? value.toBigInt() : BigInt.asUintN(64, value.toBigInt());
}

/** For signed 64-bit fields that hold ordinary numbers (times in ms, xids). */
export function longToNumber(value: Long | number | null | undefined): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  return value.toNumber();
}
