/**
 * What tabs of one origin tell each other over the BroadcastChannel `taskweave:<name>`.
 * Errors travel as `SerializedError` (structured clone keeps only plain data).
 */
import type { QueueSnapshot, SerializedError, Task, TaskId, TaskResult, TaskStatus } from '@taskweave/core';

/** A scheduler event as it crosses tabs. */
export type WireEvent =
  | { type: 'status'; taskId: TaskId; status: TaskStatus; previousStatus: TaskStatus | undefined; task: Task; result?: TaskResult }
  | { type: 'retry'; taskId: TaskId; retryCount: number; delayMs: number; error: SerializedError }
  | { type: 'queue'; snapshot: QueueSnapshot }
  | { type: 'error'; error: SerializedError; taskId?: TaskId };

export type TabMessage =
  /** A tab became the one that runs tasks. */
  | { type: 'leader'; tabId: string }
  /** A follower wrote these Pending tasks into the store: the leader adopts them. */
  | { type: 'submitted'; ids: TaskId[] }
  /** The leader's scheduler said this. */
  | { type: 'event'; event: WireEvent }
  /** A follower asks the leader to cancel. */
  | { type: 'cancel'; requestId: string; taskId: TaskId }
  | { type: 'cancel-reply'; requestId: string; cancelled: boolean };

export function channelName(name: string): string {
  return `taskweave:${name}`;
}

export function leaderLockName(name: string): string {
  return `taskweave:${name}:leader`;
}
