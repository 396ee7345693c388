/**
 * The placement executor: one `Executor` for the scheduler with two kinds of slots, this device's
 * worker pool and a server (`remoteExecutor.ts`). The scheduler keeps the one queue; through
 * `place()` it asks, task by task in queue order, where the task runs and whether a slot of that
 * kind is free — a task whose kind of slot is full stays Pending in the queue, never inside here.
 *
 * Where a task runs is decided at its first start and written with its Running record
 * (`metadata.placed`: 'local' | 'remote'), before `execute`; later starts (a retry, a reload) keep
 * it. The request is `metadata.placement` ('local' | 'remote' | 'auto'), else the option's default;
 * `auto` follows core's `decidePlacement`. One exception to "kept": a task placed remote whose
 * first submit in this page reached nobody (so the server never accepted it) is handed back
 * (`not-started`, no attempt spent) and, when its request was `auto` and its model is not
 * remote-only, placed on the device at its next start. For a while after such a failure (1 s,
 * doubling up to 30 s while it lasts) `auto` places tasks on the device.
 */
import {
  PLACEMENT_REQUESTS,
  TaskweaveError,
  ValidationError,
  decidePlacement,
  isPlacementRequest,
  localWaitEstimate,
  type BatchOutcome,
  type BatchPolicy,
  type ExecutionContext,
  type Executor,
  type FreeWorkers,
  type Placement,
  type PlacementRequest,
  type Task,
  type TaskOutput,
} from '@taskweave/core';
import { mustBeOneOf } from '../../shared/mustBeOneOf.js';
import { runRemote } from '../remote/remoteExecutor.js';
import { RemoteHttp, RemoteUnreachable, type RemoteOptions } from '../remote/remoteHttp.js';

/** The metadata key with the decision (`placement` holds the request). */
export const PLACED_KEY = 'placed';

/** A device pool that does not say which workers are free: no affinity. */
const NO_FREE_WORKERS: FreeWorkers = { models: [], take: () => undefined };
/** A decision taken in `place()` whose start write has not reached `execute` after this long is dropped. */
const RESERVATION_MS = 5_000;

function requestOf(task: Task, fallback: PlacementRequest): PlacementRequest {
  const asked = task.metadata['placement'];
  return isPlacementRequest(asked) ? asked : fallback;
}

/**
 * Wraps the pool (`local`) with a server (`remote`).
 * @example const executor = createPlacementExecutor(createWorkerPool(), { url, getToken, placement: 'auto' })
 */
