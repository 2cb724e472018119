/**
 * Goal: the shared basics hold: zxids pack (epoch, counter) into 64 bits beyond a JS number
 * and order by epoch first; exceeded limits name the limit and its value; log lines are one
 * line with fields a machine can read back.
 */
import { describe, expect, it } from 'vitest';
import { InvariantError, assert } from '../../../server/base/assert.js';
import { DEFAULT_LIMITS, LimitExceededError } from '../../../server/base/limits.js';
import { formatLine, parseLogLevel } from '../../../server/base/log.js';
import { counterOf, epochOf, formatZxid, makeZxid, maxZxid } from '../../../server/base/zxid.js';

describe('zxid', () => {
  it('packs epoch and counter and unpacks them, beyond 2^53', () => {
    const z = makeZxid(0xffff_fffe, 0xffff_ffff);
    expect(z).toBe(0xffff_fffe_ffff_ffffn);
    expect(epochOf(z)).toBe(0xffff_fffe);
    expect(counterOf(z)).toBe(0xffff_ffff);
    expect(formatZxid(makeZxid(1, 10))).toBe('0x10000000a');
  });

  it('orders by epoch before counter', () => {
    expect(makeZxid(2, 1) > makeZxid(1, 0xffff_ffff)).toBe(true);
    expect(maxZxid(makeZxid(1, 5), makeZxid(2, 0))).toBe(makeZxid(2, 0));
  });
});

describe('limits and assertions', () => {
  it('ZooKeeper defaults: data just under 1 MiB, 1000 outstanding, 60 connections per address', () => {
    expect(DEFAULT_LIMITS.dataBytesMax).toBe(1024 * 1024 - 1);
    expect(DEFAULT_LIMITS.outstandingRequestsMax).toBe(1000);
    expect(DEFAULT_LIMITS.connectionsPerAddressMax).toBe(60);
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
  });

  it('an exceeded limit names itself and its value', () => {
    const e = new LimitExceededError('dataBytesMax', 10, 'data is 11 bytes');
    expect(e.message).toBe('limit dataBytesMax=10 exceeded: data is 11 bytes');
    expect(e).toMatchObject({ name: 'LimitExceededError', limit: 'dataBytesMax', value: 10 });
  });

  it('assert throws an InvariantError saying why', () => {
    expect(() => assert(false, 'zxids grow')).toThrow(new InvariantError('invariant violated: zxids grow'));
    expect(() => assert(1, 'fine')).not.toThrow();
  });
});

describe('log lines', () => {
  it('one line: time, level, message, key=value fields (bigints as hex, spaced strings quoted)', () => {
    const line = formatLine('info', 'serving', { zxid: 0x100000001n, dir: '/a b', port: 2181, none: undefined }, new Date(0));
    expect(line).toBe('1970-01-01T00:00:00.000Z INFO  serving zxid=0x100000001 dir="/a b" port=2181');
    expect(formatLine('warn', 'x', { reason: 'line1\nline2' }, new Date(0))).not.toContain('\n');
  });

  it('parses levels, falling back on anything else', () => {
    expect(parseLogLevel('DEBUG')).toBe('debug');
    expect(parseLogLevel('loud')).toBe('info');
    expect(parseLogLevel(undefined, 'warn')).toBe('warn');
  });
});
