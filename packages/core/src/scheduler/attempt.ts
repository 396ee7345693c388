import type { ExecutionContext, MeasuredMetrics, TaskProgress } from '../ports.js';
import type { TaskweaveError } from '../errors.js';
import type { TaskResult } from '../task.js';
import type { Entry } from './entry.js';
import type { Reports } from './reports.js';

/**
 * The `ExecutionContext` of one attempt. Its AbortController is made on the first read of
 * `signal`, so an executor that never looks at it pays nothing; an abort before that read
 * still shows, as an already aborted signal.
 */
export class Attempt implements ExecutionContext {
  readonly attempt: number;
  readonly dependencies: readonly TaskResult[];
  /** What the executor reported for this attempt, merged. */
  reported: MeasuredMetrics | undefined;
  /** Handed to the executor: its start is in the store (no other writer can end it there now). */
  handed = false;
  /**
   * A cancel asked while it runs, for a task whose cancel the executor's outcome settles
   * (`Executor.cancelWaitsForOutcome`): its error, and the `cancel()` calls waiting to learn
   * whether the task ended Cancelled (or Completed first).
   */
  cancel: { error: TaskweaveError; answers: ((cancelled: boolean) => void)[] } | undefined;
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #over = false;
  #report: ((metrics: MeasuredMetrics) => void) | undefined;
  readonly #entry: Entry;
  readonly #reports: Reports;

  constructor(attempt: number, dependencies: readonly TaskResult[], entry: Entry, reports: Reports) {
    this.attempt = attempt;
    this.dependencies = dependencies;
    this.#entry = entry;
    this.#reports = reports;
  }

  get resumeFrom(): unknown {
    return this.#entry.checkpoint?.state;
  }

  /** Settled: what it reports now is dropped. */
  get over(): boolean {
    return this.#over;
  }

  progress(progress: TaskProgress): void {
    this.#reports.progress(this.#entry, this, progress);
  }

  emit(chunk: unknown): void {
    this.#reports.emit(this.#entry, this, chunk);
  }

  checkpoint(state: unknown): Promise<void> {
    return this.#reports.checkpoint(this.#entry, this, state);
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Bound on first read, so `const { reportMetrics } = ctx` works too. */
  get reportMetrics(): (metrics: MeasuredMetrics) => void {
    return (this.#report ??= (metrics) => {
      if (!this.#over) this.reported = { ...this.reported, ...metrics };
    });
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }

  /** The attempt is settled: later reports are ignored. */
  end(): void {
    this.#over = true;
  }
}
