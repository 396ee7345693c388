/**
 * Model-loading progress: reported by a worker's model layer, passed to the main thread through a
 * comlink proxy, shown by the pool's events and `warmUp`.
 */

/**
 * Model-loading progress (`kind: 'model'`), tagged by `status`.
 * @example if (event.status === 'progress') bar.value = event.progress
 */
export type ModelProgress =
  | { kind: 'model'; status: 'initiate'; modelId: string; file: string }
  | { kind: 'model'; status: 'progress'; modelId: string; file: string; loaded: number; total: number; progress: number }
  | { kind: 'model'; status: 'done'; modelId: string; file: string }
  | { kind: 'model'; status: 'ready'; modelId: string; backend: string };

/**
 * How far a task is, as its handler reports it (`ctx.progress({ kind: 'task', done, total })`):
 * `done` of `total` units, a short note.
 */
export interface TaskProgressReport {
  kind: 'task';
  done: number;
  total?: number;
  note?: string;
}

/**
 * What a handler reports through `ctx.progress`, tagged by `kind`: a model loading, or the task's own progress.
 * @example ctx.progress({ kind: 'task', done: page, total: pages, note: 'OCR' })
 */
export type HandlerProgress = ModelProgress | TaskProgressReport;
