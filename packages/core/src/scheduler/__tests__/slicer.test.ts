/** Slicing long loops: no pause while the slice has time left, a pause on a later turn once it is spent, a new slice after it. */
import { describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../clock.js';
import { DEFAULT_SLICE_MS, Slicer } from '../slicer.js';
import { useFakeClock } from '../../__tests__/helpers.js';

describe('Slicer', () => {
  useFakeClock();

  it('does not pause while the slice has time left (8 ms by default)', () => {
    expect(DEFAULT_SLICE_MS).toBe(8);
    const slicer = new Slicer(systemClock);
    expect(slicer.pause()).toBeUndefined();
    vi.setSystemTime(Date.now() + 7);
    expect(slicer.pause()).toBeUndefined();
  });

  it('once the budget is spent, pauses until a 0 ms timer has run, then starts a new slice', async () => {
    const slicer = new Slicer(systemClock, 5);
    vi.setSystemTime(Date.now() + 5);
    const pause = slicer.pause();
    expect(pause).toBeInstanceOf(Promise);
    let resumed = false;
    void pause?.then(() => {
      resumed = true;
    });
    await Promise.resolve();
    expect(resumed).toBe(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(resumed).toBe(true);
    expect(slicer.pause()).toBeUndefined();
    vi.setSystemTime(Date.now() + 5);
    expect(slicer.pause()).toBeInstanceOf(Promise);
  });

  it('never pauses under a clock that does not move', () => {
    const slicer = new Slicer(systemClock);
    for (let i = 0; i < 1_000; i++) expect(slicer.pause()).toBeUndefined();
  });
});
