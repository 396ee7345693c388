/**
 * What a running call's handlers report besides their outputs — partial outputs (`ctx.emit`),
 * task progress (`ctx.progress({ kind: 'task', … })`) and checkpoints — coalesced across the
 * worker boundary so a handler that emits per token costs one message per frame, not one per
 * token:
 * - chunks go at once when none went in the last `CHUNK_EVERY_MS` (16 ms: a frame), else together
 *   at the end of that window, or at once when `CHUNK_BYTES` (4 KB) gathered;
 * - progress goes at most every `PROGRESS_EVERY_MS` (100 ms), the latest value, with the chunks;
 * - a checkpoint first sends what is pending, so its chunk count covers every chunk before it;
 * - the call's end sends what is pending and waits until the pool has taken every report: they
 *   travel on the sink's own port and the result on the worker's, and two ports keep no order
 *   between them, so a result must not overtake the last chunks.
 * Leading-edge: a slow stream (a token every 20 ms) is never held back; only bursts are merged.
 */
import { CHUNK_BYTES, CHUNK_EVERY_MS, PROGRESS_EVERY_MS, cloneSizeOf, deserializeError, type TaskProgress } from '@taskweave/core';
import type { JobSink, TaskReports } from '../../shared/protocol.js';

// The pace is core's (reportPace.ts): a taskweave-worker's job reports keep the same one.
export { CHUNK_BYTES, CHUNK_EVERY_MS, PROGRESS_EVERY_MS };

interface Pending {
  chunks: unknown[] | undefined;
  progress: TaskProgress | undefined;
  progressSentAt: number;
}

export class Outbox {
  readonly #sink: JobSink | undefined;
  readonly #tasks: Pending[] = [];
  #bytes = 0;
  #sentAt = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #closed = false;
  /** Reports sent and not yet taken by the pool. */
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(sink: JobSink | undefined) {
    this.#sink = sink;
  }

  #task(index: number): Pending {
    return (this.#tasks[index] ??= { chunks: undefined, progress: undefined, progressSentAt: Number.NEGATIVE_INFINITY });
  }

  emit(task: number, chunk: unknown): void {
    if (this.#closed || this.#sink === undefined) return;
    (this.#task(task).chunks ??= []).push(chunk);
    this.#bytes += typeof chunk === 'string' ? 2 * chunk.length : cloneSizeOf(chunk, CHUNK_BYTES);
    if (this.#bytes >= CHUNK_BYTES) this.flush();
    else this.#schedule(this.#sentAt + CHUNK_EVERY_MS);
  }

  progress(task: number, progress: TaskProgress): void {
    if (this.#closed || this.#sink === undefined) return;
    const pending = this.#task(task);
    pending.progress = progress;
    this.#schedule(Math.max(this.#sentAt + CHUNK_EVERY_MS, pending.progressSentAt + PROGRESS_EVERY_MS));
  }

  /** Sends what is pending, then the checkpoint; resolves once the pool says it is durable. */
  async checkpoint(task: number, state: unknown): Promise<void> {
    if (this.#sink === undefined) return;
    this.flush();
    const refused = await this.#sink.checkpoint(task, state);
    if (refused !== undefined) throw deserializeError(refused);
  }

  /** Sends every pending chunk and progress now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const sink = this.#sink;
    if (sink === undefined) return;
    const now = performance.now();
    const batch: TaskReports[] = [];
    let later = Number.POSITIVE_INFINITY;
    this.#tasks.forEach((pending, task) => {
      const report: TaskReports = { task };
      if (pending.chunks !== undefined) {
        report.chunks = pending.chunks;
        pending.chunks = undefined;
      }
      if (pending.progress !== undefined) {
        // Progress keeps its own, slower pace: it waits for its next turn unless the call ends.
        if (this.#closed || now - pending.progressSentAt >= PROGRESS_EVERY_MS) {
          report.progress = pending.progress;
          pending.progress = undefined;
          pending.progressSentAt = now;
        } else later = Math.min(later, pending.progressSentAt + PROGRESS_EVERY_MS);
      }
      if (report.chunks !== undefined || report.progress !== undefined) batch.push(report);
    });
    this.#bytes = 0;
    if (batch.length > 0) {
      this.#sentAt = now;
      // A report must never fail the job; the call's end waits for it (see `close`).
      const sent: Promise<unknown> = Promise.resolve(sink.reports(batch)).catch(() => undefined);
      this.#inFlight.add(sent);
      void sent.then(() => this.#inFlight.delete(sent));
    }
    if (later !== Number.POSITIVE_INFINITY) this.#schedule(later);
  }

  /** The call ended: sends what is pending, takes no more, and resolves once the pool has taken every report. */
  async close(): Promise<void> {
    this.#closed = true;
    this.flush();
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
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
