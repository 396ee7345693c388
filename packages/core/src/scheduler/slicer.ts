import type { Clock } from '../ports.js';

/** How long one slice of a long loop may run before it yields, in ms. */
export const DEFAULT_SLICE_MS = 8;

/**
 * Cuts a long synchronous loop (validating, preparing or admitting thousands of tasks) into
 * slices of about `budgetMs`, so none of them becomes a long task on the page's main thread:
 * `pause()` is `undefined` while the slice has time left, else a promise that resolves on a later
 * turn of the event loop (a 0 ms timer on the clock). Under a fake clock that does not move,
 * nothing ever yields.
 *
 * @example
 * const slicer = new Slicer(clock)
 * for (let i = 0; i < items.length; i++) {
 *   work(items[i])
 *   const pause = (i & 63) === 63 ? slicer.pause() : undefined
 *   if (pause !== undefined) await pause
 * }
 */
export class Slicer {
  readonly #clock: Clock;
  readonly #budgetMs: number;
  #start: number;

  /** @param budgetMs @default DEFAULT_SLICE_MS (8) */
  constructor(clock: Clock, budgetMs: number = DEFAULT_SLICE_MS) {
    this.#clock = clock;
    this.#budgetMs = budgetMs;
    this.#start = clock.now();
  }

  /** `undefined` while this slice has time left; else resolves once the event loop had a turn. */
  pause(): Promise<void> | undefined {
    if (this.#clock.now() - this.#start < this.#budgetMs) return undefined;
    return new Promise<void>((resolve) => {
      this.#clock.setTimeout(() => {
        this.#start = this.#clock.now();
        resolve();
      }, 0);
    });
  }
}

/** Every how many items a sliced loop asks its slicer (a clock read per item would cost more than the check saves). */
export const SLICE_CHECK_EVERY = 64;
