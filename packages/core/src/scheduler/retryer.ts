import type { TaskweaveError } from '../errors.js';

/** How long to wait before retry number `attempt` (1 = the first retry). */
export type RetryDelay = number | ((attempt: number, error: TaskweaveError) => number);

export interface RetryOptions {
  /**
   * Fixed delay in ms, or a function of the retry number and the error.
   * @default exponential: min(maxDelayMs, baseDelayMs × 2^(attempt−1)), with equal jitter
   */
  retryDelay?: RetryDelay;
  /** @default 200 */
  baseDelayMs?: number;
  /** @default 30_000 */
  maxDelayMs?: number;
  /** Source of randomness for the jitter. @default Math.random */
  random?: () => number;
}

export interface Retryer {
  /** Delay before retry number `attempt`, in ms. */
  delay(attempt: number, error: TaskweaveError): number;
  /**
   * Whether a failed attempt is retried: the error is retryable, retries are left, and the
   * retry could start before the deadline.
   */
  decide(
    error: TaskweaveError,
    retryCount: number,
    maxRetries: number,
    now: number,
    deadline: number | undefined,
  ): { retry: true; delayMs: number } | { retry: false; reason: 'not-retryable' | 'exhausted' | 'deadline' };
}

/**
 * Builds the retry policy (TanStack-style `retryDelay`, exponential backoff, cap, equal jitter:
 * half the delay fixed, half random, so retries of many tasks spread out but never collapse to 0).
 *
 * @example createRetryer({ baseDelayMs: 100 }).delay(3, err) // 200–400 ms
 */
export function createRetryer(options: RetryOptions = {}): Retryer {
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 30_000;
  const random = options.random ?? Math.random;
  const custom = options.retryDelay;
  const delay = (attempt: number, error: TaskweaveError): number => {
    if (typeof custom === 'number') return Math.max(0, custom);
    if (typeof custom === 'function') return Math.max(0, custom(attempt, error));
    const full = Math.min(cap, base * 2 ** (attempt - 1));
    return full / 2 + random() * (full / 2);
  };
  return {
    delay,
    decide(error, retryCount, maxRetries, now, deadline) {
      if (!error.retryable) return { retry: false, reason: 'not-retryable' };
      if (retryCount >= maxRetries) return { retry: false, reason: 'exhausted' };
      const delayMs = delay(retryCount + 1, error);
      if (deadline !== undefined && now + delayMs >= deadline) return { retry: false, reason: 'deadline' };
      return { retry: true, delayMs };
    },
  };
}
