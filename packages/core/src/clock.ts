import type { Clock } from './ports.js';

/**
 * The default clock: `Date.now` and the global timers, looked up at call time so that
 * `vi.useFakeTimers()` installed after import still applies.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};
