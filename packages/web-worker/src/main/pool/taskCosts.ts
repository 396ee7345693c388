/**
 * What each task type costs in a worker, learnt from the durations the workers report: the pool
 * batches the types that cost less than `cheapTaskMs` (a no-op custom task, a short text split),
 * where the per-call costs — one durable start write, one message each way — outweigh the work.
 * Such a batch runs its tasks one after the other in one worker (no batch handler needed), each
 * with its own outcome; a batch holds about 16 ms of their work (at most 256 tasks), so no result
 * waits long for its batch-mates.
 */

/** Work one batch of cheap tasks holds, about: enough to spread the per-call costs thin. */
const CHEAP_BATCH_MS = 16;
/** Most cheap tasks in one call. */
export const MAX_CHEAP_BATCH = 256;

/** Samples before a type's mean counts. */
const MIN_SAMPLES = 4;
/** Weight of the newest sample in the moving mean. */
const ALPHA = 0.2;

interface Cost {
  meanMs: number;
  samples: number;
}

/**
 * Moving mean duration per task type.
 * @example const costs = new TaskCosts(1); costs.record('custom:noop', 0.05); costs.isCheap('custom:noop')
 */
export class TaskCosts {
  readonly #cheapMs: number;
  readonly #costs = new Map<string, Cost>();

  /** @param cheapMs below this mean a type is cheap; 0 turns it off */
  constructor(cheapMs: number) {
    this.#cheapMs = cheapMs;
  }

  record(type: string, durationMs: number | undefined): void {
    if (this.#cheapMs <= 0 || durationMs === undefined || !Number.isFinite(durationMs) || durationMs < 0) return;
    const cost = this.#costs.get(type);
    if (cost === undefined) this.#costs.set(type, { meanMs: durationMs, samples: 1 });
    else {
      cost.meanMs += ALPHA * (durationMs - cost.meanMs);
      cost.samples++;
    }
  }

  /** Measured often enough, and on average under the threshold. */
  isCheap(type: string): boolean {
    const cost = this.#costs.get(type);
    return cost !== undefined && cost.samples >= MIN_SAMPLES && cost.meanMs < this.#cheapMs;
  }

  /** How many tasks of `type` share one call: about 16 ms of their work, 1 when it is not cheap. */
  batchSize(type: string): number {
    if (!this.isCheap(type)) return 1;
    const mean = (this.#costs.get(type) as Cost).meanMs;
    return Math.max(2, Math.min(MAX_CHEAP_BATCH, Math.floor(CHEAP_BATCH_MS / Math.max(mean, 0.01))));
  }
}
