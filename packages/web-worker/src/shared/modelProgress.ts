/**
 * Model-loading progress: reported by a worker's model layer, passed to the main thread through a
 * comlink proxy, shown by the pool's events and `warmUp`.
 */

/**
 * Model-loading progress, tagged by `status`.
 * @example if (event.status === 'progress') bar.value = event.progress
 */
export type ModelProgress =
  | { status: 'initiate'; modelId: string; file: string }
  | { status: 'progress'; modelId: string; file: string; loaded: number; total: number; progress: number }
  | { status: 'done'; modelId: string; file: string }
  | { status: 'ready'; modelId: string; backend: string };
