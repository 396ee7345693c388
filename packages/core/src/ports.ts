/**
 * The ports of the core: everything outside the scheduler (workers, storage, time)
 * is reached only through these interfaces.
 */
import type { Task, TaskId, TaskMetrics, TaskOutput, TaskResult, TaskStatus } from './task.js';
import type { TaskListPage, TaskListQuery } from './store/taskList.js';

/**
 * What an executor may report about an attempt it ran. Unreported values stay 0.
 * `queueWaitMs` here is time the executor held the task before running it (a worker still
 * loading, say); the scheduler adds it to its own queue wait.
 */
export type MeasuredMetrics = Partial<
  Pick<TaskMetrics, 'durationMs' | 'queueWaitMs' | 'memoryBytes' | 'cpuUsage' | 'networkBytes' | 'backend' | 'batchSize' | 'placement'>
>;

/** How far a running task is, as its handler reports it (`done` of `total` units, a short note). */
export interface TaskProgress {
  done: number;
  total?: number;
  note?: string;
}

/**
 * A task's last checkpoint, written with its record: the handler's `state` (small,
 * structured-cloneable), how many chunks the task had emitted when it was taken, and its progress
 * then. A run interrupted (reload, `close()`, handover) or retried starts again with
 * `ExecutionContext.resumeFrom` = `state`, and its chunks are numbered on from `chunks`.
 */
export interface TaskCheckpoint {
  state: unknown;
  chunks: number;
  at: number;
  progress?: TaskProgress;
}

/** Given to `Executor.execute` for one attempt of one task (in a batch, each task has its own). */
export interface ExecutionContext {
  /** Aborts on cancel, on the deadline, or on `close()`; `signal.reason` is the TaskweaveError. */
  signal: AbortSignal;
  /** 1 for the first attempt, 2 for the first retry, … (a re-run after a batch-mate's crash is the same attempt). */
  attempt: number;
  /** Results of the task's dependencies, in the order the task lists them (all Completed). */
  dependencies: readonly TaskResult[];
  /** Records what the executor measured for this attempt (merged; later calls win). */
  reportMetrics(metrics: MeasuredMetrics): void;
  /** The state of the task's last checkpoint (`checkpoint`), on a run after an interruption or a retry; undefined on a first run. */
  readonly resumeFrom: unknown;
  /** Reports how far the task is: a `progress` event for subscribers (in every tab). Ignored once the attempt ended. */
  progress(progress: TaskProgress): void;
  /**
   * A partial output (structured-cloneable): a `chunk` event, numbered in emission order for the
   * task's stream. Ignored once the attempt ended.
   */
  emit(chunk: unknown): void;
  /**
   * Writes `state` with the task's record (a progress event, not a status change); resolves once it
   * is durable. Rejects with a ValidationError (`field: 'checkpoint'`) past the scheduler's
   * `maxCheckpointBytes` or when structured clone refuses it, and with `cancelled` once the attempt
   * ended.
   */
  checkpoint(state: unknown): Promise<void>;
}

/**
 * How an executor's tasks batch. The scheduler forms the batches from its own ready queue
 * (priority, ageing, deadline, submission order) and hands each one to `executeBatch`.
 */
export interface BatchPolicy {
  /** Tasks with the same key may share a batch; `undefined` = this task is never batched. */
  key(task: Task): string | undefined;
  /** Most tasks in one batch; below 2 nothing is batched. */
  maxBatchSize: number;
  /**
   * How long a batch may wait to fill while the executor could run it, from the moment its oldest
   * task became ready. Only a batch that could run now waits; other ready tasks run meanwhile.
   */
  windowMs: number;
  /**
   * A task's size (e.g. its text's character length), for length-aware batching: a batch pads its
   * members to the longest, so ready tasks of a key are grouped with others of similar size — four
   * full batches' worth at a time, in queue order, cut where padding costs more than another call,
   * so none is passed over by tasks beyond its own grouping. Without it batches take tasks in queue
   * order.
   */
  sizeHint?(task: Task): number;
  /**
   * With `sizeHint`: the most size a batch may hold, padded (its member count × its largest
   * hint), so a batch of long tasks takes no longer than one of a few, while short ones fill
   * `maxBatchSize` (a limit on the tokens of a batch, as inference servers have). A task larger
   * than this runs alone. @default no limit
   */
  maxPaddedSize?: number;
  /**
   * The most tasks a batch of `key` may hold now (at most `maxBatchSize`), asked each time one
   * forms: an executor that learns what a kind of task costs can group such tasks by key from the
   * start and decide later how many share a call (1: each runs alone, without waiting for the
   * window). @default maxBatchSize for every key
   */
  maxSizeOf?(key: string): number;
}

