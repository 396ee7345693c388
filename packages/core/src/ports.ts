/**
 * The ports of the core: everything outside the scheduler (workers, storage, time)
 * is reached only through these interfaces.
 */
import type { Task, TaskId, TaskMetrics, TaskOutput, TaskResult, TaskStatus } from './task.js';

/**
 * What an executor may report about an attempt it ran. Unreported values stay 0.
 * `queueWaitMs` here is the time the executor held the task before running it (the pool's own
 * queue); the scheduler adds it to its own queue wait.
 */
export type MeasuredMetrics = Partial<
  Pick<TaskMetrics, 'durationMs' | 'queueWaitMs' | 'memoryBytes' | 'cpuUsage' | 'networkBytes' | 'backend' | 'batchSize'>
>;

/** Given to `Executor.execute` for one attempt of one task. */
export interface ExecutionContext {
  /** Aborts on cancel, on the deadline, or on `close()`; `signal.reason` is the TaskweaveError. */
  signal: AbortSignal;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  /** Results of the task's dependencies, in the order the task lists them (all Completed). */
  dependencies: TaskResult[];
  /** Records what the executor measured for this attempt (merged; later calls win). */
  reportMetrics(metrics: MeasuredMetrics): void;
  /**
   * Tells the scheduler the attempt really began (it left the executor's own queue). Only
   * executors with `reportsStart` call it; see there.
   */
  started?(): void;
}

/**
 * Runs tasks. The worker pool of `@taskweave/web-worker` is one; tests pass plain objects.
 *
 * Contract: `execute` settles (resolve or reject) soon after `ctx.signal` aborts; a slot of
 * the scheduler's concurrency stays taken until it does. Throw a `TaskweaveError` with
 * `retryable: false` for failures a retry cannot fix; any other error is retried.
 *
 * @example
 * const executor: Executor = { async execute(task) { return { kind: 'text', text: 'ok' } } }
 */
export interface Executor {
  execute(task: Task, ctx: ExecutionContext): Promise<TaskOutput>;
  /** How many tasks it can usefully hold at once; the scheduler's default concurrency. */
  capacity?: number;
  /**
   * True when the executor queues tasks itself and calls `ctx.started()` when one really
   * begins. The scheduler then records the task as Running in the store only at that call, so a
   * reload while it still waited in the executor's queue resumes it as Pending instead of
   * counting an interrupted attempt. @default false (Running is recorded when `execute` is called)
   */
  reportsStart?: boolean;
  /** Called by `TaskScheduler.close()`. */
  close?(): void | Promise<void>;
}

/** A task as stored: the task, where it is, and its result once terminal. */
export interface TaskRecord {
  task: Task;
  status: TaskStatus;
  /** Submission order, unique and increasing within a store. */
  seq: number;
  /** Epoch ms of the last change. */
  updatedAt: number;
  /** Present exactly when `status` is terminal. */
  result?: TaskResult;
}

/** What a store hands back on `load()`. */
export interface StoreSnapshot {
  /** Every record that is not terminal, in `seq` order. */
  active: TaskRecord[];
  /** Highest `seq` ever stored (0 when empty), so new submissions continue the order. */
  lastSeq: number;
  /** Records that failed validation and were set aside; they do not stop the others. */
  quarantined: { key: string; error: Error }[];
}

/** Options of `TaskStore.prune`: a record is removed when it is terminal and matches either rule. */
export interface PruneOptions {
  /** Remove terminal records whose last change is older than this many ms. */
  olderThanMs?: number;
  /** Keep only the newest N terminal records. */
  keepLast?: number;
}

/**
 * Persistence port. `MemoryTaskStore` is the default; an IndexedDB store is an adapter.
 *
 * Contract: `put` resolves only once every record in it is durable, and applies writes to
 * the same id in call order; a failed `put` leaves none of its records written.
 */
export interface TaskStore {
  load(): Promise<StoreSnapshot>;
  put(records: readonly TaskRecord[]): Promise<void>;
  get(id: TaskId): Promise<TaskRecord | undefined>;
  /** Removes terminal records by age or count; returns how many were removed. */
  prune(options: PruneOptions): Promise<number>;
  close(): Promise<void>;
}

/** Time source. Every timer and `now()` of the core goes through one, so tests can fake it. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
