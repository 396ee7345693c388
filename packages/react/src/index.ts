/**
 * @taskweave/react — React bindings for taskweave: `TaskweaveProvider` (one taskweave per name,
 * StrictMode-safe, closed with its last provider) and hooks on `useSyncExternalStore` over the
 * observables of `@taskweave/web-worker` (`observeTask`, `observeStream`, `searchAsYouType`, …).
 * During server rendering every hook shows its idle state and nothing starts.
 */
export { TaskweaveProvider, useTaskweave } from './provider.js';
export type { TaskweaveProviderProps } from './provider.js';
export { useTask, useStream } from './useTask.js';
export { useSubmit, useEmbed, useGenerate } from './useSubmit.js';
export type { Submitted } from './useSubmit.js';
export { useSearch } from './useSearch.js';
export { useQueue } from './useQueue.js';
export { useModels } from './useModels.js';
export { useTasks } from './useTasks.js';
export type { TaskView, StreamView, SearchView, SearchAsYouTypeOptions, ModelsView, TasksView, ObserveTasksOptions } from '@taskweave/web-worker';