/** The executor's free workers during one pump of the scheduler (see `Executor.freeWorkers`). */
export interface FreeWorkers {
  /** The models each free worker holds, one entry per free worker. */
  readonly models: readonly (readonly string[])[];
  /** A call of `size` tasks of `modelId` starts: the worker the executor will give it is no longer free. */
  take(modelId: string | undefined, size: number): void;
}

/** One task's outcome in a batch: its output, or its own error (which counts as its failed attempt). */
export type BatchOutcome = { ok: true; output: TaskOutput } | { ok: false; error: unknown };

/**
 * Runs tasks. The worker pool of `@taskweave/web-worker` is one; tests pass plain objects.
 *
 * Contract: `execute` settles (resolve or reject) soon after `ctx.signal` aborts; a slot of
 * the scheduler's concurrency stays taken until it does. Throw a `TaskweaveError` with
 * `retryable: false` for failures a retry cannot fix; any other error is retried.
 *
 * An executor that declares `batching` also implements `executeBatch`: it resolves with one
 * outcome per task, in order, or rejects when the batch as a whole failed (a worker crashed
 * while running it, the batch handler threw, the batch could not be sent). A batch that fails
 * as a whole costs none of its tasks an attempt: the scheduler runs them again one by one, and
 * only a task that fails alone is charged. The call is one slot of concurrency; aborting one
 * member's signal settles that task at once while the call carries on, and the executor should
 * stop the call only when every member's signal has aborted.
 *
 * @example
 * const executor: Executor = { async execute(task) { return { kind: 'text', text: 'ok' } } }
 */
