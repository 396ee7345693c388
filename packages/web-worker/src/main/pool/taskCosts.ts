/**
 * What tasks cost in a worker, learnt from the durations the workers report: the one cost model
 * of the page. The pool reads it to batch the types that cost less than `cheapTaskMs` (a no-op
 * custom task, a short text split), where the per-call costs — one durable start write, one
 * message each way — outweigh the work; such a batch runs its tasks one after the other in one
 * worker (no batch handler needed), each with its own outcome, and holds about 16 ms of their
 * work (at most 256 tasks), so no result waits long for its batch-mates. Placement reads it
 * (through the pool's `expectedDurationMs`) for how long a task would take on the device.
 */

/** Work one batch of cheap tasks holds, about: enough to spread the per-call costs thin. */
const CHEAP_BATCH_MS = 16;
/** Most cheap tasks in one call. */
export const MAX_CHEAP_BATCH = 256;

/** Samples before a type's mean counts as cheap. */
const MIN_SAMPLES = 4;
/** Weight of the newest sample in the moving mean. */
const ALPHA = 0.2;

interface Cost {
  meanMs: number;
  samples: number;
}

/**
 * Exponentially weighted mean duration per task type and model (the newest sample weighs 0.2).
 *
 * @example
 * const costs = new TaskCosts(1)
 * costs.record('custom:noop', undefined, 0.05)
 * costs.meanMs('custom:noop', undefined) // 0.05
 * costs.isCheap('custom:noop') // true after 4 such samples
 */
export class TaskCosts {
  readonly #cheapMs: number;
  readonly #costs = new Map<string, Cost>();

  /** @param cheapMs below this mean a type without a model is cheap; 0 turns cheapness off */
  constructor(cheapMs: number) {
    this.#cheapMs = cheapMs;
  }

  /** Adds one duration a worker reported for a task of `type` on `modelId`; ignores a missing or bad one. */
  record(type: string, modelId: string | undefined, durationMs: number | undefined): void {
    if (durationMs === undefined || !Number.isFinite(durationMs) || durationMs < 0) return;
    const key = costKey(type, modelId);
    const cost = this.#costs.get(key);
    if (cost === undefined) this.#costs.set(key, { meanMs: durationMs, samples: 1 });
    else {
      cost.meanMs += ALPHA * (durationMs - cost.meanMs);
      cost.samples++;
    }
  }

  /** The mean duration of `type` on `modelId`, from the first sample on; `undefined` before it. */
  meanMs(type: string, modelId: string | undefined): number | undefined {
    return this.#costs.get(costKey(type, modelId))?.meanMs;
  }

  /** Tasks of `type` without a model: measured often enough, and on average under the threshold. */
  isCheap(type: string): boolean {
    if (this.#cheapMs <= 0) return false;
    const cost = this.#costs.get(costKey(type, undefined));
    return cost !== undefined && cost.samples >= MIN_SAMPLES && cost.meanMs < this.#cheapMs;
  }

  /** How many tasks of `type` (without a model) share one call: about 16 ms of their work, 1 when it is not cheap. */
  batchSize(type: string): number {
    if (!this.isCheap(type)) return 1;
    const mean = (this.#costs.get(costKey(type, undefined)) as Cost).meanMs;
    return Math.max(2, Math.min(MAX_CHEAP_BATCH, Math.floor(CHEAP_BATCH_MS / Math.max(mean, 0.01))));
  }
}

function costKey(type: string, modelId: string | undefined): string {
  return `${type}\u0000${modelId ?? ''}`;
}
