import { MemoryTaskStore } from '../adapters/memoryTaskStore.js';
import { systemClock } from '../clock.js';
import { armDeadline } from './deadline.js';
import { DependencyGraph } from './dependencyGraph.js';
import {
  CancelledError,
  DependencyFailedError,
  PersistenceError,
  TaskweaveError,
  TimeoutError,
  ValidationError,
  toTaskweaveError,
} from '../errors.js';
import type { QueueSnapshot, SchedulerEvent, SchedulerListener } from '../events.js';
import type { BatchOutcome, Clock, Executor, PruneOptions, TaskRecord, TaskStore } from '../ports.js';
import { createRetryer, type RetryOptions, type Retryer } from './retryer.js';
import { parseTaskOutput, type ResolvedSubmit, type SubmitTaskOptions } from '../schemas.js';
import { newTaskRecord, parseSubmission, parseSubmissionsInSlices, prepareSubmissions, type SubmitValidator } from './submission.js';
import { SLICE_CHECK_EVERY, Slicer } from './slicer.js';
import { Subscribable } from '../subscribable.js';
import { WriteBuffer } from '../store/writeBuffer.js';
import { GcQueue } from './gcQueue.js';
import { Attempt } from './attempt.js';
import { BatchFormer, resolveBatchPolicy } from '../queue/batching.js';
import { createIdGenerator } from '../ids.js';
import { newEntry, type Action, type Entry, type Phase } from './entry.js';
import { QueueCounters } from './queueCounters.js';
import {
  TaskStatus,
  isTerminalStatus,
  type Task,
  type TaskId,
  type TaskMetrics,
  type TaskOutput,
  type TaskResult,
} from '../task.js';
import { TaskQueue, type QueueItem } from '../queue/taskQueue.js';

/** Options of `new TaskScheduler()`. */
export interface TaskSchedulerOptions extends RetryOptions {
  /** Runs the tasks (the worker pool, or any object with `execute`). */
  executor: Executor;
  /**
   * Where tasks and results live. Without one the scheduler makes a `MemoryTaskStore` (and closes
   * it on `close()`): the same path as any store, so finished tasks leave the scheduler's memory by
   * `gcTimeMs` and `maxFinishedInMemory` and are read back from that store, which keeps them until
   * `prune()` (or `retention`) removes them.
   * @default a new `MemoryTaskStore`
   */
  store?: TaskStore;
  /** Most executor calls at once (a batch is one call), capped at `executor.capacity`. @default executor.capacity ?? 4 */
  concurrency?: number;
  /**
   * How many times a task's run may be interrupted by something that is not its doing (a page
   * reload, `close()`, a leader tab handing over) before it ends `Failed` with an `interrupted`
   * error. Interruptions spend no retry; this bound stops a task that takes its page down every
   * time it runs. @default 3
   */
  maxInterruptions?: number;
  /** Waiting this long in the ready queue lifts a task one priority level. @default 5_000 */
  agingMs?: number;
  /** Time source (tests pass a fake). @default systemClock */
  clock?: Clock;
  /** Id generator (must give UUID v4 strings). @default createIdGenerator(): random UUID v4 */
  generateId?: () => string;
  /**
   * Extra checks at submit, after the core's schema: what the executor knows it cannot run
   * (`validateSubmission` of `@taskweave/web-worker`). A task it finds problems in is refused with
   * a `ValidationError` naming the field, and nothing is stored. @default none
   */
  validate?: SubmitValidator;
  /**
   * How long a finished task stays in memory once its end is durable; after that `wait`, `get` and
   * dependents submitted later read it from the store, and `getSnapshot()` still counts it.
   * `Infinity` keeps finished tasks until `maxFinishedInMemory` pushes them out. @default 60_000
   */
  gcTimeMs?: number;
  /**
   * Most finished tasks held in memory; past it the oldest leave at once (read back from the store
   * when asked for). Bounds memory whatever the rate: 1,000 tasks with 512-float outputs ≈ 2.5 MB.
   * `Infinity` for no bound. @default 1_000
   */
  maxFinishedInMemory?: number;
  /**
   * Removes finished tasks from the store by a rule (`olderThanMs`, `keepLast`), once the scheduler
   * is ready and then every `everyMs`. Off unless given; `prune()` runs the same rule by hand.
   * @default undefined (finished tasks stay in the store until `prune()`)
   */
  retention?: RetentionOptions;
}

/** What the scheduler prunes from its store, and how often (`TaskSchedulerOptions.retention`). */
export interface RetentionOptions extends PruneOptions {
  /** How often the rule runs, in ms. @default 60_000 */
  everyMs?: number;
}

/** A task as the scheduler sees it now. */
export type TaskState = Task & { status: TaskStatus; result?: TaskResult };

/** A task and where it is, from a stored record (or anything with the same fields). */
export function toTaskState(from: { task: Task; status: TaskStatus; result?: TaskResult | undefined }): TaskState {
  return from.result === undefined ? { ...from.task, status: from.status } : { ...from.task, status: from.status, result: from.result };
}

/** What `ready()` reports about the work found in the store at start. */
export interface RecoveryReport {
  /** Pending tasks queued again. */
  resumed: number;
  /** Tasks found Running (their run was interrupted), queued again without spending a retry. */
  interrupted: number;
  /** Tasks found Running that had passed their deadline or `maxInterruptions`. */
  failed: number;
  quarantined: number;
}

const NONE: TaskOutput = { kind: 'none' };
const RESOLVED = Promise.resolve();
/** The dependency results of a task that depends on nothing (shared: an attempt context never owns it). */
const NO_RESULTS: readonly TaskResult[] = Object.freeze([]);
/** Most ready tasks one pump leaves in the queue because `executor.place` has no slot for them. */
const PLACE_LOOKAHEAD = 16;
/** Stored statuses under which this scheduler may still write a task's start or end. */
const UNFINISHED: readonly TaskStatus[] = [TaskStatus.Pending, TaskStatus.Running];

/**
 * The scheduler: validates, persists and orders tasks, runs them on an `Executor` with
 * bounded concurrency, retries, deadlines, dependencies and cancellation.
 *
 * @example
 * const scheduler = new TaskScheduler({ executor: createWorkerPool() })
 * const id = await scheduler.submit({ type: TaskType.TextProcessing, input: { kind: 'text', text: 'Hi' } })
 * const result = await scheduler.wait(id)
 */
