/**
 * A call in the pool's hands: the tasks it runs on one worker (each with its own context), the
 * warm-ups waiting for a worker, and the check a task passes before it is handed to a worker.
 */
import { serializeError, type ValidationError, type BatchOutcome, type ExecutionContext, type Task, type TaskProgress } from '@taskweave/core';
import type { JobRequest, JobSink } from '../../shared/protocol.js';
import type { ModelProgress } from '../../shared/modelProgress.js';
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
  const request: JobRequest = { jobId, tasks: members.map((m) => m.task), backend };
  if (members.some((m) => m.ctx.dependencies.length > 0)) request.dependencies = members.map((m) => m.ctx.dependencies);
  if (members.some((m) => m.ctx.resumeFrom !== undefined)) request.resumeFrom = members.map((m) => m.ctx.resumeFrom);
  return request;
}

/**
 * The pool's end of a call (sent to the worker as a `Comlink.proxy`): model progress to `model`,
 * each task's chunks and progress to its own context, checkpoints to its context, answered once
 * durable (a refusal as data).
 */
export function callSink(members: readonly Member[], model: (event: ModelProgress) => void): JobSink {
  return {
    model(event) {
      model(event);
      // Waiting for a model is the task's progress too: one bar from the click to the result.
      const progress = modelWait(event);
      for (const member of members) member.ctx.progress(progress);
    },
    reports(batch) {
      for (const report of batch) {
        const ctx = members[report.task]?.ctx;
        if (ctx === undefined) continue;
        if (report.chunks !== undefined) for (const chunk of report.chunks) ctx.emit(chunk);
        if (report.progress !== undefined) ctx.progress(report.progress);
      }
    },
    async checkpoint(task, state) {
      const ctx = members[task]?.ctx;
      if (ctx === undefined) return serializeError(new Error(`No task ${task} in this call`));
      try {
        await ctx.checkpoint(state);
        return undefined;
      } catch (error) {
        return serializeError(error);
      }
    },
  };
}

/**
 * A model-loading event as the progress of the task waiting for it: the download in bytes, then
 * the session being created (no fraction to show: `total` absent), then ready.
 */
export function modelWait(event: ModelProgress): TaskProgress {
  switch (event.status) {
    case 'initiate':
      return { done: 0, note: `loading ${event.modelId}: ${event.file}` };
    case 'progress':
      return { done: event.loaded, total: event.total, note: `downloading ${event.modelId}: ${event.file}` };
    case 'done':
      // After the weights, the session is made: on a warm cache that takes longer than the download.
      return event.file.endsWith('.onnx') ? { done: 0, note: `starting ${event.modelId}` } : { done: 0, note: `loading ${event.modelId}: ${event.file} loaded` };
    case 'ready':
      return { done: 1, total: 1, note: `${event.modelId} ready on ${event.backend}` };
  }
}
