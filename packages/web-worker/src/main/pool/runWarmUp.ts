/**
 * A warm-up running on one worker (`WorkerPool.warmUp`, or a replacement re-loading models): the
 * worker is busy with it like with a call, its progress goes to the pool's events and the caller's
 * `onProgress`, and its answer settles that worker's entry of the report.
 */
import * as Comlink from 'comlink';
import { deserializeError, toTaskweaveError } from '@taskweave/core';
import type { BackendPreference } from '../../shared/backendPreference.js';
import type { ModelProgress } from '../../shared/modelProgress.js';
import type { WorkerHealth } from '../../shared/protocol.js';
import type { PoolEvent, WorkerSnapshot } from './poolEvents.js';
import type { Running, WarmJob } from './poolCall.js';
import { WorkerEndedSignal, type WorkerSlot } from './workerSlot.js';

/** What a warm-up needs of the pool. */
export interface WarmUpHost {
  readonly running: Map<WorkerSlot, Running>;
  emit(event: PoolEvent): void;
  describe(slot: WorkerSlot): WorkerSnapshot;
  schedulePump(): void;
  /** The backend a warm-up asks for, after what the pool learnt of WebGPU. */
  backendFor(preference: BackendPreference): BackendPreference;
  /** What the worker said of itself after the warm-up (replace it, WebGPU failed). */
  heed(slot: WorkerSlot, health: WorkerHealth | undefined): void;
}

/** Runs `warm` on `slot` (idle, holding no call); a worker that ends meanwhile is the pool's to report. */
export function runWarmUp(pool: WarmUpHost, slot: WorkerSlot, warm: WarmJob): void {
  const running: Running = {
    jobId: -1,
    members: [],
    backend: warm.backend,
    dispatched: true,
    graceTimer: undefined,
    settled: true,
    resolve: () => undefined,
    reject: () => undefined,
    detach: () => undefined,
    warm,
  };
  pool.running.set(slot, running);
  slot.state = 'busy';
  pool.emit({ type: 'worker', worker: pool.describe(slot) });
  const progress = Comlink.proxy((event: ModelProgress) => {
    pool.emit({ type: 'progress', workerIndex: slot.index, taskId: undefined, progress: event });
    try {
      warm.options.onProgress?.({ ...event, workerIndex: slot.index });
    } catch {
      // A UI callback must not break the warm-up.
    }
  });
  slot.call((api) => api.warmUp(warm.modelId, pool.backendFor(warm.backend), progress)).then(
    (outcome) => {
      if (pool.running.get(slot) !== running) return;
      pool.running.delete(slot);
      slot.models = outcome.models;
      if (outcome.backend !== undefined) slot.backend = outcome.backend;
      warm.done({
        index: slot.index,
        ok: outcome.ok,
        durationMs: outcome.durationMs,
        networkBytes: outcome.networkBytes,
        ...(outcome.backend === undefined ? {} : { backend: outcome.backend }),
        ...(outcome.error === undefined ? {} : { error: deserializeError(outcome.error) }),
      });
      if (slot.state === 'busy') slot.state = 'idle';
      pool.heed(slot, outcome.health);
      pool.emit({ type: 'worker', worker: pool.describe(slot) });
      pool.schedulePump();
    },
    (error: unknown) => {
      // A worker that ended is reported by #onWorkerEnd; anything else failed only this call.
      if (error instanceof WorkerEndedSignal || pool.running.get(slot) !== running) return;
      pool.running.delete(slot);
      warm.done({ index: slot.index, ok: false, durationMs: 0, networkBytes: 0, error: toTaskweaveError(error) });
      if (slot.state === 'busy') slot.state = 'idle';
      pool.schedulePump();
    },
  );
}