export class TaskScheduler {
  readonly #executor: Executor;
  readonly #store: TaskStore;
  /** No store was given: the scheduler made `#store`, so it closes it too. */
  readonly #ownsStore: boolean;
  readonly #clock: Clock;
  readonly #retryer: Retryer;
  readonly #queue: TaskQueue<Entry>;
  readonly #graph = new DependencyGraph();
  readonly #events = new Subscribable<SchedulerEvent>();
  readonly #entries = new Map<TaskId, Entry>();
  readonly #reserved = new Set<string>();
  readonly #generateId: () => string;
  readonly #concurrency: number;
  readonly #counters = new QueueCounters();
  readonly #idleWaiters = new Set<() => void>();
  readonly #writes: WriteBuffer;
  readonly #ready: Promise<RecoveryReport>;
  readonly #former: BatchFormer<Entry> | undefined;
  readonly #maxInterruptions: number;
  readonly #agingMs: number;
  readonly #stopListening: (() => void) | undefined;
  readonly #validate: SubmitValidator | undefined;
  /** Finished entries in memory, leaving by `gcTimeMs` and `maxFinishedInMemory`. */
  readonly #finished: GcQueue<Entry>;
  readonly #retention: RetentionOptions | undefined;
  #retentionTimer: unknown;
  #seq = 0;
  #active = 0;
  #unannounced = 0;
  /** Submits between validation and admission (their records are being written). */
  #submitting = 0;
  #busySlots = 0;
  /** Calls decided whose durable start write is not done yet (not handed to the executor). */
  #starting = 0;
  #pumpScheduled = false;
  #snapshotScheduled = false;
  #closed = false;
  #recovered = false;

