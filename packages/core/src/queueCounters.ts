import type { Phase } from './entry.js';
import type { QueueSnapshot } from './events.js';
import type { TaskPriority, TaskStatus } from './task.js';

/** Counts by status, priority and phase, kept as tasks move, so a snapshot is O(1). */
export class QueueCounters {
  readonly #byStatus: Record<TaskStatus, number> = { Pending: 0, Running: 0, Completed: 0, Failed: 0, Cancelled: 0, Timeout: 0 };
  readonly #byPriority = [0, 0, 0, 0];
  readonly #byPhase: Record<Phase, number> = { blocked: 0, ready: 0, retrying: 0, running: 0, done: 0 };

  /** A new Pending task, blocked. */
  add(priority: TaskPriority): void {
    this.#byStatus.Pending++;
    this.#byPriority[priority]!++;
    this.#byPhase.blocked++;
  }

  move(priority: TaskPriority, fromStatus: TaskStatus, fromPhase: Phase, toStatus: TaskStatus, toPhase: Phase): void {
    this.#byPhase[fromPhase]--;
    this.#byPhase[toPhase]++;
    if (fromStatus === toStatus) return;
    this.#byStatus[fromStatus]--;
    this.#byStatus[toStatus]++;
    if (toPhase === 'done') this.#byPriority[priority]!--;
  }

  /** A finished task's status corrected (the store held another writer's end). */
  relabel(fromStatus: TaskStatus, toStatus: TaskStatus): void {
    this.#byStatus[fromStatus]--;
    this.#byStatus[toStatus]++;
  }

  snapshot(concurrency: number): QueueSnapshot {
    const p = this.#byPriority;
    return {
      byStatus: { ...this.#byStatus },
      byPriority: { Low: p[0] ?? 0, Normal: p[1] ?? 0, High: p[2] ?? 0, Critical: p[3] ?? 0 },
      ready: this.#byPhase.ready,
      blocked: this.#byPhase.blocked,
      retrying: this.#byPhase.retrying,
      running: this.#byPhase.running,
      concurrency,
    };
  }
}
