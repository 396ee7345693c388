/**
 * What the panel reads and does, as a slice of the `Taskweave` handle: its public API and nothing
 * else. Any object of this shape works (a handle, or a wrapper that counts or logs the calls).
 */
import type { Taskweave } from '@taskweave/web-worker';

/** The parts of a `Taskweave` handle the devtools use: `mountDevtools(tw)` takes the handle itself. */
export type DevtoolsTarget = Pick<Taskweave, 'list' | 'snapshot' | 'subscribe' | 'get' | 'cancel' | 'prune' | 'models' | 'role' | 'onRoleChange'>;
