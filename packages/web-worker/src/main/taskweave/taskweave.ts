/**
 * What `createTaskweave` returns and takes: the `Taskweave` handle (the same API in every tab) and
 * its options. The handle is made in `createTaskweave.ts`.
 */
import type {
  Executor,
  PruneOptions,
  QueueSnapshot,
  RetentionOptions,
  SubmitTaskOptions,
  TaskId,
  TaskListPage,
  TaskListQuery,
  TaskProgress,
  TaskResult,
  TaskScheduler,
  TaskSchedulerOptions,
  TaskState,
} from '@taskweave/core';
import type { IdbTaskStoreOptions } from '@taskweave/core/idb';
import type { ModelDeclaration } from '../../shared/modelAssets.js';
import type { PoolSnapshot, WarmUpOptions, WarmUpReport } from '../pool/poolEvents.js';
import type { WorkerPool, WorkerPoolOptions } from '../pool/workerPool.js';
import type { RemoteOptions } from '../remote/remoteHttp.js';
import type { ModelAssets } from './modelAssets.js';
import type { TaskweaveListener } from './tabs/taskweaveEvent.js';
import type { TypedTasks } from './typedTasks.js';

/** Options of `createTaskweave`. */
export interface TaskweaveOptions {
  /** Names the database, the lock and the channel; apps with several queues pick several names. @default 'default' */
  name?: string;
  /** Options of the worker pool the leader tab starts. */
  pool?: WorkerPoolOptions;
  /** Runs tasks instead of a worker pool (advanced: tests, custom executors). */
  executor?: () => Executor;
  /** Scheduler options (concurrency, retries, ageing, an extra `validate`). */
  scheduler?: Omit<TaskSchedulerOptions, 'executor' | 'store'>;
  /** IndexedDB store options (durability, batch size). */
  store?: Omit<IdbTaskStoreOptions, 'name' | 'broadcastChanges'>;
  /** How long a follower waits for the leader to answer the cancel of a task that is running. @default 5000 */
  cancelTimeoutMs?: number;
  /** After a failed takeover, the first wait before this tab asks for the lead again; doubles up to 30 s. @default 1000 */
  takeoverBackoffMs?: number;
  /** Least time between two queue snapshots the leader sends to the other tabs. @default 100 */
  snapshotIntervalMs?: number;
  /** The models the app uses: `tw.models` prefetches, lists and clears them; workers load them from the cache, checking pinned hashes. @default [] */
  models?: readonly ModelDeclaration[];
  /**
   * Removes finished tasks from the database by age and count, in bulk, in the leader tab: when it
   * takes the lead and then every `everyMs` (default 60_000). Off unless given.
   * @default undefined (finished tasks stay until `prune()`)
   */
  retention?: RetentionOptions;
  /**
   * A server to run tasks on besides this device: `@taskweave/server`, or (for EmbeddingGeneration)
   * any OpenAI-compatible embeddings endpoint. Each task runs `local`, `remote` or `auto`
   * (`remote.placement`, or the task's `metadata.placement`); `metrics.placement` says where it ran.
   * @default undefined (every task runs on this device)
   */
  remote?: RemoteOptions;
}

export type TabRole = 'leader' | 'follower';

/** What `tw.snapshot()` tells: the queue's counts and the pool's workers, and who leads. */
export interface TaskweaveSnapshot {
  /** When the leader took it (epoch ms); when this tab did, without an answer. */
  at: number;
  /** The tab that asked. */
  tab: { id: string; role: TabRole };
  /** The leader's tab id; undefined when no tab leads or the leader did not answer in time. */
  leaderTabId: string | undefined;
  /** The scheduler's counts (`getSnapshot()`). */
  queue: QueueSnapshot | undefined;
  /** The leader's workers: state, models held, tasks, jobs done, replaced and recycled; undefined with a custom executor. */
  pool: PoolSnapshot | undefined;
}

