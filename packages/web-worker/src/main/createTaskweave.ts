/**
 * `createTaskweave(options)`: one call that wires the scheduler, the IndexedDB store, the
 * worker pool and tab coordination for a browser app.
 *
 * Tabs of one origin share the database `taskweave:<name>`. Exactly one tab — the holder of
 * the Web Lock `taskweave:<name>:leader` — runs a `TaskScheduler` with the worker pool; the
 * others are followers: `submit` writes the task into the shared store (durable before it
 * resolves) and tells the leader over the BroadcastChannel `taskweave:<name>`, which adopts
 * it; `wait`, `get` and `subscribe` read the store and the leader's events. When the leader's
 * tab closes its lock is released, the next tab in line becomes leader, loads the store
 * (Pending tasks queued again, Running ones retried as after a worker crash) and carries on.
 * Each task runs in one tab only.
 */
import {
  TaskScheduler,
  TaskweaveError,
  deserializeError,
  isTerminalStatus,
  parseSubmission,
  parseSubmissions,
  prepareSubmissions,
  serializeError,
  Subscribable,
  toTaskState,
  type Executor,
  type PruneOptions,
  type QueueSnapshot,
  type RetentionOptions,
  type SchedulerEvent,
  type SchedulerListener,
  type SubmitTaskOptions,
  type TaskId,
  type TaskResult,
  type TaskSchedulerOptions,
  type TaskState,
} from '@taskweave/core';
import { IdbTaskStore, type IdbTaskStoreOptions } from '@taskweave/core/idb';
import { channelName, leaderLockName, type TabMessage, type WireEvent } from './tabs/tabMessages.js';
import { createWorkerPool, type WorkerPool, type WorkerPoolOptions } from './workerPool.js';

/** Options of `createTaskweave`. */
export interface TaskweaveOptions {
  /** Names the database, the lock and the channel; apps with several queues pick several names. @default 'default' */
  name?: string;
  /** Options of the worker pool the leader tab starts. */
  pool?: WorkerPoolOptions;
  /** Runs tasks instead of a worker pool (advanced: tests, custom executors). */
  executor?: () => Executor;
  /** Scheduler options (concurrency, retries, ageing). */
  scheduler?: Omit<TaskSchedulerOptions, 'executor' | 'store'>;
  /** IndexedDB store options (durability, batch size). */
  store?: Omit<IdbTaskStoreOptions, 'name'>;
  /**
   * How often a follower re-reads the store for a task it waits on, in case the leader's event
   * was missed during a hand-over. @default 1000
   */
  followerPollMs?: number;
  /** How long a follower waits for the leader to answer a cancel. @default 5000 */
  cancelTimeoutMs?: number;
  /**
   * Removes finished tasks from the database by age and count, in bulk, in the leader tab: when it
   * takes the lead and then every `everyMs` (default 60_000). Off unless given.
   * @default undefined (finished tasks stay until `prune()`)
   */
  retention?: RetentionOptions;
}

export type TabRole = 'leader' | 'follower';

/** The handle `createTaskweave` returns; the same API in every tab, whatever its role. */
export interface Taskweave {
  readonly name: string;
  /** 'leader' when this tab runs the tasks. */
  readonly role: TabRole;
  /** The scheduler, when this tab is the leader. */
  readonly scheduler: TaskScheduler | undefined;
  /** The worker pool, when this tab is the leader (and no custom executor was given). */
  readonly pool: WorkerPool | undefined;
  submit(options: SubmitTaskOptions): Promise<TaskId>;
  submitMany(options: readonly SubmitTaskOptions[]): Promise<TaskId[]>;
  wait(id: TaskId): Promise<TaskResult>;
  get(id: TaskId): Promise<TaskState | undefined>;
  cancel(id: TaskId): Promise<boolean>;
  /** Scheduler events, from this tab's scheduler or relayed from the leader's. */
  subscribe(listener: SchedulerListener): () => void;
  /** Called with the new role when this tab becomes the leader. @returns the unsubscribe function */
  onRoleChange(listener: (role: TabRole) => void): () => void;
  /** Counts by status and priority (a follower shows the leader's last snapshot). */
  getSnapshot(): QueueSnapshot | undefined;
  /**
   * Removes finished tasks from the database by age or count (default: the `retention` rule) in a
   * few bulk writes; returns how many were removed. Works in every tab.
   */
  prune(options?: PruneOptions): Promise<number>;
  /** Stops this tab's part: a leader closes its scheduler and pool and hands over. */
  close(): Promise<void>;
}

