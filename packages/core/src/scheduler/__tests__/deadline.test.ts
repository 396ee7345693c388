/** armDeadline on a fake clock: fires once at the deadline, at once when it has passed, never after disarm, and re-arms past the timer limit. */
import { describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../clock.js';
import { armDeadline } from '../deadline.js';
import { T0, useFakeClock } from '../../__tests__/helpers.js';

describe('armDeadline', () => {
  useFakeClock();

  it('calls onDeadline once, when the clock reaches the deadline', () => {
    const onDeadline = vi.fn();
    armDeadline(systemClock, T0 + 1_000, onDeadline);
    vi.advanceTimersByTime(999);
    expect(onDeadline).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onDeadline).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(onDeadline).toHaveBeenCalledTimes(1);
  });

  it('calls it synchronously when the deadline has already passed (or is now)', () => {
    const past = vi.fn();
    const now = vi.fn();
    armDeadline(systemClock, T0 - 1, past);
    armDeadline(systemClock, T0, now);
    expect(past).toHaveBeenCalledTimes(1);
    expect(now).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never calls it once disarmed, and leaves no timer behind', () => {
    const onDeadline = vi.fn();
    const disarm = armDeadline(systemClock, T0 + 1_000, onDeadline);
    vi.advanceTimersByTime(500);
    disarm();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(onDeadline).not.toHaveBeenCalled();
    disarm(); // twice is harmless
  });

  it('waits out a deadline beyond the longest timer (2^31 − 1 ms) in several timers', () => {
    const onDeadline = vi.fn();
    const day = 86_400_000;
    const delays: number[] = [];
    const clock = {
      now: () => Date.now(),
      setTimeout: (fn: () => void, ms: number) => {
        delays.push(ms);
        return setTimeout(fn, ms);
      },
      clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    armDeadline(clock, T0 + 30 * day, onDeadline);
    expect(delays).toEqual([2_147_483_647]);
    vi.advanceTimersByTime(2_147_483_647);
    expect(onDeadline).not.toHaveBeenCalled();
    expect(delays).toEqual([2_147_483_647, 30 * day - 2_147_483_647]);
    vi.advanceTimersByTime(30 * day - 2_147_483_647 - 1);
    expect(onDeadline).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onDeadline).toHaveBeenCalledTimes(1);
  });

  it('checks the clock again when a timer fires early', () => {
    let now = T0;
    const timers: (() => void)[] = [];
    const clock = { now: () => now, setTimeout: (fn: () => void) => timers.push(fn), clearTimeout: () => {} };
    const onDeadline = vi.fn();
    armDeadline(clock, T0 + 100, onDeadline);
    now = T0 + 40;
    timers.shift()?.();
    expect(onDeadline).not.toHaveBeenCalled();
    expect(timers).toHaveLength(1);
    now = T0 + 100;
    timers.shift()?.();
    expect(onDeadline).toHaveBeenCalledTimes(1);
  });
});
