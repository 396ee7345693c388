/**
 * `tw.warmUp(model)` from any tab: the leader warms its pool's workers; a follower asks the leader
 * on the shared channel (`warm-up`) and gets the leader's progress (`warm-up-progress`, model
 * events are not payloads) and its report (`warm-up-reply`). A follower asks again when the lead
 * changes, and runs it itself if it takes the lead.
 */
import { TaskweaveError, deserializeError, serializeError, type SerializedError } from '@taskweave/core';
import type { WarmUpOptions, WarmUpReport } from '../../pool/poolEvents.js';
import type { WorkerPool } from '../../pool/workerPool.js';
import type { ModelProgress } from '../../../shared/modelProgress.js';
import type { BackendPreference } from '../../../shared/backendPreference.js';
import type { TabMessage } from './tabMessages.js';

/** A warm-up report as it crosses tabs (errors serialized). */
export interface WireWarmUpReport {
  modelId: string;
  workers: Array<Omit<WarmUpReport['workers'][number], 'error'> & { error?: SerializedError }>;
}

export type WarmUpMessage =
  | { type: 'warm-up'; requestId: string; modelId: string; backend?: BackendPreference; workers?: number }
  | { type: 'warm-up-progress'; requestId: string; event: ModelProgress & { workerIndex: number } }
  | { type: 'warm-up-reply'; requestId: string; report?: WireWarmUpReport; error?: SerializedError };

interface Pending {
  modelId: string;
  options: WarmUpOptions;
  resolve(report: WarmUpReport): void;
  reject(error: unknown): void;
}

export class WarmUpRelay {
  readonly #post: (message: TabMessage) => void;
  readonly #pending = new Map<string, Pending>();

  constructor(post: (message: TabMessage) => void) {
    this.#post = post;
  }

  /** Warms `modelId`: on this tab's pool when it leads, else through the leader. */
  warmUp(pool: WorkerPool | undefined, leading: boolean, modelId: string, options: WarmUpOptions = {}): Promise<WarmUpReport> {
    if (leading) {
      if (pool === undefined) return Promise.reject(new TaskweaveError('not-configured', 'warmUp needs the worker pool; this taskweave runs a custom executor', { retryable: false }));
      return pool.warmUp(modelId, options);
    }
    const requestId = crypto.randomUUID();
    return new Promise<WarmUpReport>((resolve, reject) => {
      this.#pending.set(requestId, { modelId, options, resolve, reject });
      this.#ask(requestId);
    });
  }

  #ask(requestId: string): void {
    const pending = this.#pending.get(requestId);
    if (pending === undefined) return;
    const { backend, workers } = pending.options;
    this.#post({ type: 'warm-up', requestId, modelId: pending.modelId, ...(backend === undefined ? {} : { backend }), ...(workers === undefined ? {} : { workers }) });
  }

  /** The lead changed: ask the new leader again (a pool warms a model once; a repeat is cheap). */
  askAgain(): void {
    for (const requestId of this.#pending.keys()) this.#ask(requestId);
  }

  /** This tab took the lead: what it waited for, it now runs itself. */
  lead(pool: WorkerPool | undefined): void {
    for (const [requestId, pending] of this.#pending) {
      this.#pending.delete(requestId);
      this.warmUp(pool, true, pending.modelId, pending.options).then(pending.resolve, pending.reject);
    }
  }

  /** The leader's side of a follower's request, and a follower's side of the answers. */
  onMessage(message: WarmUpMessage, pool: WorkerPool | undefined, leading: boolean): void {
    if (message.type === 'warm-up') {
      if (!leading) return;
      const { requestId, modelId, backend, workers } = message;
      const options: WarmUpOptions = {
        ...(backend === undefined ? {} : { backend }),
        ...(workers === undefined ? {} : { workers }),
        onProgress: (event) => this.#post({ type: 'warm-up-progress', requestId, event }),
      };
      this.warmUp(pool, true, modelId, options).then(
        (report) => this.#post({ type: 'warm-up-reply', requestId, report: toWire(report) }),
        (error: unknown) => this.#post({ type: 'warm-up-reply', requestId, error: serializeError(error) }),
      );
      return;
    }
    const pending = this.#pending.get(message.requestId);
    if (pending === undefined) return;
    if (message.type === 'warm-up-progress') {
      try {
        pending.options.onProgress?.(message.event);
      } catch {
        // A UI callback must not break the warm-up.
      }
      return;
    }
    this.#pending.delete(message.requestId);
    if (message.error !== undefined) pending.reject(deserializeError(message.error));
    else if (message.report !== undefined) pending.resolve(fromWire(message.report));
  }

  close(error: TaskweaveError): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

function toWire(report: WarmUpReport): WireWarmUpReport {
  return {
    modelId: report.modelId,
    workers: report.workers.map(({ error, ...rest }) => (error === undefined ? rest : { ...rest, error: serializeError(error) })),
  };
}

function fromWire(report: WireWarmUpReport): WarmUpReport {
  return {
    modelId: report.modelId,
    workers: report.workers.map(({ error, ...rest }) => (error === undefined ? rest : { ...rest, error: deserializeError(error) })),
  };
}
