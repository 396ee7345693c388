/**
 * Model-loading progress per worker, from the pool's `progress` events (warm-up and first use):
 * bytes loaded over bytes expected across a model's files, then `ready` with the backend.
 */
import type { ModelProgress } from '@taskweave/web-worker';

export interface ModelLoad {
  workerIndex: number;
  modelId: string;
  /** 0–1 over every file seen so far. */
  fraction: number;
  /** File being fetched now. */
  file: string;
  ready: boolean;
  backend?: string;
}

/** Accumulates progress events into one bar per (worker, model). */
export class ModelProgressTracker {
  readonly #loads = new Map<string, ModelLoad & { files: Map<string, { loaded: number; total: number }> }>();

  /** Feeds one event; returns true when something visible changed. */
  update(workerIndex: number, event: ModelProgress): boolean {
    const key = `${workerIndex}:${event.modelId}`;
    let load = this.#loads.get(key);
    if (!load) {
      load = { workerIndex, modelId: event.modelId, fraction: 0, file: '', ready: false, files: new Map() };
      this.#loads.set(key, load);
    }
    switch (event.status) {
      case 'initiate':
        load.ready = false;
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
  forWorker(workerIndex: number): ModelLoad[] {
    return [...this.#loads.values()].filter((l) => l.workerIndex === workerIndex);
  }
}
