/**
 * What tabs of one origin tell each other over the BroadcastChannel `taskweave:<name>`, besides
 * the store's change feed (`taskweave:<name>:store`), which carries every status. Only the
 * running tab's notes travel here: who leads, retries, counts, progress, background errors,
 * cancels of running tasks, a follower's ask for a task's stream, its warm-up and its snapshot. No task inputs, no results,
 * no chunks: errors travel as `SerializedError`, and a task's chunks go only to the tabs that asked
 * for them, on each tab's own channel (see streamRelay.ts).
 */
import type { SerializedError, TaskId, TaskProgress } from '@taskweave/core';
import type { SnapshotMessage } from './snapshotRelay.js';
import type { WarmUpMessage } from './warmUpRelay.js';

export type TabMessage =
  /** A tab became the one that runs tasks. */
  | { type: 'leader'; tabId: string }
  | { type: 'retry'; taskId: TaskId; retryCount: number; delayMs: number; error: SerializedError }
  | { type: 'error'; error: SerializedError; taskId?: TaskId }
  /** A follower asks the leader to abort a task it already started. */
  | { type: 'cancel'; requestId: string; taskId: TaskId }
  | { type: 'cancel-reply'; requestId: string; cancelled: boolean }
  /** A running task's latest progress (at most every 100 ms per task). */
  | ({ type: 'progress'; taskId: TaskId } & TaskProgress)
  /** A follower reads a task's stream: the leader sends it the chunks from `from` on, on the follower's own channel. */
  | { type: 'stream'; taskId: TaskId; tabId: string; from: number }
  /** A follower's `warmUp`, the leader's progress and answer (see warmUpRelay.ts). */
  | WarmUpMessage
  /** The leader's queue counts, and a follower's `snapshot()` (see snapshotRelay.ts). */
  | SnapshotMessage;

export function channelName(name: string): string {
  return `taskweave:${name}`;
}

export function leaderLockName(name: string): string {
  return `taskweave:${name}:leader`;
}
