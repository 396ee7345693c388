/**
 * Finished tasks leaving the store: `prune()` by a rule, and the `retention` option running that
 * rule on a timer. (Leaving memory is `GcQueue`'s part: `gcTimeMs`, `maxFinishedInMemory`.)
 */
import { toTaskweaveError } from '../errors.js';
import type { PruneOptions } from '../ports.js';
import { pruneRule } from './options.js';
import type { SchedulerState } from './state.js';

/** Prunes the store on demand and, with a `retention` rule, every `everyMs` until close. */
export class Retention {
  readonly #s: SchedulerState;
  /** Recovery's promise: a prune waits for the store's tasks to be queued first. */
  readonly #ready: () => Promise<unknown>;
  #timer: unknown;

  constructor(state: SchedulerState, ready: () => Promise<unknown>) {
    this.#s = state;
    this.#ready = ready;
  }

  /** Removes finished tasks by the rule (default: the retention rule); all finished leave memory. */
  async prune(options: PruneOptions | undefined): Promise<number> {
    await this.#ready();
    const s = this.#s;
    const rule = options === undefined ? (s.options.retention?.rule ?? {}) : pruneRule(options);
    await s.writes.drained();
    const removed = await s.options.store.prune(rule);
    s.finished.clear();
    return removed;
  }

  /** Runs the retention rule now and then every `everyMs`, until close. */
  start(): void {
    const s = this.#s;
    const retention = s.options.retention;
    if (retention === undefined || s.closed) return;
    const run = () => {
      this.#timer = undefined;
      if (s.closed) return;
      this.prune(undefined).then(
        () => schedule(),
        (error: unknown) => {
          if (s.closed) return;
          s.events.emit({ type: 'error', error: toTaskweaveError(error) });
          schedule();
        },
      );
    };
    const schedule = () => {
      if (s.closed) return;
      this.#timer = s.options.clock.setTimeout(run, retention.everyMs);
      (this.#timer as { unref?: () => void } | null)?.unref?.();
    };
    run();
  }

  /** Stops the timer (the scheduler is closing). */
  stop(): void {
    if (this.#timer !== undefined) this.#s.options.clock.clearTimeout(this.#timer);
  }
}
