/**
 * @taskweave/devtools — a panel over a taskweave handle: tasks (filter, page, inspect, cancel),
 * queue and workers, the model cache, tabs. `mountDevtools(tw)` adds a launcher button; the panel's
 * code loads when it first opens. In production builds this entry is a no-op (the `production`
 * export condition); `@taskweave/devtools/production` is always the real panel.
 */
export { mountDevtools } from './mountDevtools.js';
export type { DevtoolsHandle } from './mountDevtools.js';
export type { DevtoolsOptions, DevtoolsPosition } from './options.js';
export type { DevtoolsTarget } from './target.js';
