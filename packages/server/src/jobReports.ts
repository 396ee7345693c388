/**
 * What a running job's handler reports besides its output — partial outputs (`ctx.emit`), progress
 * (`ctx.progress`) and checkpoints (`ctx.checkpoint`) — on their way out of a `taskweave-worker`:
 *
 * - chunks and progress are coalesced at the browser outbox's pace (core's reportPace.ts: chunks
 *   leading-edge at most every 16 ms or per 4 KB, progress every 100 ms) and published through
 *   BullMQ's `job.updateProgress` as a `JobReport`, one at a time in order, so the queue's event
 *   stream (what the API's `QueueEvents` reads) holds them in index order;
 * - chunks are numbered per task from 0 (a resumed run from its checkpoint's `chunks`);
 * - a checkpoint first publishes what is pending (its `chunks` then covers only chunks that went
 *   out), then is stored in Redis with the task (`TaskBoard.saveCheckpoint`), size-bounded as in
 *   the browser (`MAX_CHECKPOINT_BYTES`, measured by core's `cloneSizeOf`);
 * - `close()` publishes what is pending and resolves once it is out: the worker calls it before
 *   it records the end, so the last report is in Redis before the end is.
 */
import {
  CHUNK_BYTES,
  CHUNK_EVERY_MS,
  CancelledError,
  PROGRESS_EVERY_MS,
  ValidationError,
  cloneSizeOf,
  toPlainJson,
  type TaskCheckpoint,
  type TaskProgress,
} from '@taskweave/core';

/**
 * What a job's `progress` holds (BullMQ's `job.updateProgress`): the chunks numbered
 * `from`, `from + 1`, … (plain JSON), and the latest progress when it changed.
 */
export interface JobReport {
  from: number;
  chunks: unknown[];
  progress?: TaskProgress;
}

/** Most bytes a checkpoint may take (as `cloneSizeOf` counts them), as the browser scheduler's `maxCheckpointBytes`. */
export const MAX_CHECKPOINT_BYTES = 65_536;

/** Where a job's reports go: the job's progress, and the task's checkpoint in Redis. */
export interface ReportSink {
  publish(report: JobReport): Promise<void>;
  saveCheckpoint(checkpoint: TaskCheckpoint): Promise<void>;
}

/** One job run's reports. */
export class JobReports {
  readonly #sink: ReportSink;
  #next: number;
  #chunks: unknown[] = [];
  #bytes = 0;
  #progress: TaskProgress | undefined;
  #latest: TaskProgress | undefined;
  #sentAt = Number.NEGATIVE_INFINITY;
  #progressSentAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #sending: Promise<void> = Promise.resolve();
  #closed = false;

  /** `firstIndex`: the number of the first chunk this run emits (the checkpoint's `chunks` on a resumed run, else 0). */
  constructor(sink: ReportSink, firstIndex: number) {
    this.#sink = sink;
    this.#next = firstIndex;
  }

  emit(chunk: unknown): void {
    if (this.#closed) return;
    this.#chunks.push(toPlainJson(chunk));
    this.#next++;
    this.#bytes += typeof chunk === 'string' ? 2 * chunk.length : cloneSizeOf(chunk, CHUNK_BYTES);
    if (this.#bytes >= CHUNK_BYTES) this.flush();
    else this.#schedule(this.#sentAt + CHUNK_EVERY_MS);
  }

  progress(progress: TaskProgress): void {
    if (this.#closed) return;
    const done = Number(progress?.done);
    if (!Number.isFinite(done)) return;
    const reported: TaskProgress = { done };
    if (progress.total !== undefined && Number.isFinite(progress.total)) reported.total = progress.total;
    if (typeof progress.note === 'string') reported.note = progress.note;
    this.#progress = this.#latest = reported;
    this.#schedule(Math.max(this.#sentAt + CHUNK_EVERY_MS, this.#progressSentAt + PROGRESS_EVERY_MS));
  }

  /** Publishes what is pending, then stores the checkpoint; resolves once it is in Redis. */
  async checkpoint(state: unknown): Promise<void> {
    if (this.#closed) throw new CancelledError('The attempt is over: its checkpoint was not taken');
    const bytes = cloneSizeOf(state, MAX_CHECKPOINT_BYTES);
    if (bytes > MAX_CHECKPOINT_BYTES) {
      throw new ValidationError(
        `The checkpoint takes more than ${MAX_CHECKPOINT_BYTES} bytes: keep a checkpoint to what a resumed run needs (ids, a cursor), not the data`,
        [{ path: ['checkpoint'], field: 'checkpoint', message: `takes more than ${MAX_CHECKPOINT_BYTES} bytes` }],
        { details: { limit: MAX_CHECKPOINT_BYTES } },
      );
    }
    const chunks = this.#next;
    const progress = this.#latest;
    await this.#drain(true);
    await this.#sink.saveCheckpoint({ state, chunks, at: Date.now(), ...(progress === undefined ? {} : { progress }) });
  }

  /** Publishes every pending chunk now, and the progress when its turn came (or `force`). */
  flush(force = false): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    const report: JobReport = { from: this.#next - this.#chunks.length, chunks: this.#chunks };
    this.#chunks = [];
    this.#bytes = 0;
    if (this.#progress !== undefined) {
      // Progress keeps its own, slower pace: it waits for its turn unless forced.
      if (force || now - this.#progressSentAt >= PROGRESS_EVERY_MS) {
        report.progress = this.#progress;
        this.#progress = undefined;
        this.#progressSentAt = now;
      } else this.#schedule(this.#progressSentAt + PROGRESS_EVERY_MS);
    }
    if (report.chunks.length === 0 && report.progress === undefined) return;
    this.#sentAt = now;
    // One at a time, in order; a report must never fail the job (a job removed meanwhile refuses it).
    this.#sending = this.#sending.then(() => this.#sink.publish(report)).catch(() => undefined);
  }

  /** The run ended: publishes what is pending and takes no more; resolves once it is out. */
  close(): Promise<void> {
    this.#closed = true;
    return this.#drain(true);
  }

  #drain(force: boolean): Promise<void> {
    this.flush(force);
    return this.#sending;
  }

  /** A flush at `at` (performance.now() time), or sooner when one is due sooner. */
  #schedule(at: number): void {
    if (at >= this.#timerAt) return;
    const wait = at - performance.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.flush(), wait);
  }
}
