import type { Phase } from './entry.js';
import type { QueueSnapshot } from '../events.js';
import type { TaskPriority, TaskStatus } from '../task.js';

/**
 * Counts are kept in arrays indexed by small integers, not in records keyed by the status or phase
 * name: a property access with a variable string key is a generic keyed lookup, and each task
 * moves three times (a tenth of the scheduler's cost per task went there).
 */
function statusIndex(status: TaskStatus): number {
  switch (status) {
    case 'Pending':
      return 0;
    case 'Running':
      return 1;
    case 'Completed':
      return 2;
    case 'Failed':
      return 3;
    case 'Cancelled':
      return 4;
    default:
      return 5; // Timeout
  }
}

function phaseIndex(phase: Phase): number {
  switch (phase) {
    case 'blocked':
      return 0;
    case 'ready':
      return 1;
    case 'retrying':
      return 2;
    case 'running':
      return 3;
    default:
      return 4; // done
  }
}

/** Counts by status, priority and phase, kept as tasks move, so a snapshot is O(1). */
export class QueueCounters {
  /** Pending, Running, Completed, Failed, Cancelled, Timeout. */
  readonly #byStatus = [0, 0, 0, 0, 0, 0];
  /** Unfinished tasks by priority, Low first. */
  readonly #byPriority = [0, 0, 0, 0];
  /** blocked, ready, retrying, running, done. */
  readonly #byPhase = [0, 0, 0, 0, 0];

  /** A new Pending task, blocked. */
  add(priority: TaskPriority): void {
    this.#byStatus[0]!++;
    this.#byPriority[priority]!++;
    this.#byPhase[0]!++;
  }

  move(priority: TaskPriority, fromStatus: TaskStatus, fromPhase: Phase, toStatus: TaskStatus, toPhase: Phase): void {
    this.#byPhase[phaseIndex(fromPhase)]!--;
    this.#byPhase[phaseIndex(toPhase)]!++;
    if (fromStatus === toStatus) return;
    this.#byStatus[statusIndex(fromStatus)]!--;
    this.#byStatus[statusIndex(toStatus)]!++;
    if (toPhase === 'done') this.#byPriority[priority]!--;
  }

  /** A finished task's status corrected (the store held another writer's end). */
  relabel(fromStatus: TaskStatus, toStatus: TaskStatus): void {
    this.#byStatus[statusIndex(fromStatus)]!--;
    this.#byStatus[statusIndex(toStatus)]!++;
  }

  snapshot(concurrency: number): QueueSnapshot {
    const s = this.#byStatus;
    const p = this.#byPriority;
    const phase = this.#byPhase;
    return {
      byStatus: { Pending: s[0]!, Running: s[1]!, Completed: s[2]!, Failed: s[3]!, Cancelled: s[4]!, Timeout: s[5]! },
      byPriority: { Low: p[0]!, Normal: p[1]!, High: p[2]!, Critical: p[3]! },
      ready: phase[1]!,
      blocked: phase[0]!,
      retrying: phase[2]!,
      running: phase[3]!,
      concurrency,
    };
  }
}
