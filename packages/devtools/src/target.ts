/**
 * What the panel reads and does, as a slice of the `Taskweave` handle: its public API and nothing
 * else. Any object of this shape works (a handle, or a wrapper that counts or logs the calls).
 */
import type { TaskId, TaskState, TaskStatus, QueueSnapshot } from '@taskweave/core';
import type { PoolSnapshot, Taskweave } from '@taskweave/web-worker';

// TODO(merge main): these three come from @taskweave/core and @taskweave/web-worker once tw.list / tw.snapshot land.
export interface TaskListQuery {
  status?: TaskStatus | readonly TaskStatus[];
  type?: string;
  model?: string;
  limit?: number;
  cursor?: string;
}
export interface TaskListPage {
  tasks: TaskState[];
  nextCursor?: string;
}
export interface TaskweaveSnapshot {
  at: number;
  tab: { id: string; role: Taskweave['role'] };
  leaderTabId: string | undefined;
  queue: QueueSnapshot | undefined;
  pool: PoolSnapshot | undefined;
}

/** The parts of a `Taskweave` handle the devtools use: `mountDevtools(tw)` takes the handle itself. */
export type DevtoolsTarget = Pick<Taskweave, 'subscribe' | 'get' | 'cancel' | 'prune' | 'models' | 'role' | 'onRoleChange'> & {
  list(query?: TaskListQuery): Promise<TaskListPage>;
  snapshot(): Promise<TaskweaveSnapshot>;
};

export type { TaskId };
