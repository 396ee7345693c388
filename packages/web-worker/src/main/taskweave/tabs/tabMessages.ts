/**
 * What tabs of one origin tell each other over the BroadcastChannel `taskweave:<name>`, besides
 * the store's change feed (`taskweave:<name>:store`), which carries every status. Only the
 * running tab's notes travel here: who leads, retries, counts, background errors, and cancels of
 * running tasks. No task inputs, no results: errors travel as `SerializedError`.
 */
import type { QueueSnapshot, SerializedError, TaskId } from '@taskweave/core';

export type TabMessage =
  /** A tab became the one that runs tasks. */
  | { type: 'leader'; tabId: string }
  | { type: 'retry'; taskId: TaskId; retryCount: number; delayMs: number; error: SerializedError }
  | { type: 'queue'; snapshot: QueueSnapshot }
  | { type: 'error'; error: SerializedError; taskId?: TaskId }
  /** A follower asks the leader to abort a task it already started. */
  | { type: 'cancel'; requestId: string; taskId: TaskId }
  | { type: 'cancel-reply'; requestId: string; cancelled: boolean };

export function channelName(name: string): string {
  return `taskweave:${name}`;
}

export function leaderLockName(name: string): string {
  return `taskweave:${name}:leader`;
}