/** The handle `createTaskweave` returns; the same API in every tab, whatever its role. The typed helpers (`embed`, `store`, `search`, …) resolve to a `TaskHandle`; the generic `submit`/`wait` take task objects. */
export interface Taskweave extends TypedTasks {
  readonly name: string;
  /** 'leader' when this tab runs the tasks. */
  readonly role: TabRole;
  /** The scheduler, when this tab is the leader. */
  readonly scheduler: TaskScheduler | undefined;
  /** The worker pool, when this tab is the leader (and no custom executor was given). */
  readonly pool: WorkerPool | undefined;
  submit(options: SubmitTaskOptions): Promise<TaskId>;
  submitMany(options: readonly SubmitTaskOptions[]): Promise<TaskId[]>;
  /** Resolves with the result once the task ended and its result is durable, in any tab. */
  wait(id: TaskId): Promise<TaskResult>;
  get(id: TaskId): Promise<TaskState | undefined>;
  /**
   * Cancels a task that has not ended. Before it started, the cancel wins in any tab: `true`, the
   * task ends `Cancelled` and never runs. A running task is aborted by the tab that runs it.
   * Returns false when it had already ended.
   */
  cancel(id: TaskId): Promise<boolean>;
  /**
   * Events in the same shape in every tab: statuses from the store's change feed (ids and statuses,
   * no payloads: read a result with `get`/`getMany`/`wait`), and the running tab's retries, counts
   * and errors. @returns the unsubscribe function
   */
  subscribe(listener: TaskweaveListener): () => void;
  /**
   * A task's partial outputs (what its handler emits: tokens of a generation, pages of a retrieval,
   * committed ids of a storage task), in order, in any tab: first what was emitted so far (the
   * leader keeps a task's chunks while it runs and the scheduler's `gcTimeMs` after), then as they
   * come; it ends when the task ends. After a reload or a handover the stream goes on from the
   * task's last checkpoint. Rejects with `not-found` for an unknown id.
   * @example for await (const token of tw.stream(id)) output.textContent += token
   */
  stream<C = unknown>(id: TaskId): AsyncIterable<C>;
  /** A task's progress (its handler's `{ kind: 'task', done, total }`), the latest value each time, until it ends. */
  progress(id: TaskId): AsyncIterable<TaskProgress>;
  /**
   * Loads a model in the pool's workers before the first task needs it (`WorkerPool.warmUp`), from
   * any tab: a follower asks the leader and gets its progress (`onProgress`) and report.
   * @example await tw.warmUp('use-lite', { onProgress: (e) => e.status === 'progress' && (bar.value = e.progress) })
   */
  warmUp(modelId: string, options?: WarmUpOptions): Promise<WarmUpReport>;
  /** Called with the new role when this tab becomes the leader. @returns the unsubscribe function */
  onRoleChange(listener: (role: TabRole) => void): () => void;
  /** Counts by status and priority (a follower shows the leader's last snapshot). */
  getSnapshot(): QueueSnapshot | undefined;
  /**
   * A page of tasks from the store, in every tab: unfinished tasks (Pending, Running) newest
   * submitted first, then finished tasks most recently ended first; filtered by `status`, `type`
   * and `model`; `limit` per page (default 50, at most 1000), the next page from `nextCursor`.
   * A bad query rejects with a `ValidationError` naming the field.
   * @example const { tasks, nextCursor } = await tw.list({ status: 'Failed', limit: 20 })
   */
  list(query?: TaskListQuery): Promise<TaskListPage<TaskState>>;
  /**
   * The queue and the worker pool as they are now, from any tab: a follower asks the leader (over
   * the tabs' channel) and, when no tab answers within a second, gets `leaderTabId` undefined,
   * the last queue counts it heard and no pool.
   */
  snapshot(): Promise<TaskweaveSnapshot>;
  /**
   * Removes finished tasks from the database by age or count (default: the `retention` rule) in a
   * few bulk writes; returns how many were removed. Works in every tab.
   */
  prune(options?: PruneOptions): Promise<number>;
  /** Stops this tab's part: a leader closes its scheduler and pool and hands over. */
  close(): Promise<void>;
  /** Several tasks as they are now, in the order of `ids` (one store read in a follower). */
  getMany(ids: readonly TaskId[]): Promise<(TaskState | undefined)[]>;
  /** The declared models' cache: list, prefetch, clear, persist, estimate (see `ModelAssets`). */
  readonly models: ModelAssets;
}
