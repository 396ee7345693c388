/**
 * A call in the pool's hands: the tasks it runs on one worker (each with its own context), the
 * warm-ups waiting for a worker, and the check a task passes before it is handed to a worker.
 */
import type { ValidationError, BatchOutcome, ExecutionContext, Task } from '@taskweave/core';
import type { JobRequest } from '../../shared/protocol.js';
import type { WarmUpOptions, WarmUpReport } from './poolEvents.js';
import { parseTaskBackend, type BackendPreference } from '../../shared/backendPreference.js';

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
  const backend = parseTaskBackend(task, 'auto');
  return typeof backend === 'string' ? undefined : backend;
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