  constructor(options: TaskSchedulerOptions) {
    if (typeof options?.executor?.execute !== 'function') {
      throw new ValidationError('TaskScheduler: options.executor must have an execute(task, ctx) method', [
        { path: ['executor'], field: 'executor', message: 'must have an execute(task, ctx) method' },
      ]);
    }
    const capacity = options.executor.capacity;
    const asked = options.concurrency ?? capacity ?? 4;
    const concurrency = capacity !== undefined && capacity >= 1 ? Math.min(asked, capacity) : asked;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new ValidationError(`TaskScheduler: options.concurrency must be a whole number ≥ 1, got ${concurrency}`, [
        { path: ['concurrency'], field: 'concurrency', message: 'must be a whole number ≥ 1' },
      ]);
    }
    this.#executor = options.executor;
    this.#ownsStore = options.store === undefined;
    this.#store = options.store ?? new MemoryTaskStore();
    this.#writes = new WriteBuffer(this.#store, (error, records) => this.#onWriteError(error, records));
    this.#clock = options.clock ?? systemClock;
    this.#retryer = createRetryer(options);
    this.#agingMs = options.agingMs ?? 5_000;
    this.#queue = new TaskQueue<Entry>(this.#agingMs);
    this.#concurrency = concurrency;
    this.#generateId = options.generateId ?? createIdGenerator();
    const maxInterruptions = options.maxInterruptions ?? 3;
    if (!Number.isInteger(maxInterruptions) || maxInterruptions < 0) {
      throw new ValidationError(`TaskScheduler: options.maxInterruptions must be a whole number ≥ 0, got ${maxInterruptions}`, [
        { path: ['maxInterruptions'], field: 'maxInterruptions', message: 'must be a whole number ≥ 0' },
      ]);
    }
    this.#maxInterruptions = maxInterruptions;
    this.#validate = options.validate;
    const gcTimeMs = options.gcTimeMs ?? 60_000;
    const maxFinished = options.maxFinishedInMemory ?? 1_000;
    if (!(gcTimeMs >= 0)) {
      throw new ValidationError(`TaskScheduler: options.gcTimeMs must be a number ≥ 0 (or Infinity), got ${gcTimeMs}`, [
        { path: ['gcTimeMs'], field: 'gcTimeMs', message: 'must be a number ≥ 0 (or Infinity)' },
      ]);
    }
    if (!(maxFinished === Number.POSITIVE_INFINITY || (Number.isInteger(maxFinished) && maxFinished >= 0))) {
      throw new ValidationError(`TaskScheduler: options.maxFinishedInMemory must be a whole number ≥ 0 (or Infinity), got ${maxFinished}`, [
        { path: ['maxFinishedInMemory'], field: 'maxFinishedInMemory', message: 'must be a whole number ≥ 0 (or Infinity)' },
      ]);
    }
    this.#finished = new GcQueue<Entry>({
      gcTimeMs,
      maxItems: maxFinished,
      clock: this.#clock,
      evict: (entry) => {
        if (this.#entries.get(entry.task.id) === entry) this.#entries.delete(entry.task.id);
      },
    });
    this.#retention = options.retention;
    const everyMs = options.retention?.everyMs ?? 60_000;
    if (options.retention !== undefined && !(everyMs > 0)) {
      throw new ValidationError(`TaskScheduler: options.retention.everyMs must be a number > 0, got ${everyMs}`, [
        { path: ['retention', 'everyMs'], field: 'retention.everyMs', message: 'must be a number > 0' },
      ]);
    }
    const executor = options.executor;
    const policy = resolveBatchPolicy(executor.batching, typeof executor.executeBatch === 'function');
    this.#former =
      policy === undefined
        ? undefined
        : new BatchFormer<Entry>(
            policy,
            this.#clock,
            (item) => item.owner.item === item && item.owner.phase === 'ready',
            (items) => {
              for (const item of items) this.#queue.push(item);
              this.#schedulePump();
            },
            (item) => item.owner.task.modelId,
            (item) => item.owner.task,
          );
    this.#stopListening = executor.onAvailable?.(() => this.#schedulePump());
    this.#ready = this.#recover();
    // A failed recovery is reported by every call that awaits it; keep it from being unhandled.
    this.#ready.then(() => this.#retain(everyMs), () => undefined);
  }

  /** Resolves once the tasks found in the store are queued again, with what was found. */
  ready(): Promise<RecoveryReport> {
    return this.#ready;
  }

  /**
   * Validates, persists (durable before it resolves) and queues one task; returns its id.
   * Rejects with a ValidationError naming the field, or `unknown-dependency`, `cycle`,
   * `duplicate-id`, `closed`, `persistence` errors; nothing is stored when it rejects.
   */
  submit(options: SubmitTaskOptions): Promise<TaskId> {
    if (this.#closed) return Promise.reject(new TaskweaveError('closed', 'The scheduler is closed'));
    let p: ResolvedSubmit;
    try {
      p = parseSubmission(options, this.#validate);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.#recovered || p.id !== undefined || p.dependencies.length > 0) {
      return this.#submit([p], false).then((ids) => ids[0] as TaskId);
    }
    // Common case, kept lean: a fresh id cannot collide and nothing needs looking up.
    const id = this.#generateId() as TaskId;
    const record = newTaskRecord(p, id, this.#clock.now(), ++this.#seq);
    this.#submitting++;
    // One promise per turn, not per submit: each submit looks its own refusal up.
    return this.#writes.queue(record).then((refusals) => {
      this.#submitting--;
      if (refusals?.has(record)) {
        this.#maybeIdle();
        throw refusals.get(record);
      }
      if (this.#closed) throw new TaskweaveError('closed', 'The scheduler closed during submit');
      this.#admit(record.task, record.seq);
      return record.task.id;
    });
  }

  /**
   * Like `submit` for several tasks in one durable write; tasks may depend on each other by
   * giving their own `id`s. All or nothing: one bad task refuses the batch, and nothing is stored
   * before every task was checked. Works in slices of about 8 ms that yield to the event loop, so
   * a long batch never blocks the page for long.
   */
  async submitMany(options: readonly SubmitTaskOptions[]): Promise<TaskId[]> {
    if (this.#closed) throw new TaskweaveError('closed', 'The scheduler is closed');
    // Validated, prepared and admitted in slices of a few ms (the page stays responsive for
    // 20,000 tasks); still all or nothing: every task is checked before any is stored.
    const slicer = new Slicer(this.#clock);
    return this.#submit(await parseSubmissionsInSlices(options, () => slicer.pause(), this.#validate), true, slicer);
  }

  /**
   * Takes in what another writer (a follower tab) stored for these ids: a Pending task it
   * submitted is queued (its unfinished dependencies found in the store are adopted first), and
   * a task it ended in the store (a cancel written there) ends here too, without running and
   * without writing again. Unknown ids and ids already held as they are stored are skipped. Reads
   * the store once per level of dependencies (`getMany`). Returns the ids queued.
   */
  async adopt(ids: readonly TaskId[]): Promise<TaskId[]> {
    await this.#ready;
    const read = new Map<TaskId, TaskRecord>();
    const toAdmit: TaskRecord[] = [];
    let frontier = [...new Set(ids)].filter((id) => !this.#reserved.has(id) && this.#entries.get(id)?.phase !== 'done');
    while (frontier.length > 0 && !this.#closed) {
      const records = await this.#readMany(frontier);
      const next = new Set<TaskId>();
      frontier.forEach((id, i) => {
        const record = records[i];
        if (record === undefined) return;
        read.set(id, record);
        if (isTerminalStatus(record.status)) {
          const entry = this.#entries.get(id);
          // A running task's start was durable, so no other writer ended it: its end comes from here.
          if (entry !== undefined && entry.phase !== 'done' && entry.phase !== 'running') this.#takeEnd(entry, record);
          return;
        }
        if (this.#entries.has(id)) return;
        toAdmit.push(record);
        for (const dep of record.task.dependencies) if (!this.#entries.has(dep) && !read.has(dep)) next.add(dep);
      });
      frontier = [...next].filter((dep) => !read.has(dep));
    }
    if (this.#closed) return [];
    // Finished dependencies first (a dependent admitted before them would wait forever), then the
    // unfinished tasks in submission order; a dependency admitted after its dependent still frees it.
    for (const record of toAdmit) {
      for (const dep of record.task.dependencies) {
        const depRecord = read.get(dep);
        if (depRecord !== undefined && isTerminalStatus(depRecord.status)) this.#rememberFinished(dep, depRecord);
      }
    }
    toAdmit.sort((a, b) => a.seq - b.seq);
    const adopted: TaskId[] = [];
    for (const record of toAdmit) {
      if (this.#entries.has(record.task.id)) continue; // adopted meanwhile by a concurrent call
      this.#seq = Math.max(this.#seq, record.seq);
      this.#admit(record.task, record.seq);
      adopted.push(record.task.id);
    }
    return adopted;
  }

  /** Resolves with the TaskResult when the task ends, whatever its terminal status. */
  async wait(id: TaskId): Promise<TaskResult> {
    await this.#ready;
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      if (entry.announced) return entry.result as TaskResult;
      if (entry.storeError !== undefined) throw entry.storeError;
      if (this.#closed) throw new TaskweaveError('closed', `Scheduler closed before task ${id} ended`);
      return new Promise<TaskResult>((resolve, reject) => {
        (entry.waiters ??= []).push(resolve);
        (entry.failWaiters ??= []).push(reject);
      });
    }
    const record = await this.#store.get(id);
    if (record?.result !== undefined) return record.result;
    throw new TaskweaveError('not-found', `No task with id ${id}`, { details: { taskId: id } });
  }

  /**
   * Whether this scheduler holds the task in memory and has not announced its end yet: its end
   * will come as a `status` event with the result (so a caller can wait for that instead of
   * reading the store). False for tasks it never saw, or that ended.
   */
  holds(id: TaskId): boolean {
    const entry = this.#entries.get(id);
    return entry !== undefined && !entry.announced && entry.storeError === undefined && !this.#closed;
  }

  /** The task as it is now, or undefined when unknown. */
  async get(id: TaskId): Promise<TaskState | undefined> {
    await this.#ready;
    const entry = this.#entries.get(id);
    // An end the store refused is not the truth: the store is.
    if (entry !== undefined && entry.storeError === undefined) return toTaskState(entry);
    const record = await this.#store.get(id);
    return record === undefined ? undefined : toTaskState(record);
  }

  /**
   * Cancels a task that has not ended: a queued one settles at once, a running one has its
   * signal aborted. Its dependents are cancelled too. Returns false when it had already ended.
   */
  async cancel(id: TaskId): Promise<boolean> {
    await this.#ready;
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.phase === 'done') return false;
    this.#settle(entry, TaskStatus.Cancelled, NONE, new CancelledError(`Task ${id} was cancelled`));
    return true;
  }

  /**
   * Listens to status changes, retries, queue snapshots and background errors.
   * @returns the unsubscribe function
   */
  subscribe(listener: SchedulerListener): () => void {
    return this.#events.subscribe(listener);
  }

  /** Counts by status and priority; O(1), fine to call every animation frame. */
  getSnapshot(): QueueSnapshot {
    return this.#counters.snapshot(this.#concurrency);
  }


  /** Resolves when no task is Pending or Running, none is being submitted, and their writes are done. */
  async onIdle(): Promise<void> {
    await this.#ready;
    // A closed scheduler runs nothing more: its unfinished tasks stay in the store as they are.
    if (!this.#closed && (this.#active > 0 || this.#unannounced > 0 || this.#submitting > 0)) {
      await new Promise<void>((resolve) => this.#idleWaiters.add(resolve));
    }
    await this.#flushWrites();
  }

  /**
   * Removes finished tasks from the store by age or count (default: the `retention` rule), in a
   * few bulk writes, and lets every finished task leave memory (they are read back from the store
   * when asked for). Returns how many records were removed.
   *
   * @example await scheduler.prune({ olderThanMs: 7 * 86_400_000, keepLast: 10_000 })
   */
  async prune(options: PruneOptions | undefined = this.#retention): Promise<number> {
    await this.#ready;
    const rule: PruneOptions = {};
    if (options?.olderThanMs !== undefined) rule.olderThanMs = options.olderThanMs;
    if (options?.keepLast !== undefined) rule.keepLast = options.keepLast;
    await this.#flushWrites();
    const removed = await this.#store.prune(rule);
    this.#finished.clear();
    return removed;
  }

  /** Runs the retention rule now and then every `everyMs`, until close. */
  #retain(everyMs: number): void {
    if (this.#retention === undefined || this.#closed) return;
    const run = () => {
      this.#retentionTimer = undefined;
      if (this.#closed) return;
      this.prune().then(
        () => schedule(),
        (error: unknown) => {
          if (this.#closed) return;
          this.#events.emit({ type: 'error', error: toTaskweaveError(error) });
          schedule();
        },
      );
    };
    const schedule = () => {
      if (this.#closed) return;
      this.#retentionTimer = this.#clock.setTimeout(run, everyMs);
      (this.#retentionTimer as { unref?: () => void } | null)?.unref?.();
    };
    run();
  }

  /**
   * Stops: no new submissions, running attempts are aborted, pending `wait`s reject with a
   * `closed` error. Unfinished tasks stay in the store as they are, so a scheduler on the same
   * store resumes them (a task that was running counts as interrupted). Closes the executor,
   * and the store only when the scheduler made it (a store you pass in stays yours to close).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ready.catch(() => undefined);
    const closedError = new TaskweaveError('closed', 'The scheduler was closed');
    for (const entry of this.#entries.values()) {
      if (entry.phase === 'done') continue;
      if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
      entry.cancelDeadline?.();
      entry.current?.abort(closedError);
      for (const reject of entry.failWaiters ?? []) reject(closedError);
      entry.waiters = undefined;
      entry.failWaiters = undefined;
    }
    for (const resolve of this.#idleWaiters) resolve();
    this.#idleWaiters.clear();
    this.#former?.close();
    this.#finished.close();
    if (this.#retentionTimer !== undefined) this.#clock.clearTimeout(this.#retentionTimer);
    this.#stopListening?.();
    await this.#flushWrites();
    await this.#executor.close?.();
    if (this.#ownsStore) await this.#store.close();
  }

  // ── submission ────────────────────────────────────────────────────────────

  async #submit(parsed: readonly ResolvedSubmit[], many: boolean, slicer?: Slicer): Promise<TaskId[]> {
    if (this.#closed) throw new TaskweaveError('closed', 'The scheduler is closed');
    this.#submitting++;
    try {
      return await this.#submitChecked(parsed, many, slicer);
    } finally {
      this.#submitting--;
      this.#maybeIdle();
    }
  }

  async #submitChecked(parsed: readonly ResolvedSubmit[], many: boolean, slicer: Slicer | undefined): Promise<TaskId[]> {
    await this.#ready;
    // Ids are reserved while we await the store, so concurrent submits cannot take them.
    const reserved: TaskId[] = [];
    try {
      const { records, found } = await prepareSubmissions(parsed, many, {
        generateId: this.#generateId,
        now: () => this.#clock.now(),
        nextSeq: () => ++this.#seq,
        isTaken: (id) => this.#entries.has(id) || this.#reserved.has(id),
        isKnown: (id) => this.#entries.has(id),
        reserve: (ids) => {
          for (const id of ids) {
            reserved.push(id);
            this.#reserved.add(id);
          }
        },
        ...(slicer === undefined ? {} : { pause: () => slicer.pause() }),
        lookup: (id) => {
          const entry = this.#entries.get(id);
          if (entry === undefined) return this.#store.get(id);
          // A durable end is handed over as found, so it is remembered again should it leave
          // memory before the submit's write is done.
          if (!entry.announced) return Promise.resolve(undefined);
          return Promise.resolve(this.#record(entry, entry.result?.timestamp ?? 0, entry.result));
        },
      });
      await this.#writes.write(records);
      if (this.#closed) throw new TaskweaveError('closed', 'The scheduler closed during submit');
      // A dependency another tab wrote but this scheduler has not adopted yet is adopted now
      // (queued to run), not remembered as finished.
      const unfinished: TaskId[] = [];
      for (const [id, record] of found) {
        if (isTerminalStatus(record.status)) this.#rememberFinished(id, record);
        else unfinished.push(id);
      }
      if (unfinished.length > 0) await this.adopt(unfinished);
      if (this.#closed) throw new TaskweaveError('closed', 'The scheduler closed during submit');
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as TaskRecord;
        this.#admit(record.task, record.seq);
        const wait = (i & (SLICE_CHECK_EVERY - 1)) === SLICE_CHECK_EVERY - 1 ? slicer?.pause() : undefined;
        if (wait !== undefined) {
          await wait;
          // Stored, so a scheduler on this store resumes the rest; this one runs nothing more.
          if (this.#closed) throw new TaskweaveError('closed', 'The scheduler closed during submit');
        }
      }
      return records.map((r) => r.task.id);
    } finally {
      for (const id of reserved) this.#reserved.delete(id);
    }
  }

  /** `store.getMany`, read once more when a corrupt record was quarantined (it then reads as absent). */
  async #readMany(ids: readonly TaskId[]): Promise<(TaskRecord | undefined)[]> {
    try {
      return await this.#store.getMany(ids);
    } catch (error) {
      if (!(error instanceof TaskweaveError && error.code === 'persistence' && error.details?.['reason'] === 'corrupt')) throw error;
      this.#events.emit({ type: 'error', error });
      return this.#store.getMany(ids);
    }
  }

  /**
   * Another writer ended this task in the store (a tab cancelled it before it started): it ends
   * here with that stored result, is not run, and nothing is written for it again. Its
   * dependents follow by the usual rules.
   */
  #takeEnd(entry: Entry, record: TaskRecord): void {
    const result = record.result;
    if (result === undefined || entry.phase === 'done') return;
    const error = result.error === undefined ? undefined : new TaskweaveError((result.errorCode ?? 'execution') as TaskweaveError['code'], result.error, { retryable: false });
    this.#settle(entry, record.status, result.output, error, result);
  }

  /** Keeps a finished task read from the store (for a while), so dependents see its result. */
  #rememberFinished(id: TaskId, record: TaskRecord): Entry {
    const known = this.#entries.get(id);
    if (known !== undefined) return known;
    const entry = newEntry(record.task, record.seq);
    entry.status = record.status;
    entry.phase = isTerminalStatus(record.status) ? 'done' : 'blocked';
    entry.result = record.result;
    entry.announced = true;
    this.#entries.set(id, entry);
    this.#finished.add(entry, this.#clock.now());
    return entry;
  }

  /** Registers a stored Pending task: deadline, dependencies, then queue. */
  #admit(task: Task, seq: number, interrupted = false): Entry {
    const entry = newEntry(task, seq);
    entry.attempt = task.retryCount;
    this.#entries.set(task.id, entry);
    this.#active++;
    this.#counters.add(task.priority);
    this.#emitStatus(entry, undefined);

    if (task.deadline !== undefined) {
      entry.cancelDeadline = armDeadline(this.#clock, task.deadline, () => this.#onDeadline(entry));
      if (entry.phase === 'done') return entry;
    }
    // Most tasks depend on nothing: straight to the queue, without the lists below.
    if (task.dependencies.length === 0) {
      if (!interrupted) this.#dispatch(entry, { type: 'enqueue', at: this.#clock.now() });
      return entry;
    }
    const unfinished: TaskId[] = [];
    let missing: TaskId[] | undefined;
    for (const dep of task.dependencies) {
      const depEntry = this.#entries.get(dep);
      if (depEntry === undefined) {
        // Finished and gone from memory since the submit checked it: read back below.
        unfinished.push(dep);
        (missing ??= []).push(dep);
        continue;
      }
      // Done in memory is not enough: its end must be durable before anyone runs on it.
      if (depEntry.phase !== 'done' || (!depEntry.announced && depEntry.storeError === undefined)) {
        unfinished.push(dep);
        continue;
      }
      if (depEntry.status !== TaskStatus.Completed || depEntry.storeError !== undefined) {
        const status = depEntry.storeError === undefined ? depEntry.status : `${depEntry.status}, but its result could not be stored`;
        this.#settle(entry, TaskStatus.Cancelled, NONE, new DependencyFailedError(dep, status));
        return entry;
      }
      (entry.depResults ??= new Map()).set(dep, depEntry.result as TaskResult);
    }
    // An interrupted task had all its dependencies done; the caller decides its retry.
    if (interrupted) return entry;
    if (unfinished.length > 0) {
      this.#graph.add(task.id, unfinished);
      for (const dep of missing ?? []) this.#readBackDependency(dep);
    } else this.#dispatch(entry, { type: 'enqueue', at: this.#clock.now() });
    return entry;
  }

  /**
   * A dependency that left memory between a submit's checks and its admission: read it back from
   * the store and release (or cancel) whoever waits on it.
   */
  #readBackDependency(dep: TaskId): void {
    const cancelWaiting = (status: string, cause?: unknown) => {
      const error = new DependencyFailedError(dep, status, cause === undefined ? {} : { cause });
      for (const id of this.#graph.finish(dep).dependents) {
        const dependent = this.#entries.get(id);
        if (dependent !== undefined && dependent.phase !== 'done') this.#settle(dependent, TaskStatus.Cancelled, NONE, error);
      }
    };
    this.#store.get(dep).then(
      (record) => {
        if (this.#closed) return;
        const known = this.#entries.get(dep);
        if (known !== undefined) {
          // Back in memory meanwhile: released by its own end, or now if that end is behind it.
          if (known.announced || known.storeError !== undefined) this.#releaseDependents(known, known.storeError);
        } else if (record !== undefined && isTerminalStatus(record.status)) {
          this.#releaseDependents(this.#rememberFinished(dep, record), undefined);
        } else if (record !== undefined) {
          void this.adopt([dep]);
        } else cancelWaiting('missing from the store');
      },
      (error: unknown) => {
        if (this.#closed) return;
        this.#events.emit({ type: 'error', error: toTaskweaveError(error), taskId: dep });
        cancelWaiting('unreadable', error);
      },
    );
  }

  // ── the reducer ───────────────────────────────────────────────────────────

  /** Every phase/status change of a task goes through here. */
  #dispatch(entry: Entry, action: Action): void {
    const previous = entry.status;
    const previousPhase = entry.phase;
    switch (action.type) {
      case 'split':
        entry.attempt--;
        entry.solo = true;
        entry.status = TaskStatus.Pending;
        entry.current?.end();
        entry.current = undefined;
        this.#enqueue(entry, action.at);
        break;
      case 'enqueue':
        this.#enqueue(entry, action.at);
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
        entry.current?.end();
        break;
      case 'settle':
        entry.phase = 'done';
        entry.status = action.status;
        break;
    }
    this.#counters.move(entry.task.priority, previous, previousPhase, entry.status, entry.phase);
    if (previous !== entry.status) {
      if (entry.phase === 'done') this.#active--;
      if (action.type !== 'settle') this.#emitStatus(entry, previous);
    }
    // Running is recorded by #startCall (one durable write per call, before the executor has
    // the task); a task back in the queue is recorded Pending again.
    if (action.type === 'retry' || action.type === 'split') this.#persistState(entry);
    this.#scheduleSnapshot();
  }

  /** Puts a task in the ready queue, and in its batch group when it batches. */
  #enqueue(entry: Entry, at: number): void {
    entry.phase = 'ready';
    entry.readyAt = at;
    const item: QueueItem<Entry> = {
      owner: entry,
      id: entry.task.id,
      priority: entry.task.priority,
      deadline: entry.task.deadline ?? Number.POSITIVE_INFINITY,
      seq: entry.seq,
      readyAt: at,
      queued: false,
    };
    entry.item = item;
    this.#queue.push(item);
    const former = this.#former;
    if (former !== undefined && !entry.solo) {
      const key = former.keyOf(entry.task);
      entry.batchKey = key;
      if (key !== undefined) former.add(key, item);
    }
    this.#schedulePump();
  }

  // ── running ───────────────────────────────────────────────────────────────

  /** The scheduled pump (one function for the scheduler's life, not a closure per schedule). */
  readonly #scheduledPump = (): void => {
    this.#pumpScheduled = false;
    this.#pump();
  };

  #schedulePump(): void {
    if (this.#pumpScheduled || this.#closed) return;
    this.#pumpScheduled = true;
    // A resolved promise, not queueMicrotask: Node wraps each queueMicrotask in an AsyncResource.
    void RESOLVED.then(this.#scheduledPump);
  }

  /**
   * A call just ended and its end was handled: fills the freed slot now, in the same turn, unless
   * a pump is scheduled anyway. (Scheduling one per ended task was a promise, a reaction and a
   * microtask for every task.) Never called from inside `#pump`: only from a call's settlement.
   */
  #pumpAfterEnd(): void {
    if (!this.#pumpScheduled) this.#pump();
  }

  #pump(): void {
    if (this.#closed || this.#queue.size === 0) return;
    let free = this.#concurrency - this.#busySlots;
    // Only what the executor can start now: a task never waits inside it, it stays Pending here.
    if (this.#executor.available !== undefined) free = Math.min(free, this.#executor.available() - this.#starting);
    if (free <= 0) return;
    // One clock read per pump: the starts below happen in the same synchronous turn.
    const now = this.#clock.now();
    const former = this.#former;
    const idle = former === undefined || this.#executor.idleModels === undefined ? undefined : this.#executor.idleModels().map((m) => [...m]);
    const place = this.#executor.place;
    let deferred: QueueItem<Entry>[] | undefined;
    while (!this.#closed && free > 0) {
      let item = this.#queue.pop(now);
      if (item === undefined) break;
      const entry = item.owner;
      if (entry.item !== item || entry.phase !== 'ready') continue;
      let key = entry.batchKey;
      if (idle !== undefined) [item, key] = this.#withAffinity(item, key, idle, now);
      let placed: Readonly<Record<string, string>> | undefined;
      if (place !== undefined) {
        placed = place.call(this.#executor, item.owner.task);
        if (placed === undefined) {
          // No slot of its kind now: it stays Pending, in line, and the next ones are asked.
          (deferred ??= []).push(item);
          if (deferred.length >= PLACE_LOOKAHEAD) break;
          continue;
        }
      }
      if (former === undefined || key === undefined) {
        if (this.#startCall([item.owner], now, placed)) free--;
        continue;
      }
      // Parked (undefined) while its window fills; the loop goes on with other ready work.
      const batch = former.take(key, item, now);
      if (batch === undefined) continue;
      const entries: Entry[] = [];
      for (const member of batch) {
        this.#queue.remove(member);
        member.owner.batchKey = undefined; // taken out of its group
        entries.push(member.owner);
      }
      if (this.#startCall(entries, now, placed)) free--;
    }
    if (deferred !== undefined) for (const item of deferred) this.#queue.push(item);
  }

  /**
   * Model affinity: when no free worker holds the model of the task the queue handed out, a batch
   * of equal or higher priority whose model a free worker does hold goes first, and the task goes
   * back to the queue — for at most `agingMs` (then it is taken as it is), so it waits for a
   * holder rather than make another worker load its model. `idle` (the free workers' models) is
   * updated for the worker this choice will occupy.
   */
  #withAffinity(item: QueueItem<Entry>, key: string | undefined, idle: string[][], now: number): [QueueItem<Entry>, string | undefined] {
    const modelId = item.owner.task.modelId;
    const occupy = (models: readonly string[] | undefined) => {
      const at = models === undefined ? -1 : idle.indexOf(models as string[]);
      idle.splice(at >= 0 ? at : Math.max(0, idle.findIndex((m) => m.length === 0)), 1);
    };
    if (modelId === undefined || idle.length === 0) return [item, key];
    const holder = idle.find((models) => models.includes(modelId));
    if (holder !== undefined || now - item.readyAt >= this.#agingMs) {
      occupy(holder);
      return [item, key];
    }
    for (const models of idle) {
      const alternative = this.#former?.preferred(models, item.priority, now);
      if (alternative === undefined || alternative.item === item) continue;
      this.#queue.push(item); // back in line: it was handed out but not taken
      this.#queue.remove(alternative.item);
      occupy(models);
      return [alternative.item, alternative.key];
    }
    occupy(undefined);
    return [item, key];
  }

  /**
   * Starts one executor call for `entries` (one task, or a batch): Running in memory now, Running in
   * the store by one durable write, and only then handed to the executor, so a task the executor
   * has is never recorded Pending. Returns whether a call was started (false: all past deadline).
   */
  #startCall(entries: Entry[], now: number, placed?: Readonly<Record<string, string>>): boolean {
    const live: Entry[] = [];
    for (const entry of entries) if (this.#begin(entry, now, placed) !== undefined) live.push(entry);
    if (live.length === 0) return false;
    this.#busySlots++;
    const contexts = live.map((entry) => entry.current as Attempt);
    this.#starting++;
    // A compare-and-set: a task that another writer ended in the store meanwhile (a tab cancelled
    // it) is not started. Whoever commits first wins; the loser learns it from the store.
    this.#writes.writeIf(live.map((entry) => this.#record(entry, now)), UNFINISHED).then(
      (written) => {
        this.#starting--;
        if (written.every(Boolean)) {
          this.#call(live, contexts);
          return;
        }
        const refused = live.filter((_, i) => written[i] !== true);
        void this.#endedElsewhere(refused, refused.map((entry) => entry.current as Attempt));
        this.#call(
          live.filter((_, i) => written[i] === true),
          contexts.filter((_, i) => written[i] === true),
        );
      },
      (error: unknown) => {
        this.#starting--;
        this.#busySlots--;
        const failure = toTaskweaveError(error);
        live.forEach((entry, i) => {
          if (!this.#closed && entry.phase === 'running' && entry.current === contexts[i]) this.#failAttempt(entry, failure);
        });
        this.#schedulePump();
      },
    );
    return true;
  }

  /** Running now, with a new attempt context; undefined (and Timeout) when its deadline passed. */
  #begin(entry: Entry, now: number, placed?: Readonly<Record<string, string>>): Attempt | undefined {
    let task = entry.task;
    if (task.deadline !== undefined && now >= task.deadline) {
      this.#settle(entry, TaskStatus.Timeout, NONE, new TimeoutError(`Task ${task.id} reached its deadline before it started`));
      return undefined;
    }
    // What the executor decided at the start (where it runs) goes into the Running record.
    if (placed !== undefined) {
      for (const k in placed) {
        if (task.metadata[k] === placed[k]) continue;
        task = entry.task = { ...task, metadata: { ...task.metadata, ...placed } };
        break;
      }
    }
    this.#dispatch(entry, { type: 'start', at: now });
    const deps = task.dependencies;
    // Most tasks depend on nothing: they share one frozen empty list.
    let dependencies: readonly TaskResult[] = NO_RESULTS;
    if (deps.length > 0) {
      const results: TaskResult[] = [];
      for (let i = 0; i < deps.length; i++) {
        const dep = deps[i] as TaskId;
        const result = entry.depResults?.get(dep) ?? this.#entries.get(dep)?.result;
        if (result !== undefined) results.push(result);
      }
      dependencies = results;
    }
    const ctx = new Attempt(entry.attempt, dependencies);
    entry.current = ctx;
    return ctx;
  }

  /** Hands one task to `execute`; its slot is released when the call settles. */
  #execute(entry: Entry, ctx: Attempt): void {
    let promise: Promise<TaskOutput>;
    try {
      promise = this.#executor.execute(entry.task, ctx);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (output) => {
        this.#busySlots--;
        this.#onSuccess(entry, ctx, output);
        this.#pumpAfterEnd();
      },
      (error: unknown) => {
        this.#busySlots--;
        this.#onFailure(entry, ctx, error);
        this.#pumpAfterEnd();
      },
    );
  }

  /** Tasks whose start the store refused: another writer ended them there, so they end so here. */
  async #endedElsewhere(entries: Entry[], contexts: Attempt[]): Promise<void> {
    let records: (TaskRecord | undefined)[];
    try {
      records = await this.#readMany(entries.map((entry) => entry.task.id));
    } catch (error) {
      records = [];
      this.#events.emit({ type: 'error', error: toTaskweaveError(error) });
    }
    entries.forEach((entry, i) => {
      if (this.#closed || entry.phase !== 'running' || entry.current !== contexts[i]) return;
      const record = records[i];
      if (record !== undefined && isTerminalStatus(record.status)) this.#takeEnd(entry, record);
      else if (record !== undefined) this.#dispatch(entry, { type: 'split', at: this.#clock.now() }); // changed back meanwhile: try again
      else {
        const id = entry.task.id;
        this.#settle(entry, TaskStatus.Failed, NONE, new PersistenceError('unavailable', `Task ${id} is no longer in the store; it was not started`, { details: { taskId: id } }));
      }
    });
  }

  /** Hands a started call to the executor: `execute` for one task, `executeBatch` for several. */
  #call(entries: Entry[], contexts: Attempt[]): void {
    const members: Entry[] = [];
    const ctxs: Attempt[] = [];
    entries.forEach((entry, i) => {
      // A member cancelled (or timed out) while its start was being written is not handed over.
      if (entry.phase === 'running' && entry.current === contexts[i]) {
        members.push(entry);
        ctxs.push(contexts[i] as Attempt);
      }
    });
    if (this.#closed || members.length === 0) {
      this.#releaseSlot();
      return;
    }
    for (const ctx of ctxs) ctx.handed = true;
    if (members.length === 1) {
      this.#execute(members[0] as Entry, ctxs[0] as Attempt);
      return;
    }
    let promise: Promise<readonly BatchOutcome[]>;
    try {
      promise = (this.#executor.executeBatch as NonNullable<Executor['executeBatch']>)(
        members.map((entry) => entry.task),
        ctxs,
      );
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (outcomes) => {
        this.#releaseSlot();
        members.forEach((entry, i) => {
          const outcome = outcomes[i];
          const ctx = ctxs[i] as Attempt;
          if (outcome === undefined) {
            this.#onFailure(entry, ctx, new TaskweaveError('execution', `executeBatch returned no outcome for task ${entry.task.id}`, { retryable: false }));
          } else if (outcome.ok) this.#onSuccess(entry, ctx, outcome.output);
          else this.#onFailure(entry, ctx, outcome.error);
        });
      },
      () => {
        this.#releaseSlot();
        this.#split(members, ctxs);
      },
    );
  }

  /**
   * A batch failed as a whole (a worker crashed under it, its handler threw, it could not be sent):
   * nobody knows whose fault it was, so no member is charged. Each runs again alone; only a task
   * that then fails alone spends an attempt. Straight to single tasks rather than halving: every
   * crash costs the pool a worker and a model reload (seconds), and halving a batch of 32 with one
   * bad input would crash log2(32) = 5 more times; singles crash once more, with the culprit.
   */
  #split(members: Entry[], contexts: Attempt[]): void {
    if (this.#closed) return;
    members.forEach((entry, i) => {
      if (entry.phase === 'running' && entry.current === contexts[i]) this.#dispatch(entry, { type: 'split', at: entry.readyAt });
    });
  }

  #releaseSlot(): void {
    this.#busySlots--;
    this.#schedulePump();
  }

  #onSuccess(entry: Entry, ctx: Attempt, raw: TaskOutput): void {
    if (this.#closed || entry.phase !== 'running' || entry.current !== ctx) return;
    let output: TaskOutput;
    try {
      output = parseTaskOutput(raw);
    } catch (error) {
      this.#settle(entry, TaskStatus.Failed, NONE, error as TaskweaveError);
      return;
    }
    this.#settle(entry, TaskStatus.Completed, output);
  }

  #onFailure(entry: Entry, ctx: Attempt, raw: unknown): void {
    if (this.#closed || entry.phase !== 'running' || entry.current !== ctx) return;
    const error = toTaskweaveError(raw);
    // Handed back unrun (its placement changed): back in line, no attempt spent.
    if (error.code === 'not-started') this.#dispatch(entry, { type: 'split', at: this.#clock.now() });
    else this.#failAttempt(entry, error);
  }

  /** A failed attempt (handler error, a crash while it ran alone): retry by the rules or fail. */
  #failAttempt(entry: Entry, error: TaskweaveError): void {
    const task = entry.task;
    const now = this.#clock.now();
    entry.lastDurationMs = Math.max(0, now - entry.startedAt);
    const decision = this.#retryer.decide(error, task.retryCount, task.maxRetries, now, task.deadline);
    if (!decision.retry) {
      const note =
        decision.reason === 'deadline'
          ? ` (not retried: a retry could not start before the deadline)`
          : decision.reason === 'exhausted' && task.maxRetries > 0
            ? ` (after ${task.retryCount} retries)`
            : '';
      const final = note === '' ? error : new TaskweaveError(error.code, error.message + note, { cause: error, retryable: false, ...(error.details === undefined ? {} : { details: error.details }) });
      this.#settle(entry, TaskStatus.Failed, NONE, final);
      return;
    }
    this.#dispatch(entry, { type: 'retry', error, delayMs: decision.delayMs });
    this.#events.emit({
      type: 'retry',
      taskId: task.id,
      retryCount: entry.task.retryCount,
      delayMs: decision.delayMs,
      error,
    });
    entry.timer = this.#clock.setTimeout(() => {
      entry.timer = undefined;
      if (entry.phase === 'retrying' && !this.#closed) {
        this.#dispatch(entry, { type: 'enqueue', at: this.#clock.now() });
      }
    }, decision.delayMs);
  }

  #onDeadline(entry: Entry): void {
    if (entry.phase === 'done') return;
    const running = entry.phase === 'running';
    const error = new TimeoutError(
      running
        ? `Task ${entry.task.id} was still running at its deadline`
        : `Task ${entry.task.id} reached its deadline before it started`,
    );
    this.#settle(entry, TaskStatus.Timeout, NONE, error);
  }

  /**
   * Ends a task: in memory now, in the store by one write. Its end is announced (status event,
   * `wait`) and its dependents are released or cancelled only once that write is durable. With
   * `stored`, the end is one another writer already put in the store: it is taken as it is and not
   * written again.
   */
  #settle(entry: Entry, s: TaskStatus, o: TaskOutput, e?: TaskweaveError, stored?: TaskResult): void {
    if (entry.phase === 'done') return;
    const now = this.#clock.now();
    const wasRunning = entry.phase === 'running';
    // Only a task the executor has is Running in the store for sure; any other may have been
    // ended there by another writer (a tab's cancel), and its end is written only if not.
    const contested = !(wasRunning && entry.current?.handed === true);
    if (entry.item !== undefined) this.#queue.remove(entry.item);
    entry.item = undefined;
    if (entry.batchKey !== undefined) this.#former?.drop(entry.batchKey);
    entry.batchKey = undefined;
    if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.cancelDeadline?.();
    entry.cancelDeadline = undefined;
    if (wasRunning && s !== TaskStatus.Completed && s !== TaskStatus.Failed) {
      entry.current?.abort(e);
    }
    entry.current?.end();
    entry.depResults = undefined;
    this.#graph.drop(entry.task.id);

    const reported = entry.current?.reported;
    const metrics: TaskMetrics = {
      durationMs: reported?.durationMs ?? (wasRunning ? Math.max(0, now - entry.startedAt) : entry.lastDurationMs),
      queueWaitMs: entry.queueWaitMs + (reported?.queueWaitMs ?? 0),
      memoryBytes: reported?.memoryBytes ?? 0,
      cpuUsage: reported?.cpuUsage ?? 0,
      networkBytes: reported?.networkBytes ?? 0,
      retryCount: entry.task.retryCount,
    };
    if (reported?.backend !== undefined) metrics.backend = reported.backend;
    if (reported?.batchSize !== undefined) metrics.batchSize = reported.batchSize;
    if (reported?.placement !== undefined) metrics.placement = reported.placement;
    let result: TaskResult | undefined = stored;
    if (result === undefined) {
      result = { taskId: entry.task.id, status: s, output: o, metrics, timestamp: now };
      if (e !== undefined) {
        result.error = e.message;
        result.errorCode = e.code;
      }
    }
    const previous = entry.status;
    entry.result = result;
    entry.current = undefined;
    this.#dispatch(entry, { type: 'settle', status: s });
    // A result seen is never produced again after a reload, and no dependent runs on a result
    // that a reload could take back: both wait for the durable write.
    this.#unannounced++;
    if (this.#closed || stored !== undefined) {
      this.#ended(entry, previous, undefined);
      return;
    }
    const ended = (error: unknown) => this.#ended(entry, previous, error);
    if (contested) {
      this.#writes.writeIf([this.#record(entry, now, result)], UNFINISHED).then(
        ([written]) => (written === true ? ended(undefined) : this.#lostEnd(entry, () => ended(undefined))),
        ended, // refused by the store: reported through onError, as for any status write
      );
    } else this.#writes.writeThen(this.#record(entry, now, result), ended);
  }

  /** The terminal write of `entry` is durable (`error` undefined) or was refused. */
  #ended(entry: Entry, previous: TaskStatus, error: unknown): void {
    this.#unannounced--;
    const waiters = entry.waiters;
    const failWaiters = entry.failWaiters;
    entry.waiters = undefined;
    entry.failWaiters = undefined;
    let storeError: TaskweaveError | undefined;
    if (error === undefined) {
      entry.announced = true;
      this.#emitStatus(entry, previous);
      for (const resolve of waiters ?? []) resolve(entry.result as TaskResult);
    } else {
      // Never reported as ended: the store keeps what it had (a later scheduler resumes it).
      storeError = toTaskweaveError(error);
      entry.storeError = storeError;
      this.#events.emit({ type: 'error', error: storeError, taskId: entry.task.id });
      for (const reject of failWaiters ?? []) reject(storeError);
    }
    this.#releaseDependents(entry, storeError);
    // Its dependents hold its result now: from here on memory may let it go (to the store).
    this.#finished.add(entry, (entry.result as TaskResult).timestamp);
    this.#maybeIdle();
  }

  /**
   * This scheduler ended a task the executor did not have, but another writer had ended it in the
   * store first: the stored end is the one everybody sees, so it replaces this one before it is
   * announced.
   */
  #lostEnd(entry: Entry, announce: () => void): void {
    this.#store.get(entry.task.id).then(
      (record) => {
        if (record?.result !== undefined && isTerminalStatus(record.status) && record.status !== entry.status) {
          this.#counters.relabel(entry.status, record.status);
          entry.status = record.status;
        }
        if (record?.result !== undefined) entry.result = record.result;
        announce();
      },
      announce,
    );
  }

  /** Enqueues the dependents `entry` was the last to wait for, or cancels them all. */
  #releaseDependents(entry: Entry, storeError: TaskweaveError | undefined): void {
    const id = entry.task.id;
    const { dependents, nowReady } = this.#graph.finish(id);
    if (dependents.length === 0) return;
    const now = this.#clock.now();
    if (entry.status === TaskStatus.Completed && storeError === undefined) {
      const result = entry.result as TaskResult;
      for (const dependentId of dependents) {
        const dependent = this.#entries.get(dependentId);
        if (dependent !== undefined && dependent.phase !== 'done') (dependent.depResults ??= new Map()).set(id, result);
      }
      for (const dependentId of nowReady) {
        const dependent = this.#entries.get(dependentId);
        if (dependent !== undefined && dependent.phase === 'blocked') this.#dispatch(dependent, { type: 'enqueue', at: now });
      }
      return;
    }
    const error =
      storeError === undefined
        ? new DependencyFailedError(id, entry.status)
        : new DependencyFailedError(id, `${entry.status}, but its result could not be stored`, { cause: storeError });
    for (const dependentId of dependents) {
      const dependent = this.#entries.get(dependentId);
      if (dependent !== undefined && dependent.phase !== 'done') this.#settle(dependent, TaskStatus.Cancelled, NONE, error);
    }
  }

  #maybeIdle(): void {
    if (this.#active > 0 || this.#unannounced > 0 || this.#submitting > 0 || this.#idleWaiters.size === 0) return;
    const waiters = [...this.#idleWaiters];
    this.#idleWaiters.clear();
    for (const resolve of waiters) resolve();
  }

  // ── persistence, events ───────────────────────────────────────────────────

  #persistState(entry: Entry, now: number = this.#clock.now()): void {
    if (this.#closed) return;
    void this.#writes.write(this.#record(entry, now));
  }

  /** The stored form of an entry now (with its result once terminal). */
  #record(entry: Entry, now: number, result?: TaskResult): TaskRecord {
    const record: TaskRecord = { task: entry.task, status: entry.status, seq: entry.seq, updatedAt: now };
    if (result !== undefined) record.result = result;
    if (entry.interruptions > 0) record.interruptions = entry.interruptions;
    return record;
  }

  /** A batch the store refused: status changes in it are reported (submits reject on their own). */
  #onWriteError(error: unknown, records: readonly TaskRecord[]): void {
    const failure = toTaskweaveError(error);
    for (const record of records) {
      if (!this.#entries.has(record.task.id)) continue; // a submit's own record: that submit rejects
      this.#events.emit({ type: 'error', error: failure, taskId: record.task.id });
    }
  }

  #flushWrites(): Promise<void> {
    return this.#writes.drained();
  }

  #emitStatus(entry: Entry, previous: TaskStatus | undefined): void {
    if (!this.#events.hasListeners()) return;
    this.#events.emit({
      type: 'status',
      taskId: entry.task.id,
      status: entry.status,
      previousStatus: previous,
      task: entry.task,
      ...(entry.result === undefined ? {} : { result: entry.result }),
    });
  }

  #scheduleSnapshot(): void {
    if (this.#snapshotScheduled || !this.#events.hasListeners()) return;
    this.#snapshotScheduled = true;
    void RESOLVED.then(() => {
      this.#snapshotScheduled = false;
      this.#events.emit({ type: 'queue', snapshot: this.getSnapshot() });
    });
  }

  // ── recovery ──────────────────────────────────────────────────────────────

  /** Queues again what the store holds unfinished; a task found Running was interrupted. */
  async #recover(): Promise<RecoveryReport> {
    const snapshot = await this.#store.load();
    this.#seq = Math.max(this.#seq, snapshot.lastSeq);
    const report: RecoveryReport = { resumed: 0, interrupted: 0, failed: 0, quarantined: snapshot.quarantined.length };
    for (const q of snapshot.quarantined) {
      queueMicrotask(() => this.#events.emit({ type: 'error', error: toTaskweaveError(q.error) }));
    }
    const known = new Set(snapshot.active.map((r) => r.task.id));
    const finishedDeps = new Set<TaskId>();
    for (const record of snapshot.active) {
      for (const dep of record.task.dependencies) if (!known.has(dep) && !this.#entries.has(dep)) finishedDeps.add(dep);
    }
    if (finishedDeps.size > 0) {
      const ids = [...finishedDeps];
      const records = await this.#readMany(ids);
      ids.forEach((dep, i) => {
        const depRecord = records[i];
        if (depRecord !== undefined) this.#rememberFinished(dep, depRecord);
      });
    }
    for (const record of snapshot.active) {
      const interrupted = record.status === TaskStatus.Running;
      const entry = this.#admit(record.task, record.seq, interrupted);
      entry.interruptions = record.interruptions ?? 0;
      if (!interrupted) {
        report.resumed++;
        continue;
      }
      if ((entry.phase as Phase) === 'done') {
        report.failed++; // its deadline passed meanwhile
        continue;
      }
      // Its run was cut short by a reload, close() or a tab handover: not its doing, so no retry
      // is spent; only the interruption bound can end it.
      entry.interruptions++;
      if (entry.interruptions > this.#maxInterruptions) {
        this.#settle(
          entry,
          TaskStatus.Failed,
          NONE,
          new TaskweaveError(
            'interrupted',
            `Task ${record.task.id} was interrupted ${entry.interruptions} times while running (page reload, close() or tab handover); maxInterruptions is ${this.#maxInterruptions}`,
            { retryable: false, details: { taskId: record.task.id, interruptions: entry.interruptions } },
          ),
        );
        report.failed++;
        continue;
      }
      entry.startedAt = record.updatedAt;
      this.#dispatch(entry, { type: 'enqueue', at: this.#clock.now() });
      this.#persistState(entry);
      report.interrupted++;
    }
    this.#recovered = true;
    return report;
  }
}