/**
 * Starts taskweave in this tab. Resolves once the tab knows its role.
 *
 * @example
 * const tw = await createTaskweave({ name: 'notes', pool: { size: 2 } })
 * const id = await tw.submit({ type: TaskType.EmbeddingGeneration, input: { kind: 'text', text }, modelId: 'use-lite' })
 * const { output } = await tw.wait(id)
 */
export async function createTaskweave(options: TaskweaveOptions = {}): Promise<Taskweave> {
  const tw = new TabTaskweave(options);
  await tw.start();
  return tw;
}

function toWire(event: SchedulerEvent): WireEvent {
  switch (event.type) {
    case 'retry':
      return { ...event, error: serializeError(event.error) };
    case 'error':
      return { ...event, error: serializeError(event.error) };
    default:
      return event;
  }
}

function fromWire(event: WireEvent): SchedulerEvent {
  switch (event.type) {
    case 'retry':
      return { ...event, error: deserializeError(event.error) };
    case 'error':
      return { ...event, error: deserializeError(event.error) };
    default:
      return event;
  }
}

class TabTaskweave implements Taskweave {
  readonly name: string;
  readonly #options: TaskweaveOptions;
  readonly #tabId = crypto.randomUUID();
  readonly #events = new Subscribable<SchedulerEvent>();
  readonly #roles = new Subscribable<TabRole>();
  readonly #store: IdbTaskStore;
  readonly #channel: BroadcastChannel;
  readonly #lockAbort = new AbortController();
  readonly #pendingCancels = new Map<string, (cancelled: boolean) => void>();
  #role: TabRole = 'follower';
  #scheduler: TaskScheduler | undefined;
  #pool: WorkerPool | undefined;
  #lastSnapshot: QueueSnapshot | undefined;
  #releaseLock: (() => void) | undefined;
  #closed = false;

  constructor(options: TaskweaveOptions) {
    this.#options = options;
    this.name = options.name ?? 'default';
    this.#store = new IdbTaskStore({ ...options.store, name: this.name });
    this.#channel = new BroadcastChannel(channelName(this.name));
    this.#channel.onmessage = (message: MessageEvent<TabMessage>) => this.#onMessage(message.data);
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
    if (typeof navigator === 'undefined' || navigator.locks === undefined) {
      await this.#becomeLeader(); // no Web Locks: this tab is the only runner
      return;
    }
    const lockName = leaderLockName(this.name);
    // Held until close() (or until the tab goes away, which releases the lock).
    // A close() that came while the lock was being granted has nothing to release: let it go now.
    const hold = () => (this.#closed ? Promise.resolve() : new Promise<void>((release) => (this.#releaseLock = release)));
    // Take the lead now if nobody has it…
    const leading = await new Promise<boolean>((resolve, reject) => {
      navigator.locks
        .request(lockName, { ifAvailable: true }, async (lock) => {
          if (lock === null) return resolve(false);
          try {
            await this.#becomeLeader();
          } catch (error) {
            return reject(error);
          }
          resolve(true);
          await hold();
        })
        .catch(reject);
    });
    // …else follow, and stand in line to take over when the leader's tab goes away.
    if (!leading) {
      navigator.locks
        .request(lockName, { signal: this.#lockAbort.signal }, async () => {
          await this.#becomeLeader();
          await hold();
        })
        .catch((error: unknown) => {
          if (this.#closed) return;
          this.#events.emit({
            type: 'error',
            error: new TaskweaveError('execution', `Could not take over as the running tab: ${String(error)}`, { cause: error }),
          });
        });
    }
  }

