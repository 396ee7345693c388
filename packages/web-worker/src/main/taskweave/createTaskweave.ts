/**
 * `createTaskweave(options)`: one call that wires the scheduler, the IndexedDB store, the
 * worker pool and tab coordination for a browser app.
 *
 * Tabs of one origin share the database `taskweave:<name>`. Exactly one tab — the holder of
 * the Web Lock `taskweave:<name>:leader` — runs a `TaskScheduler` with the worker pool; the
 * others are followers: `submit` writes the task into the shared store (durable before it
 * resolves) and the store's change feed tells the leader, which adopts it. What crosses tabs is
 * ids and statuses: the change feed (`taskweave:<name>:store`) announces every durable write,
 * and the leader's notes (retries, counts, errors) go over `taskweave:<name>`; a result is read
 * from the store by the tab that wants it. A follower's `cancel` of a task that has not started
 * is a compare-and-set in the store, which the leader's start (a compare-and-set too) respects.
 * A takeover is all or nothing (see `tabs/leaderLock.ts`). Each task runs in one tab only.
 */
import {
  TaskScheduler,
  TaskweaveError,
  cancelStored,
  deserializeError,
  isTerminalStatus,
  parseSubmission,
  parseSubmissions,
  prepareSubmissions,
  serializeError,
  Subscribable,
  toTaskState,
  toTaskweaveError,
  TaskStatus,
  type Executor,
  type PruneOptions,
  type QueueSnapshot,
  type SchedulerEvent,
  type SubmitTaskOptions,
  type SubmitValidator,
  type TaskId,
  type TaskListPage,
  type TaskListQuery,
  type TaskProgress,
  type TaskResult,
  type TaskState,
} from '@taskweave/core';
import { IdbTaskStore, type StoreChange } from '@taskweave/core/idb';
import { collectionSchema } from '../../shared/collectionSchema.js';
import { LeaderLock } from './tabs/leaderLock.js';
import { StreamHub, optionalProgress } from './streams/streamHub.js';
import { WarmUpRelay } from './tabs/warmUpRelay.js';
import type { WarmUpOptions, WarmUpReport } from '../pool/poolEvents.js';
import { SnapshotRelay, type SnapshotSource } from './tabs/snapshotRelay.js';
import { ResultWaiters } from './tabs/resultWaiters.js';
import { channelName, leaderLockName, type TabMessage } from './tabs/tabMessages.js';
import type { TaskweaveEvent, TaskweaveListener } from './tabs/taskweaveEvent.js';
import { createModelAssets, withDeclaredModels } from './modelAssets.js';
import { typedTasks, type TypedTasks } from './typedTasks.js';
import { createWorkerPool, type WorkerPool } from '../pool/workerPool.js';
import { validateSubmission } from './submitSchema.js';
import { createPlacementExecutor } from '../pool/placementExecutor.js';
import type { TabRole, Taskweave, TaskweaveOptions, TaskweaveSnapshot } from './taskweave.js';

/**
 * Starts taskweave in this tab. Resolves once the tab knows its role.
 *
 * @example
 * const tw = await createTaskweave({ name: 'notes', pool: { size: 2 } })
 * const id = await tw.submit({ type: TaskType.EmbeddingGeneration, input: { kind: 'text', text }, modelId: 'use-lite' })
 * const { output } = await tw.wait(id)
 */
export async function createTaskweave(options: TaskweaveOptions = {}): Promise<Taskweave> {
  const models = createModelAssets(options.models, options.pool?.modelEnv);
  const modelEnv = withDeclaredModels(options.pool?.modelEnv, options.models);
  const tw = new TabTaskweave(modelEnv === undefined ? options : { ...options, pool: { ...options.pool, modelEnv } });
  await tw.start();
  return Object.assign(tw, typedTasks(tw), { models });
}

