/**
 * The default worker entry, and the module an app's own worker imports
 * (`@taskweave/web-worker/worker`): registers the built-in handlers (loaded lazily on first use,
 * so a worker starts fast) and starts serving the pool. Register your own handlers after the
 * import, at the top level of your worker module:
 *
 * @example
 * // src/my-worker.ts
 * import { registerHandler } from '@taskweave/web-worker/worker'
 * registerHandler('custom:wordCount', async (task, ctx) => {
 *   if (task.input.kind !== 'text') throw new TaskweaveError('validation', 'input.kind must be text')
 *   ctx.signal.throwIfAborted()
 *   return { kind: 'custom', value: task.input.text.split(/\s+/).filter(Boolean).length }
 * })
 *
 * // src/app.ts
 * const pool = createWorkerPool({
 *   createWorker: () => new Worker(new URL('./my-worker.ts', import.meta.url), { type: 'module' }),
 * })
 */
import { TaskweaveError, type BuiltinTaskType } from '@taskweave/core';
import type { TaskHandler } from './handler.js';
import { registerHandler, registerLazyHandler } from './registry.js';
import { startWorkerRuntime } from './runtime.js';

function notConfigured(type: BuiltinTaskType, issue: string): TaskHandler {
  return async () => {
    throw new TaskweaveError('not-configured', `${type} tasks are not configured in this worker yet (${issue})`, {
      retryable: false,
      details: { field: 'type', type },
    });
  };
}

registerLazyHandler('VectorSearch', async () => (await import('./handlers/vector.js')).vectorSearchHandler);
registerLazyHandler('DataStorage', async () => (await import('./handlers/storage.js')).dataStorageHandler);
registerLazyHandler('DataRetrieval', async () => (await import('./handlers/storage.js')).dataRetrievalHandler);

startWorkerRuntime();

export { registerHandler, registerBatchHandler } from './registry.js';
export type { BackendPreference, BatchHandler, HandlerContext, ModelHost, ModelProgress, TaskHandler } from './handler.js';