export function createPlacementExecutor(local: LocalExecutor, options: RemoteOptions): Executor {
  const problems: { path: string[]; message: string }[] = [];
  if (typeof options?.url !== 'string' || !/^https?:\/\//.test(options.url)) problems.push({ path: ['remote', 'url'], message: 'must be an http(s) URL' });
  if (typeof options?.getToken !== 'function') problems.push({ path: ['remote', 'getToken'], message: 'must be a function that returns a token (minted by your backend)' });
  if (options?.placement !== undefined && !isPlacementRequest(options.placement)) problems.push({ path: ['remote', 'placement'], message: mustBeOneOf(PLACEMENT_REQUESTS) });
  if (options?.kind !== undefined && options.kind !== 'taskweave' && options.kind !== 'openai') problems.push({ path: ['remote', 'kind'], message: "must be 'taskweave' or 'openai'" });
  if (problems.length > 0) throw ValidationError.fromIssues('createTaskweave', problems);
  return new PlacementExecutor(local, options);
}

/**
 * The device side: the worker pool, or any executor that says how many calls it runs and can
 * start; `expectedDurationMs` (the pool's cost model) feeds `auto`'s estimate of the device's wait.
 */
export type LocalExecutor = Executor & { capacity: number; available(): number; expectedDurationMs?(task: Task): number | undefined };

class PlacementExecutor implements Executor {
  readonly capacity: number;
  readonly batching?: BatchPolicy;
  readonly #local: LocalExecutor;
  readonly #options: RemoteOptions;
  readonly #http: RemoteHttp;
  readonly #default: PlacementRequest;
  readonly #remoteOnly: ReadonlySet<string>;
  readonly #remoteCapacity: number;
  readonly #listeners = new Set<() => void>();
  /** Decided by `place()`, not yet in `execute`: id → lane and when. */
  readonly #reserved = new Map<string, { lane: Placement; at: number }>();
  /** Placed remote by this page just now (submit first, not re-attach). */
  readonly #fresh = new Set<string>();
  /** Their first submit reached nobody: the server never accepted them. */
  readonly #neverAccepted = new Set<string>();
  readonly #stopLocal: (() => void) | undefined;
  #remoteRunning = 0;
  #downUntil = 0;
  #downDelay: number;
  #downTimer: ReturnType<typeof setTimeout> | undefined;
  /** Tasks `place()` left in the queue for the device in the current pump (the ones ahead of the next). */
  #aheadLocal = 0;
  #aheadReset = false;

  constructor(local: LocalExecutor, options: RemoteOptions) {
    this.#local = local;
    this.#options = options;
    this.#http = new RemoteHttp(options);
    this.#default = options.placement ?? 'local';
    this.#remoteOnly = new Set(options.remoteOnlyModels ?? []);
    this.#remoteCapacity = Math.max(1, options.concurrency ?? 4);
    this.#downDelay = options.retryDelayMs ?? 1000;
    this.capacity = local.capacity + this.#remoteCapacity;
    const inner = local.batching;
    // A batch runs in one place: tasks batch with others of the same (requested or decided) place.
    if (inner !== undefined)
      this.batching = {
            ...inner,
            key: (task) => {
              const key = inner.key(task);
              if (key === undefined) return undefined;
              const where = task.metadata[PLACED_KEY] ?? requestOf(task, this.#default);
              return `${where}|${key}`;
            },
            ...(inner.sizeHint === undefined ? {} : { sizeHint: inner.sizeHint.bind(inner) }),
            // The pool sizes batches by its own key (the place prefix off).
            ...(inner.maxSizeOf === undefined ? {} : { maxSizeOf: (key: string) => (inner.maxSizeOf as (k: string) => number).call(inner, key.slice(key.indexOf('|') + 1)) }),
      };
    this.#stopLocal = local.onAvailable?.(() => this.#notify());
  }

  // ── what the scheduler asks ───────────────────────────────────────────────

  available(): number {
    return this.#local.available() + this.#remoteCapacity - this.#remoteRunning;
  }

  freeWorkers(): FreeWorkers {
    return this.#local.freeWorkers?.() ?? NO_FREE_WORKERS;
  }

  /** As the device's pool decides, for a task that runs there (a server's task ends as the server says). */
  cancelWaitsForOutcome(task: Task): boolean {
    return task.metadata['placed'] !== 'remote' && this.#local.cancelWaitsForOutcome?.(task) === true;
  }

  onAvailable(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  place(task: Task): Readonly<Record<string, string>> | undefined {
    const now = Date.now();
    this.#reserved.delete(task.id); // an earlier decision that never reached execute
    for (const [id, r] of this.#reserved) if (now - r.at > RESERVATION_MS) this.#reserved.delete(id);
    const placed = task.metadata[PLACED_KEY] as Placement | undefined;
    let lane: Placement;
    const fallBack = placed === 'remote' && this.#neverAccepted.has(task.id) && this.#mayFallBack(task);
    if (fallBack) lane = 'local';
    else if (placed === 'local' || placed === 'remote') lane = placed;
    else {
      const free = this.#free('local');
      const durationMs = this.#local.expectedDurationMs?.(task);
      lane = decidePlacement({
        requested: requestOf(task, this.#default),
        remoteConfigured: this.#options.kind !== 'openai' || task.type === 'EmbeddingGeneration',
        remoteOnlyModel: task.modelId !== undefined && this.#remoteOnly.has(task.modelId),
        serverUnreachable: now < this.#downUntil,
        now,
        deadline: task.deadline,
        localWaitMs: localWaitEstimate({ ahead: this.#aheadLocal, free, capacity: this.#local.capacity, durationMs }),
        localDurationMs: durationMs,
      });
    }
    if (this.#free(lane) <= 0) {
      if (lane === 'local') this.#countAhead();
      return undefined;
    }
    this.#reserved.set(task.id, { lane, at: now });
    if (fallBack) this.#neverAccepted.delete(task.id);
    if (lane === 'remote' && placed !== 'remote') this.#fresh.add(task.id);
    return placed === lane ? {} : { [PLACED_KEY]: lane };
  }

  execute(task: Task, ctx: ExecutionContext): Promise<TaskOutput> {
    this.#reserved.delete(task.id);
    if (task.metadata[PLACED_KEY] === 'remote') return this.#remote(task, ctx);
    ctx.reportMetrics({ placement: 'local' });
    return this.#local.execute(task, ctx);
  }

  async executeBatch(tasks: readonly Task[], contexts: readonly ExecutionContext[]): Promise<readonly BatchOutcome[]> {
    for (const task of tasks) this.#reserved.delete(task.id);
    if (tasks[0]?.metadata[PLACED_KEY] === 'remote') {
      // Members of one group were undecided together: placed by the first one's decision just now.
      if (this.#fresh.has((tasks[0] as Task).id)) for (const task of tasks) this.#fresh.add(task.id);
      return Promise.all(
        tasks.map((task, i) =>
          this.#remote(task, contexts[i] as ExecutionContext).then(
            (output): BatchOutcome => ({ ok: true, output }),
            (error: unknown): BatchOutcome => ({ ok: false, error }),
          ),
        ),
      );
    }
    const run = this.#local.executeBatch;
    if (run === undefined) throw new TaskweaveError('execution', 'The device executor does not batch', { retryable: false });
    contexts.forEach((ctx) => ctx.reportMetrics({ placement: 'local' }));
    return run.call(this.#local, tasks, contexts);
  }

  close(): void | Promise<void> {
    this.#stopLocal?.();
    if (this.#downTimer !== undefined) clearTimeout(this.#downTimer);
    return this.#local.close?.();
  }

  // ── inside ────────────────────────────────────────────────────────────────

  #mayFallBack(task: Task): boolean {
    return requestOf(task, this.#default) === 'auto' && !(task.modelId !== undefined && this.#remoteOnly.has(task.modelId));
  }

  #free(lane: Placement): number {
    let reserved = 0;
    for (const r of this.#reserved.values()) if (r.lane === lane) reserved++;
    const free = lane === 'local' ? this.#local.available() : this.#remoteCapacity - this.#remoteRunning;
    return free - reserved;
  }

  /** The pump asks in one synchronous turn: count the device's tasks left in line during it. */
  #countAhead(): void {
    this.#aheadLocal++;
    if (this.#aheadReset) return;
    this.#aheadReset = true;
    void Promise.resolve().then(() => {
      this.#aheadLocal = 0;
      this.#aheadReset = false;
    });
  }

  async #remote(task: Task, ctx: ExecutionContext): Promise<TaskOutput> {
    const fresh = this.#fresh.delete(task.id);
    this.#remoteRunning++;
    try {
      return await runRemote(this.#http, this.#options, task, ctx, fresh, fresh && this.#mayFallBack(task), {
        unreachable: () => this.#markDown(),
        reachable: () => this.#markUp(),
      });
    } catch (error) {
      if (error instanceof RemoteUnreachable && !error.accepted) {
        // Never accepted: back in line, no attempt spent; its next start places it on the device.
        this.#neverAccepted.add(task.id);
        throw new TaskweaveError('not-started', `Task ${task.id}: the server could not be reached, so it runs on this device`, { cause: error });
      }
      throw error;
    } finally {
      this.#remoteRunning--;
      this.#notify();
    }
  }

  #markDown(): void {
    const now = Date.now();
    if (now < this.#downUntil) return;
    this.#downUntil = now + this.#downDelay;
    this.#downDelay = Math.min(30_000, this.#downDelay * 2);
    if (this.#downTimer !== undefined) clearTimeout(this.#downTimer);
    this.#downTimer = setTimeout(() => this.#notify(), this.#downUntil - now);
  }

  #markUp(): void {
    this.#downUntil = 0;
    this.#downDelay = this.#options.retryDelayMs ?? 1000;
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
