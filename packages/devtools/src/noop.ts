/**
 * @taskweave/devtools in a production build (the `production` export condition, which Vite and
 * webpack pick for production builds): `mountDevtools` mounts nothing and its handle does nothing.
 * `@taskweave/devtools/production` is the real panel, for an app that ships it on purpose.
 */
import type { DevtoolsHandle } from './mountDevtools.js';
import type { DevtoolsOptions } from './options.js';
import type { DevtoolsTarget } from './target.js';

const NOOP: DevtoolsHandle = {
  open: () => Promise.resolve(),
  close: () => undefined,
  unmount: () => undefined,
  isOpen: false,
};

/** Does nothing in a production build; import `@taskweave/devtools/production` for the panel there. */
export function mountDevtools(_tw: DevtoolsTarget, _options?: DevtoolsOptions): DevtoolsHandle {
  return NOOP;
}

export type { DevtoolsHandle } from './mountDevtools.js';
export type { DevtoolsOptions, DevtoolsPosition } from './options.js';
export type { DevtoolsTarget } from './target.js';
