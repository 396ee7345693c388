/**
 * What a running attempt reports besides its end: progress, partial outputs (chunks) and
 * checkpoints. Progress and chunks become events at once; a checkpoint is written with the task's
 * record (durable before `checkpoint()` resolves) and announced as progress, not as a status.
 * Reports of an attempt that is over (settled, retried, cancelled) are dropped.
 */
import { cloneSizeOf, findUncloneable } from '../cloneable.js';
import { CancelledError, ValidationError } from '../errors.js';
import type { TaskProgress } from '../ports.js';
import type { Attempt } from './attempt.js';
import type { Entry } from './entry.js';
import { record, type SchedulerState } from './state.js';

export class Reports {
  readonly #s: SchedulerState;

  constructor(state: SchedulerState) {
    this.#s = state;
  }

  #live(entry: Entry, attempt: Attempt): boolean {
    return !this.#s.closed && entry.phase === 'running' && entry.current === attempt && !attempt.over;
  }

  progress(entry: Entry, attempt: Attempt, progress: TaskProgress): void {
    if (!this.#live(entry, attempt)) return;
    const done = Number(progress?.done);
    if (!Number.isFinite(done)) return;
    const reported: TaskProgress = { done };
    if (progress.total !== undefined && Number.isFinite(progress.total)) reported.total = progress.total;
    if (typeof progress.note === 'string') reported.note = progress.note;
    entry.progress = reported;
    this.#s.events.emit({ type: 'progress', taskId: entry.task.id, ...reported });
  }

  emit(entry: Entry, attempt: Attempt, chunk: unknown): void {
    if (!this.#live(entry, attempt)) return;
    this.#s.events.emit({ type: 'chunk', taskId: entry.task.id, index: entry.chunks++, chunk });
  }

  checkpoint(entry: Entry, attempt: Attempt, state: unknown): Promise<void> {
    const s = this.#s;
    const id = entry.task.id;
    if (!this.#live(entry, attempt)) return Promise.reject(new CancelledError(`Task ${id}'s attempt is over: its checkpoint was not taken`));
    const bad = findUncloneable(state);
    if (bad !== undefined) {
      const path = ['checkpoint', ...bad.path];
      return Promise.reject(new ValidationError(`Task ${id}'s checkpoint holds ${bad.what}, which cannot be stored`, [{ path, field: path.join('.'), message: `is ${bad.what}` }]));
    }
    const limit = s.options.maxCheckpointBytes;
    const bytes = cloneSizeOf(state, limit);
    if (bytes > limit) {
      return Promise.reject(
        new ValidationError(
          `Task ${id}'s checkpoint takes more than ${limit} bytes (maxCheckpointBytes): keep a checkpoint to what a resumed run needs (ids, a cursor), not the data`,
          [{ path: ['checkpoint'], field: 'checkpoint', message: `takes more than ${limit} bytes` }],
          { details: { taskId: id, limit } },
        ),
      );
    }
    const now = s.options.clock.now();
    entry.checkpoint = { state, chunks: entry.chunks, at: now, ...(entry.progress === undefined ? {} : { progress: entry.progress }) };
    const written = { ...record(entry, now), wrote: 'checkpoint' as const };
    return s.writes.write(written).then(() => {
      if (!s.events.hasListeners()) return;
      s.events.emit({ type: 'progress', taskId: id, ...(entry.progress ?? { done: 0 }), checkpoint: true });
    });
  }
}
