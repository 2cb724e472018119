/**
 * Goal: overlapping faults never act on the same target: a fault takes all of its targets
 * or none, and gives them back when it has healed.
 */
import { describe, expect, it } from 'vitest';
import { FaultSlots } from '../../support/nemesis/fault-slots.js';

describe('FaultSlots', () => {
  it('takes all keys or none', () => {
    const s = new FaultSlots();
    expect(s.take(['member:1', 'link:0'])).toBe(true);
    expect(s.take(['member:2', 'link:0'])).toBe(false);
    // the refused take held nothing
    expect(s.isFree('member:2')).toBe(true);
    expect(s.isFree('member:1')).toBe(false);
  });

  it('frees what a healed fault held', () => {
    const s = new FaultSlots();
    s.take(['member:1', 'clock:1']);
    s.release(['member:1', 'clock:1']);
    expect(s.take(['member:1'])).toBe(true);
    expect(s.isFree('clock:1')).toBe(true);
  });

  it('refuses an empty or self-overlapping take', () => {
    const s = new FaultSlots();
    expect(s.take([])).toBe(false);
    expect(s.take(['link:3', 'link:3'])).toBe(false);
    expect(s.isFree('link:3')).toBe(true);
  });
});
