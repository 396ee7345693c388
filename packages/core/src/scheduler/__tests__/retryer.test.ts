/** The retry policy alone: backoff, cap, jitter bounds, custom delays and the three refusals. */
import { describe, expect, it } from 'vitest';
import { TaskweaveError, TimeoutError, WorkerCrashedError } from '../../errors.js';
import { createRetryer } from '../retryer.js';

const failure = new TaskweaveError('execution', 'boom');

describe('createRetryer', () => {
  it('doubles from baseDelayMs, up to maxDelayMs, with equal jitter (half fixed, half random)', () => {
    const low = createRetryer({ baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0 });
    const high = createRetryer({ baseDelayMs: 100, maxDelayMs: 1_000, random: () => 1 });
    expect([1, 2, 3, 4, 5, 6].map((n) => low.delay(n, failure))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((n) => high.delay(n, failure))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    const mid = createRetryer({ baseDelayMs: 100, random: () => 0.5 });
    expect(mid.delay(3, failure)).toBe(300);
  });

  it('defaults to 200 ms doubling, capped at 30 s', () => {
    const retryer = createRetryer({ random: () => 1 });
    expect(retryer.delay(1, failure)).toBe(200);
    expect(retryer.delay(2, failure)).toBe(400);
    expect(retryer.delay(20, failure)).toBe(30_000);
  });

  it('takes a fixed retryDelay, or a function of the retry number and the error, never below 0', () => {
    expect(createRetryer({ retryDelay: 750 }).delay(5, failure)).toBe(750);
    expect(createRetryer({ retryDelay: -5 }).delay(1, failure)).toBe(0);
    const seen: [number, string][] = [];
    const retryer = createRetryer({
      retryDelay: (attempt, error) => {
        seen.push([attempt, error.code]);
        return attempt * 10 - 15;
      },
    });
    expect(retryer.delay(1, failure)).toBe(0);
    expect(retryer.delay(3, failure)).toBe(15);
    expect(seen).toEqual([[1, 'execution'], [3, 'execution']]);
  });

  it('retries a retryable error while retries are left, with the delay of the next retry number', () => {
    const retryer = createRetryer({ retryDelay: (attempt) => attempt * 100 });
    expect(retryer.decide(failure, 0, 3, 0, undefined)).toEqual({ retry: true, delayMs: 100 });
    expect(retryer.decide(new WorkerCrashedError(), 2, 3, 0, undefined)).toEqual({ retry: true, delayMs: 300 });
    expect(retryer.decide(failure, 3, 3, 0, undefined)).toEqual({ retry: false, reason: 'exhausted' });
    expect(retryer.decide(failure, 0, 0, 0, undefined)).toEqual({ retry: false, reason: 'exhausted' });
  });

  it('never retries an error that is not retryable, whatever is left', () => {
    const retryer = createRetryer({ retryDelay: 0 });
    expect(retryer.decide(new TimeoutError(), 0, 5, 0, undefined)).toEqual({ retry: false, reason: 'not-retryable' });
    expect(retryer.decide(new TaskweaveError('execution', 'x', { retryable: false }), 0, 5, 0, undefined)).toEqual({
      retry: false,
      reason: 'not-retryable',
    });
  });

  it('refuses a retry that could not start before the deadline', () => {
    const retryer = createRetryer({ retryDelay: 100 });
    expect(retryer.decide(failure, 0, 3, 1_000, 1_101)).toEqual({ retry: true, delayMs: 100 });
    expect(retryer.decide(failure, 0, 3, 1_000, 1_100)).toEqual({ retry: false, reason: 'deadline' });
    expect(retryer.decide(failure, 0, 3, 1_000, 900)).toEqual({ retry: false, reason: 'deadline' });
  });
});
