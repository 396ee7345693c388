import { TaskStatus, isTerminalStatus } from '../task.js';
import type { Action, Entry } from './entry.js';

/**
 * Applies one action to an entry: the only writer of its `status` and `phase`. It touches nothing
 * but the entry (no queue, store, counters, events or attempt), so what an action does to a task
 * reads in one place; `move` (state.ts) does the rest from what changed.
 *
 * @example transition(entry, { type: 'start', at: clock.now() }) // Running, one more attempt
 */
export function transition(entry: Entry, action: Action): void {
  switch (action.type) {
    case 'enqueue':
      entry.phase = 'ready';
      entry.readyAt = action.at;
      break;
    case 'split':
      // Its attempt is not charged: the batch, not the task, failed.
      entry.attempt--;
      entry.solo = true;
      entry.status = TaskStatus.Pending;
      entry.current = undefined;
      entry.phase = 'ready';
      entry.readyAt = action.at;
      break;
    case 'start':
      entry.phase = 'running';
      entry.status = TaskStatus.Running;
      entry.attempt++;
      entry.startedAt = action.at;
      entry.queueWaitMs = Math.max(0, action.at - entry.readyAt);
      entry.item = undefined;
      entry.batchKey = undefined;
      break;
    case 'retry':
      entry.phase = 'retrying';
      entry.status = TaskStatus.Pending;
      entry.solo = true;
      entry.task = { ...entry.task, retryCount: entry.task.retryCount + 1 };
      break;
    case 'settle':
      entry.phase = 'done';
      entry.status = action.status;
      break;
    case 'remember':
      entry.status = action.status;
      entry.phase = isTerminalStatus(action.status) ? 'done' : 'blocked';
      break;
    case 'relabel':
      entry.status = action.status;
      break;
  }
}
