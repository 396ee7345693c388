/**
 * What the page knows about tasks: a bounded log fed by status events, which carry ids and
 * statuses only (the task and its result are read from taskweave, one `getMany` per batch of
 * changes), plus a per-second count of finished tasks for the throughput plot.
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
  readonly #tw: Pick<Taskweave, 'subscribe' | 'getMany' | 'list'>;
  /** Ids to read from the store (new ones, ended ones), read together once per batch. */
  #toLoad = new Set<TaskId>();
  /** The latest status the events gave for an id not loaded yet. */
  readonly #unloaded = new Map<TaskId, TaskStatus>();
  #loadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(tw: Pick<Taskweave, 'subscribe' | 'getMany' | 'list'>) {
    this.#tw = tw;
    // Events carry ids and statuses; the task and its result are read when the table needs them.
    tw.subscribe((event) => {
      if (event.type === 'status') {
        const entry = this.#entries.get(event.taskId);
        if (entry !== undefined) entry.status = event.status;
        else this.#unloaded.set(event.taskId, event.status);
        if (entry === undefined || isTerminalStatus(event.status)) this.#load(event.taskId);
        if (isTerminalStatus(event.status)) this.#onFinished(event.updatedAt);
        this.#notify();
      } else if (event.type === 'retry') {
        const entry = this.#entries.get(event.taskId);
        if (entry) entry.retries = event.retryCount;
        this.#notify();
      } else if (event.type === 'error' && event.taskId !== undefined) {
        // A write about this task was refused (storage full): no status event comes for it, but
        // the tab that runs it knows how it ended.
        this.#load(event.taskId);
      }
    });
  }

  #load(id: TaskId): void {
    this.#toLoad.add(id);
    // One read for every id that changed within a frame.
    this.#loadTimer ??= setTimeout(() => void this.#flush(), 16);
  }

  async #flush(): Promise<void> {
    this.#loadTimer = undefined;
    const ids = [...this.#toLoad];
    this.#toLoad = new Set();
    let states: Awaited<ReturnType<Taskweave['getMany']>>;
    try {
      states = await this.#tw.getMany(ids);
    } catch {
      return; // closed, or the store is gone: the next event tries again
    }
    ids.forEach((id, i) => {
      const state = states[i];
      if (state === undefined) return void this.#unloaded.delete(id);
      const { status, result, ...task } = state;
      // An end read from the store is final; else the newest event wins over an older read.
      const latest = isTerminalStatus(status) ? status : (this.#unloaded.get(id) ?? this.#entries.get(id)?.status ?? status);
      this.#unloaded.delete(id);
      const entry = this.#entries.get(id) ?? { id, task, status: latest, retries: 0 };
      entry.task = task;
      entry.status = latest;
      if (result !== undefined) entry.result = result;
      // Kept in the order first seen (≈ submission order), so rows do not jump on each change.
      if (!this.#entries.has(id)) this.#entries.set(id, entry);
    });
    this.#trim();
    this.#notify();
  }

  /**
   * Reads the newest tasks from the store (`tw.list`), so the table shows what the database holds
   * after a reload, not only what happened since. Entries events brought meanwhile stay newer.
   */
  async seed(limit = 100): Promise<void> {
    const { tasks } = await this.#tw.list({ limit });
    const seeded = new Map<TaskId, TaskEntry>();
    // The list is newest first; the log keeps the oldest first.
    for (const { status, result, ...task } of tasks.reverse()) {
      if (this.#entries.has(task.id)) continue;
      seeded.set(task.id, { id: task.id, task, status, retries: task.retryCount, ...(result === undefined ? {} : { result }) });
    }
    const newer = [...this.#entries];
    this.#entries.clear();
    for (const [id, entry] of [...seeded, ...newer]) this.#entries.set(id, entry);
    this.#trim();
    this.#notify();
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
