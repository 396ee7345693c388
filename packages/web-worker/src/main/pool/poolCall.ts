/**
 * A call in the pool's hands: the tasks it runs on one worker (each with its own context), the
 * warm-ups waiting for a worker, and the check a task passes before it is handed to a worker.
 */
import { ValidationError, type BatchOutcome, type ExecutionContext, type Task } from '@taskweave/core';
import type { BackendPreference } from '../../shared/backendPreference.js';
import type { JobRequest } from '../../shared/protocol.js';
import type { WarmUpOptions, WarmUpReport } from './poolEvents.js';
import { BACKENDS } from './poolOptions.js';

/** One task of a call, with its own context. */
export interface Member {
  task: Task;
  ctx: ExecutionContext;
  aborted: boolean;
}

/** A call (one task or a batch) assigned to a worker, or a warm-up running there. */
export interface Running {
  jobId: number;
  members: Member[];
  backend: BackendPreference;
  /** False while the assigned worker is still starting. */
  dispatched: boolean;
  graceTimer: ReturnType<typeof setTimeout> | undefined;
  settled: boolean;
  resolve(outcomes: BatchOutcome[]): void;
  reject(error: unknown): void;
  detach(): void;
  warm?: WarmJob;
}

/** A `warmUp` for one worker, waiting for it or running there. */
export interface WarmJob {
  index: number;
  modelId: string;
  backend: BackendPreference;
  options: WarmUpOptions;
  done(entry: WarmUpReport['workers'][number]): void;
}

/** A ValidationError when the task's `metadata.backend` names no backend. */
export function badBackend(task: Task): ValidationError | undefined {
  const requested = task.metadata?.['backend'];
  if (requested === undefined || BACKENDS.includes(requested)) return undefined;
  return new ValidationError(`Task ${task.id}: metadata.backend must be 'auto', 'webgpu' or 'wasm', got ${requested}`, [
    { path: ['metadata', 'backend'], field: 'metadata.backend', message: "must be 'auto', 'webgpu' or 'wasm'" },
  ]);
}

/**
 * The request of a call: its tasks, and their dependencies' results only where a member has
 * dependencies (cloned into the worker; a call without any sends none).
 */
export function jobRequest(jobId: number, members: readonly Member[], backend: BackendPreference): JobRequest {
  const tasks = members.map((m) => m.task);
  const withDependencies = members.some((m) => m.ctx.dependencies.length > 0);
  return withDependencies ? { jobId, tasks, backend, dependencies: members.map((m) => m.ctx.dependencies) } : { jobId, tasks, backend };
}
