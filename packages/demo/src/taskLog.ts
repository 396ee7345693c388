/**
 * What the page knows about tasks: a bounded log fed by scheduler events (and by the ids this
 * page submitted), plus a per-second count of finished tasks for the throughput plot.
 */
import { isTerminalStatus, type Task, type TaskId, type TaskResult, type TaskStatus } from '@taskweave/core';
import type { Taskweave } from '@taskweave/web-worker';

export interface TaskEntry {
  id: TaskId;
  task: Task;
  status: TaskStatus;
  result?: TaskResult;
  /** Retries announced so far. */
  retries: number;
}

/** Newest tasks kept for the table. */
const MAX_ENTRIES = 400;

/** A live, bounded view of the scheduler's tasks. */
export class TaskLog {
  readonly #entries = new Map<TaskId, TaskEntry>();
  readonly #listeners = new Set<() => void>();
  /** Epoch ms of each terminal transition in the last minute (for throughput). */
  readonly #finishedAt: number[] = [];
  #finished = 0;

  constructor(tw: Pick<Taskweave, 'subscribe'>) {
    tw.subscribe((event) => {
      if (event.type === 'status') {
        const entry = this.#entries.get(event.taskId) ?? { id: event.taskId, task: event.task, status: event.status, retries: 0 };
        entry.status = event.status;
        entry.task = event.task;
        if (event.result) entry.result = event.result;
        // Kept in the order first seen (≈ submission order), so rows do not jump on each change.
        if (!this.#entries.has(event.taskId)) this.#entries.set(event.taskId, entry);
        if (isTerminalStatus(event.status)) this.#onFinished(event.result?.timestamp ?? Date.now());
        this.#trim();
        this.#notify();
      } else if (event.type === 'retry') {
        const entry = this.#entries.get(event.taskId);
        if (entry) entry.retries = event.retryCount;
        this.#notify();
      }
    });
  }

  /** Entries, the most recently submitted first. */
  entries(): TaskEntry[] {
    return [...this.#entries.values()].reverse();
  }

  get(id: TaskId): TaskEntry | undefined {
    return this.#entries.get(id);
  }

  /** Tasks finished since the page loaded. */
  get finished(): number {
    return this.#finished;
  }

  /** Finished tasks per second over each of the last `seconds` seconds, oldest first. */
  throughput(seconds: number, now = Date.now()): number[] {
    const bins = new Array<number>(seconds).fill(0);
    for (const t of this.#finishedAt) {
      const age = Math.floor((now - t) / 1000);
      if (age >= 0 && age < seconds) bins[seconds - 1 - age]! += 1;
    }
    return bins;
  }

  /** @returns the unsubscribe function */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #onFinished(at: number): void {
    this.#finished += 1;
    this.#finishedAt.push(at);
    const horizon = Date.now() - 60_000;
    while (this.#finishedAt.length > 0 && this.#finishedAt[0]! < horizon) this.#finishedAt.shift();
  }

  #trim(): void {
    if (this.#entries.size <= MAX_ENTRIES) return;
    for (const [id, entry] of this.#entries) {
      if (this.#entries.size <= MAX_ENTRIES) break;
      if (isTerminalStatus(entry.status)) this.#entries.delete(id);
    }
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