export interface Executor {
  execute(task: Task, ctx: ExecutionContext): Promise<TaskOutput>;
  /** Runs several tasks as one call (see above); needed when `batching` is set. */
  executeBatch?(tasks: readonly Task[], contexts: readonly ExecutionContext[]): Promise<readonly BatchOutcome[]>;
  /** How tasks batch; without it every task is its own `execute` call. */
  batching?: BatchPolicy;
  /** Most calls it runs at once (the number of workers); caps the scheduler's concurrency. */
  capacity?: number;
  /**
   * Calls it could start right now (workers started and free). The scheduler hands it no more than
   * that, so a task never waits inside the executor: it stays Pending in the scheduler's queue.
   * @default capacity minus the calls in flight
   */
  available?(): number;
  /**
   * For model affinity: the workers free now, as the executor will hand them out during one pump
   * of the scheduler. When the next task's model is held by no free worker, the scheduler prefers
   * a batch of equal or higher priority whose model a free worker holds, for at most `agingMs`, so
   * the busy holder can take the first one when it frees up instead of another worker loading that
   * model. The executor alone decides which worker a call takes: `take` applies that decision.
   */
  freeWorkers?(): FreeWorkers;
  /**
   * For an executor with more than one kind of slot (this device's workers and a server): asked
   * for the next ready task, in queue order, before its start is written. `undefined` = it cannot
   * start that task now (the slot it belongs in is full); the task stays Pending in the queue and
   * the next ones are asked (a few per pump), so a task never waits inside the executor. Otherwise
   * the entries returned are merged into the task's `metadata` and written durably with its
   * Running record before `execute` sees it — where a decision made at the first start (where it
   * runs) is kept. For a batch, the first task is asked and its entries go to every member.
   * @default every task can start while `available()` is above 0
   */
  place?(task: Task): Readonly<Record<string, string>> | undefined;
  /**
   * Whether the cancel of this task, while the executor runs it, is settled by the executor's
   * outcome rather than at once: for a task whose effect commits atomically where the caller can
   * see it (a DataStorage write in the app's database), so that `Cancelled` means the effect did
   * not happen. The scheduler aborts the signal and waits: the executor's rejection ends the task
   * Cancelled, its output ends it Completed (and `cancel()` answers false). The executor must then
   * settle soon after the abort (the pool's `abortGraceMs`). @default every cancel settles at once
   */
  cancelWaitsForOutcome?(task: Task): boolean;
  /** Subscribes to "`available()` may have grown" (a worker started, was replaced, finished warming). */
  onAvailable?(listener: () => void): () => void;
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
  /**
   * How many times a run of this task was interrupted by something that was not its doing (a page
   * reload, `close()`, a leader tab handing over): found `Running` by a scheduler that did not
   * start it. Not an attempt (no retry is spent); bounded by `maxInterruptions`. @default 0
   */
  interruptions?: number;
  /** The last checkpoint of an unfinished task (dropped when it ends). */
  checkpoint?: TaskCheckpoint;
  /** Set on a write that only took a checkpoint (no status change), so change feeds can tell. */
  wrote?: 'checkpoint';
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
 * Persistence port: `MemoryTaskStore`, and the IndexedDB adapter (`IdbTaskStore`). A scheduler
 * given none makes a `MemoryTaskStore`.
 *
 * Contract: `put` and `putIfStatus` resolve only once every record they wrote is durable, and
 * apply writes to the same id in call order (across both methods); a failed call leaves none of
 * its records written, and fails only for its own records (a record another call holds never
 * fails it). Several writers (tabs) may share one store: `putIfStatus` is how they avoid
 * overwriting each other's decisions.
 *
 * The scheduler calls the store once per write, as it happens (a submit, a start, an end): it
 * merges nothing. A store that pays per transaction coalesces concurrent calls itself, as
 * `IdbTaskStore` does with group commit.
 */
export interface TaskStore {
  load(): Promise<StoreSnapshot>;
  put(records: readonly TaskRecord[]): Promise<void>;
  /**
   * Compare-and-set on the status: writes each record only where the stored record of its id
   * exists and has one of the `expected` statuses, deciding and writing atomically (one
   * transaction, no other writer in between). Resolves with one flag per record, `true` where it
   * was written.
   *
   * @example
   * // Cancel a task only if no scheduler has started it yet.
   * const [cancelled] = await store.putIfStatus([cancelledRecord], [TaskStatus.Pending])
   */
  putIfStatus(records: readonly TaskRecord[], expected: readonly TaskStatus[]): Promise<boolean[]>;
  get(id: TaskId): Promise<TaskRecord | undefined>;
  /**
   * Reads several records at once (one transaction where the store has them), in the order of
   * `ids`; `undefined` where there is none.
   *
   * @example const [a, b] = await store.getMany([idA, idB])
   */
  getMany(ids: readonly TaskId[]): Promise<(TaskRecord | undefined)[]>;
  /** Removes terminal records by age or count; returns how many were removed. */
  prune(options: PruneOptions): Promise<number>;
  /**
   * A page of records matching `query`, in the list order of `store/taskList.ts` (unfinished tasks
   * newest submitted first, then finished ones most recently ended first). A bad query rejects
   * with a `ValidationError` naming the field.
   *
   * @example const { tasks, nextCursor } = await store.list({ status: TaskStatus.Failed, limit: 20 })
   */
  list(query?: TaskListQuery): Promise<TaskListPage>;
  close(): Promise<void>;
}

/** Time source. Every timer and `now()` of the core goes through one, so tests can fake it. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
