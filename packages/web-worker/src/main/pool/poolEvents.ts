/**
 * What the pool shows a UI: snapshots of its workers, its events, and warm-up reports.
 */
import type { TaskId, TaskweaveError } from '@taskweave/core';
import type { BackendPreference } from '../../shared/backendPreference.js';
import type { ModelProgress } from '../../shared/modelProgress.js';
import type { WorkerEndReason, WorkerState } from './workerState.js';

/** One worker as a UI sees it. */
export interface WorkerSnapshot {
  index: number;
  /** Unique per worker ever started by this pool (a replacement gets a new id). */
  id: number;
  state: WorkerState;
  /** Models loaded, least recently used first. */
  models: string[];
  /** Backend the worker's last task reported. */
  backend: string | undefined;
  /** Tasks it runs now (several for a batch). */
  taskIds: TaskId[];
  jobsDone: number;
}

/** The pool as a UI sees it. */
export interface PoolSnapshot {
  size: number;
  workers: WorkerSnapshot[];
  /** Workers replaced after a crash so far. */
  replaced: number;
  /** Workers replaced on purpose between jobs (the `recycle` option) so far. */
  recycled: number;
}

/** Events of `pool.subscribe`, tagged by `type`. */
export type PoolEvent =
  | { type: 'worker'; worker: WorkerSnapshot }
  | { type: 'crash'; workerIndex: number; workerId: number; reason: WorkerEndReason; message: string; taskIds: TaskId[] }
  | { type: 'progress'; workerIndex: number; taskId: TaskId | undefined; progress: ModelProgress }
  | { type: 'batch'; workerIndex: number; modelId: string | undefined; taskIds: TaskId[] }
  | { type: 'unhandled-rejection'; workerIndex: number; error: TaskweaveError };

/** Options of `pool.warmUp`. */
export interface WarmUpOptions {
  /** Model-loading progress of each worker. */
  onProgress?: (event: ModelProgress & { workerIndex: number }) => void;
  backend?: BackendPreference;
  /** Warm only the first N workers. @default all */
  workers?: number;
}

/** What `warmUp` did in each worker. */
export interface WarmUpReport {
  modelId: string;
  workers: Array<{
    index: number;
    ok: boolean;
    backend?: string;
    durationMs: number;
    networkBytes: number;
    error?: TaskweaveError;
  }>;
}

