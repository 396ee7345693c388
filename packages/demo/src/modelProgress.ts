/**
 * Model-loading progress per worker (by its id), from the pool's `progress` events (warm-up and
 * first use): bytes loaded over bytes expected across a model's files, then `ready` with the
 * backend. A model stays ready in its worker: a file fetched later (a tokenizer's own files, say)
 * counts into the bar but does not make the model "loading" again.
 */
import type { ModelProgress } from '@taskweave/web-worker';

export interface ModelLoad {
  workerId: number;
  modelId: string;
  /** 0–1 over every file seen so far. */
  fraction: number;
  /** File being fetched now ('' when none is). */
  file: string;
  ready: boolean;
  backend?: string;
}

/** Accumulates progress events into one bar per (worker, model). */
export class ModelProgressTracker {
  readonly #loads = new Map<string, ModelLoad & { files: Map<string, { loaded: number; total: number }> }>();

  /** Feeds one event; returns true when something visible changed. */
  update(workerId: number, event: ModelProgress): boolean {
    const key = `${workerId}:${event.modelId}`;
    let load = this.#loads.get(key);
    if (!load) {
      load = { workerId, modelId: event.modelId, fraction: 0, file: '', ready: false, files: new Map() };
      this.#loads.set(key, load);
    }
    switch (event.status) {
      case 'initiate':
        load.file = event.file;
        load.files.set(event.file, load.files.get(event.file) ?? { loaded: 0, total: 0 });
        break;
      case 'progress':
        load.file = event.file;
        load.files.set(event.file, { loaded: event.loaded, total: event.total });
        break;
      case 'done': {
        const f = load.files.get(event.file);
        if (f) f.loaded = f.total;
        if (load.file === event.file) load.file = '';
        break;
      }
      case 'ready':
        load.ready = true;
        load.backend = event.backend;
        load.file = '';
        break;
    }
    let loaded = 0;
    let total = 0;
    for (const f of load.files.values()) {
      loaded += f.loaded;
      total += f.total;
    }
    load.fraction = load.ready ? 1 : total > 0 ? Math.min(1, loaded / total) : 0;
    return true;
  }

  /** Bars for one worker. */
  forWorker(workerId: number): ModelLoad[] {
    return [...this.#loads.values()].filter((l) => l.workerId === workerId);
  }

  /** Forgets the bars of workers that are gone (replaced after a crash, or recycled). */
  keepOnly(workerIds: ReadonlySet<number>): void {
    for (const [key, load] of this.#loads) if (!workerIds.has(load.workerId)) this.#loads.delete(key);
  }
}