class TabTaskweave implements Omit<Taskweave, keyof TypedTasks | 'models'> {
  readonly name: string;
  readonly #options: TaskweaveOptions;
  readonly #tabId = crypto.randomUUID();
  readonly #events = new Subscribable<TaskweaveEvent>();
  readonly #roles = new Subscribable<TabRole>();
  readonly #store: IdbTaskStore;
  readonly #channel: BroadcastChannel;
  readonly #lock: LeaderLock;
  readonly #waiters: ResultWaiters;
  readonly #pendingCancels = new Map<string, (cancelled: boolean) => void>();
  /** The pool's submit-time checks (and the app's own), applied in every tab before anything is stored. */
  readonly #validate: SubmitValidator;
  readonly #stopFeed: () => void;
  /** Chunks of running (and lately ended) tasks, for `stream`, and progress. */
  readonly #streams: StreamHub;
  readonly #warmUps = new WarmUpRelay((message) => this.#post(message));
  readonly #snapshots: SnapshotRelay;
  #role: TabRole = 'follower';
  #scheduler: TaskScheduler | undefined;
  /** A scheduler being started by a takeover (this tab holds the lock, but does not lead yet). */
  #candidate: TaskScheduler | undefined;
  #pool: WorkerPool | undefined;
  #closed = false;

