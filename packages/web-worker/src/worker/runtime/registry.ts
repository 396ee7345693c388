/**
 * The worker's handler registry: task type → handler, task type → batch handler, and the model
 * host. Handlers are functions registered by the worker module the app provides — never code
 * evaluated from strings. Built-in handlers are registered lazily (a dynamic `import()` on first
 * use) so that a worker starts fast and a replacement after a crash is cheap.
 */
import { BUILTIN_TASK_TYPES, ValidationError, isCustomTaskType, type TaskType } from '@taskweave/core';
import type { ModelEnvOptions } from '../../shared/modelEnvOptions.js';
import type { BatchHandler, ModelHost, TaskHandler } from './handler.js';

type Lazy<T> = T | { load: () => Promise<T> };

const handlers = new Map<string, Lazy<TaskHandler>>();
const batchHandlers = new Map<string, Lazy<BatchHandler>>();
let modelHost: Lazy<ModelHost> | undefined;
let loadedHost: ModelHost | undefined;
let hostOptions: ({ maxModels: number } & ModelEnvOptions) | undefined;

function checkType(type: unknown, fn: string): asserts type is TaskType {
  if (typeof type !== 'string' || !(isCustomTaskType(type) || (BUILTIN_TASK_TYPES as readonly string[]).includes(type))) {
    throw new ValidationError(
      `${fn}: type must be a built-in task type or 'custom:<name>', got ${JSON.stringify(type)}`,
      [{ path: ['type'], field: 'type', message: "must be a built-in task type or 'custom:<name>'" }],
    );
  }
}

function checkFunction(value: unknown, fn: string, field: string): void {
  if (typeof value !== 'function') {
    throw new ValidationError(`${fn}: ${field} must be a function (handlers are never built from strings)`, [
      { path: [field], field, message: 'must be a function' },
    ]);
  }
}

/**
 * Registers the handler of a task type in this worker. Call it at the top level of your worker
 * module, before any task arrives; a later call for the same type replaces the handler (so an app
 * may also replace a built-in one), and replaces a batch handler registered before it for the type:
 * a type is served by its batch handler when it has one (every call, a single task being a batch
 * of one), else by its handler for each task in turn.
 *
 * @example
 * // my-worker.ts
 * import { registerHandler } from '@taskweave/web-worker/worker'
 * registerHandler('custom:reverse', async (task) => {
 *   if (task.input.kind !== 'text') throw new TaskweaveError('validation', 'input.kind must be text')
 *   return { kind: 'text', text: [...task.input.text].reverse().join('') }
 * })
 */
export function registerHandler(type: TaskType, handler: TaskHandler): void {
  checkType(type, 'registerHandler');
  checkFunction(handler, 'registerHandler', 'handler');
  handlers.set(type, handler);
  batchHandlers.delete(type);
}

/**
 * Registers a batch handler: it serves every call of this type, a single task as a batch of one,
 * and the pool runs ready tasks of this type and model together (dynamic batching) when its
 * `batching.types` lists the type.
 */
export function registerBatchHandler(type: TaskType, handler: BatchHandler): void {
  checkType(type, 'registerBatchHandler');
  checkFunction(handler, 'registerBatchHandler', 'handler');
  batchHandlers.set(type, handler);
}

/** Registers a handler loaded on first use (used by the default entry for the built-ins). */
export function registerLazyHandler(type: TaskType, load: () => Promise<TaskHandler>): void {
  checkType(type, 'registerLazyHandler');
  checkFunction(load, 'registerLazyHandler', 'load');
  handlers.set(type, { load });
  batchHandlers.delete(type);
}

/** Lazy form of `registerBatchHandler`. */
export function registerLazyBatchHandler(type: TaskType, load: () => Promise<BatchHandler>): void {
  checkType(type, 'registerLazyBatchHandler');
  checkFunction(load, 'registerLazyBatchHandler', 'load');
  batchHandlers.set(type, { load });
}

/** Registers the model cache used for warm-up and reported for model affinity. */
export function registerModelHost(host: ModelHost | { load: () => Promise<ModelHost> }): void {
  modelHost = host;
  loadedHost = undefined;
  if (!('load' in host)) setLoadedHost(host);
}

function setLoadedHost(host: ModelHost): void {
  loadedHost = host;
  if (hostOptions !== undefined) host.configure(hostOptions);
}

/** Sets the model budget; applied to the host now if loaded, else when it loads. */
export function configureModelHost(options: { maxModels: number } & ModelEnvOptions): void {
  hostOptions = options;
  loadedHost?.configure(options);
}

async function resolve<T>(map: Map<string, Lazy<T>>, type: string): Promise<T | undefined> {
  const entry = map.get(type);
  if (entry === undefined) return undefined;
  if (typeof entry === 'object' && entry !== null && 'load' in entry) {
    const loaded = await entry.load();
    // Only replace if nobody registered another handler meanwhile.
    if (map.get(type) === entry) map.set(type, loaded);
    return loaded;
  }
  return entry;
}

/** The handler of `type`, loading it on first use. */
export function getHandler(type: string): Promise<TaskHandler | undefined> {
  return resolve(handlers, type);
}

/** The batch handler of `type`, loading it on first use. */
export function getBatchHandler(type: string): Promise<BatchHandler | undefined> {
  return resolve(batchHandlers, type);
}

/** The model host, loading it on first use. */
export async function getModelHost(): Promise<ModelHost | undefined> {
  if (loadedHost !== undefined || modelHost === undefined) return loadedHost;
  if ('load' in modelHost) {
    const host = await modelHost.load();
    if (loadedHost === undefined) setLoadedHost(host);
  }
  return loadedHost;
}

/** The model host if it is loaded already (no model is loaded before it is). */
export function peekModelHost(): ModelHost | undefined {
  return loadedHost;
}

/** Registered task types, for the pool's hello. */
export function registeredTypes(): { types: string[]; batchTypes: string[] } {
  return { types: [...new Set([...handlers.keys(), ...batchHandlers.keys()])], batchTypes: [...batchHandlers.keys()] };
}