  async #becomeLeader(): Promise<void> {
    if (this.#closed) return;
    const executor =
      this.#options.executor?.() ?? (this.#pool = createWorkerPool({ database: this.name, ...this.#options.pool }));
    const retention = this.#options.retention ?? this.#options.scheduler?.retention;
    const scheduler = new TaskScheduler({ ...this.#options.scheduler, ...(retention === undefined ? {} : { retention }), executor, store: this.#store });
    scheduler.subscribe((event) => {
      this.#events.emit(event);
      if (event.type === 'queue') this.#lastSnapshot = event.snapshot;
      this.#post({ type: 'event', event: toWire(event) });
    });
    this.#scheduler = scheduler;
    this.#role = 'leader';
    await scheduler.ready();
    this.#post({ type: 'leader', tabId: this.#tabId });
    this.#roles.emit('leader');
  }

  #post(message: TabMessage): void {
    if (this.#closed) return;
    try {
      this.#channel.postMessage(message);
    } catch (error) {
      // A value that cannot be cloned (a custom output holding a function): tell local listeners.
      this.#events.emit({ type: 'error', error: new TaskweaveError('execution', `Could not relay an event to other tabs: ${String(error)}`) });
    }
  }

  #onMessage(message: TabMessage): void {
    switch (message.type) {
      case 'submitted':
        if (this.#scheduler !== undefined) void this.#scheduler.adopt(message.ids);
        break;
      case 'event':
        if (this.#role === 'follower') {
          const event = fromWire(message.event);
          if (event.type === 'queue') this.#lastSnapshot = event.snapshot;
          this.#events.emit(event);
        }
        break;
      case 'cancel':
        if (this.#scheduler !== undefined) {
          void this.#scheduler.cancel(message.taskId).then((cancelled) =>
            this.#post({ type: 'cancel-reply', requestId: message.requestId, cancelled }),
          );
        }
        break;
      case 'cancel-reply':
        this.#pendingCancels.get(message.requestId)?.(message.cancelled);
        break;
      case 'leader':
        break;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new TaskweaveError('closed', 'This taskweave instance is closed');
  }

  async submit(options: SubmitTaskOptions): Promise<TaskId> {
    this.#assertOpen();
    if (this.#scheduler !== undefined) return this.#scheduler.submit(options);
    const [id] = await this.#followerSubmit([parseSubmission(options)], false);
    return id as TaskId;
  }

  async submitMany(options: readonly SubmitTaskOptions[]): Promise<TaskId[]> {
    this.#assertOpen();
    if (this.#scheduler !== undefined) return this.#scheduler.submitMany(options);
    return this.#followerSubmit(parseSubmissions(options), true);
  }

  /** Writes Pending records into the shared store (durable), then tells the leader. */
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
    if (this.#scheduler !== undefined) await this.#scheduler.adopt(ids); // became leader meanwhile
    else this.#post({ type: 'submitted', ids });
    return ids;
  }

  async wait(id: TaskId): Promise<TaskResult> {
    this.#assertOpen();
    const local = this.#scheduler;
    if (local !== undefined) {
      const state = await local.get(id);
      if (state !== undefined) return local.wait(id);
    }
    return new Promise<TaskResult>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (result: TaskResult | undefined, error?: unknown) => {
        unsubscribe();
        if (timer !== undefined) clearTimeout(timer);
        if (result !== undefined) resolve(result);
        else reject(error);
      };
      const unsubscribe = this.#events.subscribe((event) => {
        if (event.type === 'status' && event.taskId === id && event.result !== undefined) finish(event.result);
      });
      // Subscribed first, then read: a result written before we listened is in the store.
      const check = (first: boolean): void => {
        void this.#store.get(id).then(
          (record) => {
            if (record?.result !== undefined) finish(record.result);
            else if (record === undefined && first) finish(undefined, new TaskweaveError('not-found', `No task with id ${id}`, { details: { taskId: id } }));
            else if (!this.#closed) timer = setTimeout(() => check(false), this.#options.followerPollMs ?? 1000);
            else finish(undefined, new TaskweaveError('closed', 'This taskweave instance is closed'));
          },
          (error: unknown) => finish(undefined, error),
        );
      };
      check(true);
    });
  }

  async get(id: TaskId): Promise<TaskState | undefined> {
    this.#assertOpen();
    if (this.#scheduler !== undefined) return this.#scheduler.get(id);
    const record = await this.#store.get(id);
    return record === undefined ? undefined : toTaskState(record);
  }

  async cancel(id: TaskId): Promise<boolean> {
    this.#assertOpen();
    if (this.#scheduler !== undefined) return this.#scheduler.cancel(id);
    const record = await this.#store.get(id);
    if (record === undefined || isTerminalStatus(record.status)) return false;
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

  subscribe(listener: SchedulerListener): () => void {
    return this.#events.subscribe(listener);
  }

  onRoleChange(listener: (role: TabRole) => void): () => void {
    return this.#roles.subscribe(listener);
  }

  getSnapshot(): QueueSnapshot | undefined {
    return this.#scheduler?.getSnapshot() ?? this.#lastSnapshot;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#lockAbort.abort();
    await this.#scheduler?.close();
    this.#releaseLock?.();
    this.#channel.close();
    await this.#store.close();
  }
}
