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
import { getModelHost, registerLazyBatchHandler, registerLazyHandler, registerModelHost } from './runtime/registry.js';
import { startWorkerRuntime } from './runtime/runtime.js';

// The model cache: loaded with the first model handler, configured (model budget, model and ORT
// URLs from the pool's options) before any model loads.
registerModelHost({ load: async () => (await import('./models/models.js')).modelHost });

/**
 * Loads a built-in model handler together with the model host, and hands it out only once the host
 * is loaded (and so configured with the pool's model settings): no model loads before that.
 */
function afterModelHost<T>(load: () => Promise<T>): () => Promise<T> {
  return async () => (await Promise.all([load(), getModelHost()]))[0];
}

registerLazyHandler('TextProcessing', afterModelHost(async () => (await import('./handlers/text.js')).textHandler));
registerLazyBatchHandler(
  'EmbeddingGeneration',
  afterModelHost(async () => (await import('./handlers/embedding.js')).embeddingBatchHandler),
);
registerLazyHandler('ModelInference', afterModelHost(async () => (await import('./handlers/inference.js')).inferenceHandler));

registerLazyHandler('VectorSearch', async () => (await import('./handlers/vector.js')).vectorSearchHandler);
registerLazyHandler('DataStorage', async () => (await import('./handlers/storage.js')).dataStorageHandler);
registerLazyHandler('DataRetrieval', async () => (await import('./handlers/storage.js')).dataRetrievalHandler);

startWorkerRuntime();

export { registerHandler, registerBatchHandler } from './runtime/registry.js';
export type { BatchHandler, BatchHandlerContext, CallContext, HandlerContext, ModelHost, TaskHandler } from './runtime/handler.js';
export type { BackendPreference } from '../shared/backendPreference.js';
export type { ModelProgress, HandlerProgress, TaskProgressReport } from '../shared/modelProgress.js';
export { registerEmbedder } from './handlers/embedder.js';
export type { Embedder } from './handlers/embedder.js';
export { configureCollections } from './collections/collectionStore.js';