  constructor(options: TaskweaveOptions) {
    this.#options = options;
    this.name = options.name ?? 'default';
    const own = options.scheduler?.validate;
    this.#validate = own === undefined ? validateSubmission : (task) => [...validateSubmission(task), ...(own(task) ?? [])];
    // With the collections' stores, so the first upgrade of a new database creates them too
    // (else the first storage task's worker adds them one version up).
    this.#store = new IdbTaskStore({
      ...options.store,
      name: this.name,
      broadcastChanges: true,
      extensions: [collectionSchema, ...(options.store?.extensions ?? [])],
    });
    this.#waiters = new ResultWaiters((ids) => this.#store.getMany(ids));
    this.#streams = new StreamHub({
      name: this.name,
      tabId: this.#tabId,
      gcTimeMs: options.scheduler?.gcTimeMs ?? 60_000,
      post: (message) => this.#post(message),
      emit: (event) => this.#events.emit(event),
      subscribe: (listener) => this.subscribe(listener),
      get: (id) => this.get(id),
      scheduler: () => this.#scheduler,
    });
    this.#snapshots = new SnapshotRelay({ tabId: this.#tabId, intervalMs: options.snapshotIntervalMs ?? 100, post: (message) => this.#post(message) });
    this.#stopFeed = this.#store.subscribe((change) => this.#onStoreChange(change));
    this.#channel = new BroadcastChannel(channelName(this.name));
    this.#channel.onmessage = (message: MessageEvent<TabMessage>) => this.#onMessage(message.data);
    this.#lock = new LeaderLock({
      lockName: leaderLockName(this.name),
      takeOver: () => this.#takeOver(),
      onFailure: (error, first, retryInMs) => this.#onTakeoverFailure(error, first, retryInMs),
      backoffMs: options.takeoverBackoffMs ?? 1000,
    });
  }

  get role(): TabRole {
    return this.#role;
  }
  get scheduler(): TaskScheduler | undefined {
    return this.#scheduler;
  }
  get pool(): WorkerPool | undefined {
    return this.#pool;
  }

  /** Opens the store and queues for leadership; resolves once the role is known. */
  async start(): Promise<void> {
    await this.#store.open();
    await this.#lock.start();
  }

  // ── leadership ────────────────────────────────────────────────────────────

  /**
   * All or nothing, while this tab holds the lock: a scheduler that loaded the store, with its
   * pool, or nothing left open (the error goes to the lock, which lets go and tries again later).
   */
  async #takeOver(): Promise<void> {
    if (this.#closed) throw new TaskweaveError('closed', 'This taskweave instance is closed');
    let executor: Executor | undefined;
    let pool: WorkerPool | undefined;
    let scheduler: TaskScheduler | undefined;
    try {
      executor = this.#options.executor?.() ?? (pool = createWorkerPool({ database: this.name, ...this.#options.pool }));
      if (this.#options.remote !== undefined && pool !== undefined) executor = createPlacementExecutor(pool, this.#options.remote);
      const retention = this.#options.retention ?? this.#options.scheduler?.retention;
      scheduler = new TaskScheduler({
        ...this.#options.scheduler,
        ...(retention === undefined ? {} : { retention }),
        validate: this.#validate,
        executor,
        store: this.#store,
      });
      scheduler.subscribe((event) => this.#onSchedulerEvent(scheduler as TaskScheduler, event));
      this.#candidate = scheduler;
      await scheduler.ready();
      if (this.#closed) throw new TaskweaveError('closed', 'This taskweave instance closed during the takeover');
    } catch (error) {
      this.#candidate = undefined;
      // Closing the scheduler closes its executor; without a scheduler, close the executor itself.
      await (scheduler !== undefined ? scheduler.close() : executor?.close?.())?.catch(() => undefined);
      throw error;
    }
    this.#candidate = undefined;
    this.#scheduler = scheduler;
    this.#pool = pool;
    this.#role = 'leader';
    this.#streams.lead(scheduler);
    this.#warmUps.lead(pool);
    this.#post({ type: 'leader', tabId: this.#tabId });
    // Ends written while no tab announced them (the last leader went away between a write and its
    // announcement) are in the store: read what this tab waits for once more.
    this.#waiters.recheck();
    this.#roles.emit('leader');
  }

  #onTakeoverFailure(error: unknown, first: boolean, retryInMs: number): void {
    if (this.#closed || !first) return;
    const cause = toTaskweaveError(error);
    const failure = new TaskweaveError(
      cause.code,
      `This tab could not take over running the tasks, so it stays a follower and tries again (in ${retryInMs} ms, then less often): ${cause.message}`,
      { cause: error, retryable: true, details: { takeover: true, retryInMs } },
    );
    // A macrotask later: a listener subscribed right after `await createTaskweave()` hears it.
    setTimeout(() => {
      if (!this.#closed) this.#events.emit({ type: 'error', error: failure });
    }, 0);
  }

  // ── what crosses tabs ─────────────────────────────────────────────────────

  /** The store's change feed: statuses for subscribers and waiters, and other tabs' writes for the leader. */
  #onStoreChange(change: StoreChange): void {
    if (change.type !== 'put' || this.#closed) return;
    const scheduler = this.#scheduler ?? this.#candidate;
    const emit = this.#events.hasListeners();
    // In the leader, its own writes' ends reach waiters through the scheduler, from memory.
    const read = change.origin === 'remote' || this.#scheduler === undefined;
    let foreign: TaskId[] | undefined;
    for (const r of change.records) {
      if (r.checkpoint !== undefined) {
        // A checkpoint of a running task: progress, not a status change.
        if (emit) this.#events.emit({ type: 'progress', taskId: r.id, done: r.checkpoint.done ?? 0, ...optionalProgress(r.checkpoint), checkpoint: true });
        continue;
      }
      if (emit) this.#events.emit({ type: 'status', taskId: r.id, status: r.status, seq: r.seq, updatedAt: r.updatedAt });
      const ended = isTerminalStatus(r.status);
      if (ended && read) this.#waiters.changed(r.id);
      // A follower's submission (Pending) or its cancel (an end): the running scheduler takes it in.
      if (scheduler !== undefined && change.origin === 'remote' && (ended || r.status === TaskStatus.Pending)) (foreign ??= []).push(r.id);
    }
    if (scheduler !== undefined && foreign !== undefined) this.#adopt(scheduler, foreign);
  }

  #adopt(scheduler: TaskScheduler, ids: TaskId[]): void {
    scheduler.adopt(ids).catch((error: unknown) => {
      // A takeover that failed reports itself; a scheduler closed meanwhile has nothing to say.
      if (this.#closed || scheduler !== this.#scheduler) return;
      this.#events.emit({ type: 'error', error: toTaskweaveError(error) });
    });
  }

  /** The leader's own scheduler: retries, counts and errors for this tab and, as notes, the others. */
  #onSchedulerEvent(scheduler: TaskScheduler, event: SchedulerEvent): void {
    if (scheduler !== this.#scheduler && scheduler !== this.#candidate) return;
    switch (event.type) {
      case 'status':
        // Announced once durable: waiters here need no store read. Subscribers get the feed's event.
        if (event.result !== undefined) this.#waiters.settle(event.taskId, event.result);
        this.#streams.onSchedulerEvent(event);
        return;
      case 'chunk':
      case 'progress':
        this.#streams.onSchedulerEvent(event);
        return;
      case 'retry':
        this.#events.emit(event);
        this.#post({ type: 'retry', taskId: event.taskId, retryCount: event.retryCount, delayMs: event.delayMs, error: serializeError(event.error) });
        return;
      case 'error':
        this.#events.emit(event);
        this.#post({ type: 'error', error: serializeError(event.error), ...(event.taskId === undefined ? {} : { taskId: event.taskId }) });
        return;
      case 'queue':
        this.#events.emit(event);
        this.#snapshots.queueChanged(() => this.#scheduler?.getSnapshot());
        return;
    }
  }

  /** What `snapshot()` reads in the leader; undefined in a follower. */
  #snapshotSource(): SnapshotSource | undefined {
    const scheduler = this.#scheduler;
    if (scheduler === undefined) return undefined;
    const pool = this.#pool;
    return { queue: () => scheduler.getSnapshot(), pool: () => pool?.snapshot() };
  }

  #post(message: TabMessage): void {
    if (this.#closed) return;
    try {
      this.#channel.postMessage(message);
    } catch (error) {
      // Error details that cannot be cloned: tell local listeners, the other tabs miss this note.
      this.#events.emit({ type: 'error', error: new TaskweaveError('execution', `Could not tell other tabs: ${String(error)}`) });
    }
  }

  #onMessage(message: TabMessage): void {
    if (this.#closed) return;
    const following = this.#role === 'follower';
    switch (message.type) {
      case 'leader':
        // A hand-over: an end announced by the tab that went away may have been lost with it.
        this.#waiters.recheck();
        this.#streams.onMessage(message, following);
        this.#warmUps.askAgain();
        break;
      case 'warm-up':
      case 'warm-up-progress':
      case 'warm-up-reply':
        this.#warmUps.onMessage(message, this.#pool, !following);
        break;
      case 'progress':
      case 'stream':
        this.#streams.onMessage(message, following);
        break;
      case 'retry':
        if (following) this.#events.emit({ ...message, error: deserializeError(message.error) });
        break;
      case 'error':
        if (following) this.#events.emit({ ...message, error: deserializeError(message.error) });
        break;
      case 'queue':
        this.#snapshots.onMessage(message, this.#snapshotSource());
        if (following) this.#events.emit(message);
        break;
      case 'snapshot':
      case 'snapshot-reply':
        this.#snapshots.onMessage(message, this.#snapshotSource());
        break;
      case 'cancel':
        if (this.#scheduler !== undefined) {
          this.#scheduler.cancel(message.taskId).then(
            (cancelled) => this.#post({ type: 'cancel-reply', requestId: message.requestId, cancelled }),
            () => this.#post({ type: 'cancel-reply', requestId: message.requestId, cancelled: false }),
          );
        }
        break;
      case 'cancel-reply':
        this.#pendingCancels.get(message.requestId)?.(message.cancelled);
        break;
    }
  }

  // ── the API ───────────────────────────────────────────────────────────────

  #assertOpen(): void {
    if (this.#closed) throw new TaskweaveError('closed', 'This taskweave instance is closed');
  }

  async submit(options: SubmitTaskOptions): Promise<TaskId> {
    this.#assertOpen();
    if (this.#scheduler !== undefined) return this.#scheduler.submit(options);
    const [id] = await this.#followerSubmit([parseSubmission(options, this.#validate)], false);
    return id as TaskId;
  }

  async submitMany(options: readonly SubmitTaskOptions[]): Promise<TaskId[]> {
    this.#assertOpen();
    if (this.#scheduler !== undefined) return this.#scheduler.submitMany(options);
    return this.#followerSubmit(parseSubmissions(options, this.#validate), true);
  }

  /** Writes Pending records into the shared store (durable); the change feed tells the leader. */
  async #followerSubmit(parsed: Parameters<typeof prepareSubmissions>[0], many: boolean): Promise<TaskId[]> {
    // Submission numbers reserved in the shared database, so tabs interleave in submission order.
    let seq = await this.#store.reserveSeq(parsed.length);
    const { records } = await prepareSubmissions(parsed, many, {
      generateId: () => crypto.randomUUID(),
      now: () => Date.now(),
      nextSeq: () => seq++,
      isTaken: () => false,
      isKnown: () => false,
      lookup: (id) => this.#store.get(id),
    });
    await this.#store.put(records);
    const ids = records.map((r) => r.task.id);
    // This tab took the lead meanwhile: its own write is not news to it through the feed.
    const scheduler = this.#scheduler ?? this.#candidate;
    if (scheduler !== undefined) this.#adopt(scheduler, ids);
    return ids;
  }

  async wait(id: TaskId): Promise<TaskResult> {
    this.#assertOpen();
    // The running tab's scheduler holds it unfinished: its end is handed in, no store read needed.
    return this.#waiters.wait(id, this.#scheduler?.holds(id) !== true);
  }

  async get(id: TaskId): Promise<TaskState | undefined> {
    this.#assertOpen();
    if (this.#scheduler !== undefined) return this.#scheduler.get(id);
    const record = await this.#store.get(id);
    return record === undefined ? undefined : toTaskState(record);
  }

  async getMany(ids: readonly TaskId[]): Promise<(TaskState | undefined)[]> {
    this.#assertOpen();
    const scheduler = this.#scheduler;
    if (scheduler !== undefined) return Promise.all(ids.map((id) => scheduler.get(id)));
    const records = await this.#store.getMany(ids);
    return records.map((record) => (record === undefined ? undefined : toTaskState(record)));
  }

  async cancel(id: TaskId): Promise<boolean> {
    this.#assertOpen();
    const scheduler = this.#scheduler;
    if (scheduler !== undefined && (await scheduler.cancel(id))) return true;
    // Not held by a scheduler here: a compare-and-set in the store wins if it lands before the start.
    const outcome = await cancelStored(this.#store, id);
    if (outcome === 'cancelled') {
      if (scheduler !== undefined) {
        this.#adopt(scheduler, [id]); // a follower's task not adopted yet
        this.#waiters.changed(id); // this tab's own write: the feed does not wake waiters in the leader
      }
      return true;
    }
    if (outcome !== 'running' || scheduler !== undefined) return false;
    // It started first: only the tab that runs it can abort it.
    const now = this.#scheduler;
    if (now !== undefined) return now.cancel(id);
    const requestId = crypto.randomUUID();
    return new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pendingCancels.delete(requestId);
        reject(new TaskweaveError('closed', `No tab running tasks answered the cancel of ${id}`, { details: { taskId: id } }));
      }, this.#options.cancelTimeoutMs ?? 5000);
      this.#pendingCancels.set(requestId, (cancelled) => {
        clearTimeout(timer);
        this.#pendingCancels.delete(requestId);
        resolve(cancelled);
      });
      this.#post({ type: 'cancel', requestId, taskId: id });
    });
  }

  async prune(options: PruneOptions | undefined = this.#options.retention): Promise<number> {
    this.#assertOpen();
    if (this.#scheduler !== undefined) return this.#scheduler.prune(options);
    return this.#store.prune(options ?? {});
  }

  subscribe(listener: TaskweaveListener): () => void {
    return this.#events.subscribe(listener);
  }

  stream<C = unknown>(id: TaskId): AsyncIterable<C> {
    this.#assertOpen();
    return this.#streams.stream<C>(id);
  }

  progress(id: TaskId): AsyncIterable<TaskProgress> {
    this.#assertOpen();
    return this.#streams.progress(id);
  }

  warmUp(modelId: string, options?: WarmUpOptions): Promise<WarmUpReport> {
    this.#assertOpen();
    return this.#warmUps.warmUp(this.#pool, this.#scheduler !== undefined, modelId, options);
  }

  onRoleChange(listener: (role: TabRole) => void): () => void {
    return this.#roles.subscribe(listener);
  }

  getSnapshot(): QueueSnapshot | undefined {
    return this.#scheduler?.getSnapshot() ?? this.#snapshots.heard;
  }

  snapshot(): Promise<TaskweaveSnapshot> {
    this.#assertOpen();
    return this.#snapshots.snapshot(this.#role, this.#snapshotSource());
  }

  async list(query?: TaskListQuery): Promise<TaskListPage<TaskState>> {
    this.#assertOpen();
    const page = await this.#store.list(query);
    return page.nextCursor === undefined ? { tasks: page.tasks.map(toTaskState) } : { tasks: page.tasks.map(toTaskState), nextCursor: page.nextCursor };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#lock.stop();
    this.#snapshots.close();
    this.#waiters.rejectAll(new TaskweaveError('closed', 'This taskweave instance was closed'));
    this.#streams.close();
    this.#warmUps.close(new TaskweaveError('closed', 'This taskweave instance was closed'));
    // The scheduler (and its pool) close before the lock goes, so the next leader starts after the last write.
    await this.#candidate?.close();
    await this.#scheduler?.close();
    this.#lock.release();
    this.#stopFeed();
    this.#channel.close();
    await this.#store.close();
  }
}

