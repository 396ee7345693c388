import type { Clock } from '../ports.js';

/** Longest delay a timer accepts (2^31 − 1 ms, ~24.8 days); longer deadlines re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Calls `onDeadline` once `clock.now()` reaches `deadline` (epoch ms) — synchronously when it
 * already has. Returns the function that disarms it.
 */
export function armDeadline(clock: Clock, deadline: number, onDeadline: () => void): () => void {
  let handle: unknown;
  let armed = true;
  const check = (): void => {
    handle = undefined;
    if (!armed) return;
    const left = deadline - clock.now();
    if (left <= 0) {
      armed = false;
      onDeadline();
      return;
    }
    handle = clock.setTimeout(check, Math.min(left, MAX_TIMER_MS));
  };
  check();
  return () => {
    armed = false;
    if (handle !== undefined) clock.clearTimeout(handle);
    handle = undefined;
  };
}
