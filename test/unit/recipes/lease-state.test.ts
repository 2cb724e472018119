/**
 * Goal: the lost-signal state machine says "lost" exactly when the holder can no longer be
 * sure: deadline passed without a confirmed contact (a pause counts), session ended, node
 * gone, release; and a late answer never brings a lost lease back.
 */
import { describe, expect, it } from 'vitest';
import { LeaseState } from '../../../recipes/lease-state.js';

describe('LeaseState', () => {
  it('stays held while confirmations keep coming', () => {
    const s = new LeaseState(1000, 0);
    for (let t = 300; t < 5000; t += 300) {
      expect(s.confirm(t - 10, t)).toBeUndefined();
      expect(s.tick(t + 50)).toBeUndefined();
    }
    expect(s.lost).toBeUndefined();
  });

  it('is lost once the deadline after the last confirmed send passes', () => {
    const s = new LeaseState(1000, 0);
    s.confirm(400, 450);
    expect(s.tick(1399)).toBeUndefined();
    expect(s.tick(1400)).toBe('unconfirmed');
  });

  it('measures from the send time, not the answer time', () => {
    const s = new LeaseState(1000, 0);
    s.confirm(100, 900); // slow answer: sure until 1100, not 1900
    expect(s.tick(1100)).toBe('unconfirmed');
  });

  it('a pause longer than the deadline is lost at the first tick after it, and an answer sent before the pause cannot undo it', () => {
    const s = new LeaseState(1000, 0);
    s.confirm(500, 510);
    // the process is stopped from 600 to 9000; the reply to a request sent at 590 is read at 9001
    expect(s.confirm(590, 9001)).toBe('unconfirmed');
    expect(s.confirm(9001, 9002)).toBe('unconfirmed');
    expect(s.lost).toBe('unconfirmed');
  });

  it('disconnection alone does not end it; expiry and close do', () => {
    const s = new LeaseState(1000, 0);
    expect(s.connection('disconnected', 10)).toBeUndefined();
    expect(s.connection('reconnected', 20)).toBeUndefined();
    expect(s.connection('expired', 30)).toBe('session-ended');
    const c = new LeaseState(1000, 0);
    expect(c.connection('closed', 5)).toBe('session-ended');
  });

  it('a node that is no longer ours ends it', () => {
    const s = new LeaseState(1000, 0);
    expect(s.confirm(10, 20, false)).toBe('node-gone');
  });

  it('the first reason sticks', () => {
    const s = new LeaseState(1000, 0);
    s.connection('expired', 1);
    expect(s.release()).toBe('session-ended');
    const r = new LeaseState(1000, 0);
    expect(r.release()).toBe('released');
    expect(r.tick(5000)).toBe('released');
  });

  it('refuses a non-positive deadline', () => {
    expect(() => new LeaseState(0, 0)).toThrow(TypeError);
  });
});
