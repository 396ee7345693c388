/**
 * What BullMQ lacks, kept beside its queue in the same Redis: each task's end (one result per
 * task, written with SET NX, so a task ends exactly once however many processes race to end it),
 * the dependency graph (BullMQ flows are trees; a task may wait on any set of earlier tasks), and
 * the pub/sub channels that tell API processes a task ended and tell workers to abort one.
 *
 * Every task has an owner (the caller that submitted it: see token.ts) and an id that names it
 * within its owner. The BullMQ job id is derived from both (`jobIdOf`: `<32 hex digits of the
 * owner's SHA-256>-<id>`), so two owners may use the same id for two tasks, and an owner can only
 * ever address its own: another owner's task is, to it, a task that does not exist. The owner is
 * also stored in the job's data, and checked on every read.
 *
 * Keys, under `<prefix>:<queue>:tw:`, by job id: `result:<job>` (the TaskResult, or a deletion
 * marker), `pending:<job>` (dependencies not yet Completed), `dependents:<job>` (tasks waiting on
 * it), `checkpoint:<job>` (the last checkpoint of a task that has not ended: a retry, or a re-run
 * after its worker died, resumes from it; dropped with the end). Channels: `…:ended`, `…:cancel`
 * (job ids).
 *
 * A task blocked on dependencies is a BullMQ job delayed far into the future; the last of its
 * dependencies to complete promotes it. Submit and completion may race: the submitter registers
 * the edges before it adds the job and checks the dependencies' results after, and the completer
 * removes its edge before it promotes, so whichever runs last sees the set empty and promotes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  TaskStatus,
  TaskweaveError,
  emptyMetrics,
  newTaskRecord,
  type ResolvedSubmit,
  type Task,
  type TaskCheckpoint,
  type TaskId,
  type TaskMetrics,
  type TaskResult,
} from '@taskweave/core';
import { FleetRegistry } from './fleet.js';
import { decodeStored, encodeStored, type WireFormat } from './wire.js';

/** What a BullMQ job of taskweave carries. */
export interface JobData {
  /** The Task, `encodeStored`. */
  task: string;
  format: WireFormat;
  /** Who submitted it (`user:<sub>`, `key:<name>`…): see token.ts. */
  owner: string;
  /** Results of dependencies that ran elsewhere, given with the task (`encodeStored`); see wire.ts. */
  dependencyResults?: string;
}

/**
 * The BullMQ job id of task `id` of `owner` (also what the Redis keys and channels of the task
 * use): the first 32 hex digits of the owner's SHA-256, a dash, and the id.
 */
export function jobIdOf(owner: string, id: string): string {
  return `${createHash('sha256').update(owner).digest('hex').slice(0, 32)}-${id}`;
}

/** What `result:<job>` holds once its owner deleted the task (so a late end records nothing). */
const DELETED = '{"deleted":true}';

/** Where a task stands, as the API answers it. */
export interface TaskState {
  id: TaskId;
  status: TaskStatus;
  result?: TaskResult;
}

/** Options shared by the API and the workers. */
export interface BoardOptions {
  /** Redis URL (`redis://host:port`, `rediss://…`). @default 'redis://127.0.0.1:6379' */
  redisUrl?: string;
  /** BullMQ queue name. @default 'taskweave' */
  queueName?: string;
  /** BullMQ key prefix. @default 'bull' */
  prefix?: string;
  /** How long a result is kept after the task ends. @default 604800 (7 days) */
  resultTtlSeconds?: number;
  /** First retry delay; each further retry doubles it (BullMQ exponential backoff). @default 1000 */
  retryDelayMs?: number;
}

/** Upper bounds (seconds) of the task duration histogram of `GET /metrics`. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] as const;

/** What `stats()` reads: ends by status and the duration histogram (per bucket, not cumulative). */
export interface BoardStats {
  ended: Partial<Record<TaskStatus, number>>;
  /** Count of ends whose final attempt took at most `DURATION_BUCKETS[i]` and more than the bound before; the last entry is over the last bound. */
  durationBuckets: number[];
  durationSumMs: number;
  durationCount: number;
}

const FAR_FUTURE_MS = 10 * 365 * 24 * 3600 * 1000;

/** BullMQ runs lower numbers first and unprioritised jobs (0) before all others: Critical (3) → 1 … Low (0) → 4. */
export function bullPriority(priority: number): number {
  return 4 - priority;
}

export function noMetrics(retryCount = 0): TaskMetrics {
  return { ...emptyMetrics(), retryCount };
}

/** How long a command of a fail-fast connection may take before it fails (the API answers 503 then). */
export const COMMAND_TIMEOUT_MS = 3_000;

/**
 * A Redis connection. By default as a worker wants it: commands wait out a reconnect instead of
 * failing. `failFast` (the HTTP API's): while Redis is unreachable a command fails at once
 * (no offline queue), and one that gets no answer fails after `COMMAND_TIMEOUT_MS`, so a request
 * is answered 503 instead of hanging. Either way ioredis reconnects by itself.
 */
export function connect(url: string, failFast = false): Redis {
  const client = new Redis(
    url,
    failFast
      ? { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS, enableReadyCheck: true }
      : { maxRetriesPerRequest: null, enableReadyCheck: true },
  );
  // Connection errors are reported through `status` (see TaskBoard.redisReady), not thrown here.
  client.on('error', () => undefined);
  return client;
}

/** The task state of a queue: shared by the HTTP API and the worker processes. */
export class TaskBoard {
  readonly queue: Queue<JobData>;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly endedChannel: string;
  readonly cancelChannel: string;
  readonly fleet: FleetRegistry;
  readonly #ttl: number;
  readonly #retryDelayMs: number;
  readonly #connections: Redis[];
  #lastOutageAt = 0;

  /** `failFast`: the HTTP API's connections (see `connect`). */
  constructor(options: BoardOptions = {}, failFast = false) {
    const url = options.redisUrl ?? 'redis://127.0.0.1:6379';
    const queueName = options.queueName ?? 'taskweave';
    const prefix = options.prefix ?? 'bull';
    this.redis = connect(url, failFast);
    const queueConnection = connect(url, failFast);
    this.#connections = [this.redis, queueConnection];
    for (const c of this.#connections) c.on('close', () => (this.#lastOutageAt = Date.now()));
    this.queue = new Queue<JobData>(queueName, { connection: queueConnection, prefix });
    // Connection errors: see `redisReady`; the queue reconnects by itself.
    this.queue.on('error', () => undefined);
    this.keyPrefix = `${prefix}:${queueName}:tw:`;
    this.fleet = new FleetRegistry(this.redis, this.keyPrefix);
    this.endedChannel = `${this.keyPrefix}ended`;
    this.cancelChannel = `${this.keyPrefix}cancel`;
    this.#ttl = options.resultTtlSeconds ?? 7 * 24 * 3600;
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
  }

  #key(kind: 'result' | 'pending' | 'dependents' | 'checkpoint', id: string): string {
    return `${this.keyPrefix}${kind}:${id}`;
  }

  /** Whether this board's Redis connections are up now (false while one is down or reconnecting). */
  get redisReady(): boolean {
    return this.#connections.every((c) => c.status === 'ready');
  }

  /**
   * Whether Redis was unreachable within the last `withinMs`: an error of a command that raced a
   * reconnect is an outage, not a bug (the API answers it 503, not 500).
   */
  redisRecentlyDown(withinMs = 2_000): boolean {
    return !this.redisReady || Date.now() - this.#lastOutageAt < withinMs;
  }

  /** The result recorded for a job, `'deleted'` once its owner deleted the task, or undefined. */
  async resultOf(jobId: string): Promise<TaskResult | 'deleted' | undefined> {
    const raw = await this.redis.get(this.#key('result', jobId));
    if (raw === null) return undefined;
    return raw === DELETED ? 'deleted' : decodeStored<TaskResult>(raw);
  }

  /** Stores the last checkpoint of a job's task (written by the worker running it; see jobReports.ts). */
  async saveCheckpoint(jobId: string, checkpoint: TaskCheckpoint): Promise<void> {
    await this.redis.set(this.#key('checkpoint', jobId), encodeStored(checkpoint), 'EX', this.#ttl);
  }

  /** The last checkpoint of a job's task that has not ended, if it took one. */
  async checkpointOf(jobId: string): Promise<TaskCheckpoint | undefined> {
    const raw = await this.redis.get(this.#key('checkpoint', jobId));
    return raw === null ? undefined : decodeStored<TaskCheckpoint>(raw);
  }

  /**
   * The results of `ids`, tasks of `owner`, in order (one round trip); `undefined` for an id that
   * has none (not ended, deleted, or no such task of this owner).
   */
  async resultsOf(owner: string, ids: readonly string[]): Promise<Array<TaskResult | undefined>> {
    if (ids.length === 0) return [];
    const raw = await this.redis.mget(ids.map((id) => this.#key('result', jobIdOf(owner, id))));
    return raw.map((r) => (r === null || r === DELETED ? undefined : decodeStored<TaskResult>(r)));
  }

  /** The BullMQ job of task `id` of `owner`, if there is one and it is that owner's. */
  async job(owner: string, id: string): Promise<Job<JobData> | undefined> {
    return this.#ownJob(owner, jobIdOf(owner, id));
  }

  async #ownJob(owner: string, jobId: string): Promise<Job<JobData> | undefined> {
    const job = await this.queue.getJob(jobId);
    return job !== undefined && job !== null && job.data.owner === owner ? job : undefined;
  }

  /** The task a job carries. */
  static taskOf(job: Job<JobData>): Task {
    return decodeStored<Task>(job.data.task);
  }

  /**
   * Where task `id` of `owner` stands; `undefined` when that owner has no such task (never
   * submitted, forgotten, deleted — or another owner's).
   */
  async state(owner: string, id: string): Promise<TaskState | undefined> {
    const jobId = jobIdOf(owner, id);
    return this.#stateOf(owner, id, jobId, await this.resultOf(jobId));
  }

  /** `state` from a result already read. */
  async #stateOf(owner: string, id: string, jobId: string, result: TaskResult | 'deleted' | undefined): Promise<TaskState | undefined> {
    if (result === 'deleted') return undefined;
    if (result !== undefined) {
      // A result is written only for a job of this owner (its key is derived from the owner).
      return { id: id as TaskId, status: result.status, result };
    }
    const job = await this.#ownJob(owner, jobId);
    if (job === undefined) return undefined;
    const state = await job.getState();
    if (state === 'unknown') return undefined;
    return { id: id as TaskId, status: state === 'active' ? TaskStatus.Running : TaskStatus.Pending };
  }


  /**
   * Enqueues a validated task for `owner`. The id (given, or a new UUID) names it within its
   * owner: submitting the same id again changes nothing and answers the task's state
   * (`created: false`). Dependencies name tasks of the same owner; any other id is refused as
   * unknown (`dependencies.N`), and nothing is enqueued.
   */
  async submit(owner: string, p: ResolvedSubmit, format: WireFormat, dependencyResults?: readonly TaskResult[]): Promise<{ state: TaskState; created: boolean }> {
    const id = (p.id ?? randomUUID()) as TaskId;
    const jobId = jobIdOf(owner, id);
    const previous = await this.resultOf(jobId);
    const known = await this.#stateOf(owner, id, jobId, previous);
    if (known !== undefined) return { state: known, created: false };
    const { task } = newTaskRecord({ ...p, id }, id, Date.now(), 0);
    const deps = task.dependencies;
    const depJobs = deps.map((dep) => jobIdOf(owner, dep));
    for (let i = 0; i < deps.length; i++) {
      const dep = deps[i] as string;
      if ((await this.state(owner, dep)) === undefined) {
        const field = `dependencies.${i}`;
        throw new TaskweaveError('unknown-dependency', `${field}: no task with id ${dep}`, { retryable: false, details: { field, dependencyId: dep } });
      }
    }
    if (previous === 'deleted') {
      // The job of a task its owner just deleted may still be finishing on a worker.
      if ((await this.queue.getJob(jobId)) !== undefined) {
        throw new TaskweaveError('duplicate-id', `a task with id ${id} is being deleted; submit it again in a moment`, { retryable: true });
      }
      // Its deletion marker goes: this is a new task. (Only then: a plain submit pays no extra round trip.)
      await this.redis.del(this.#key('result', jobId));
    }
    if (deps.length > 0) {
      const multi = this.redis.multi().sadd(this.#key('pending', jobId), ...depJobs);
      for (const dep of depJobs) multi.sadd(this.#key('dependents', dep), jobId);
      await multi.exec();
    }
    const data: JobData = { task: encodeStored(task), format, owner };
    if (dependencyResults !== undefined && dependencyResults.length > 0) data.dependencyResults = encodeStored(dependencyResults);
    const job = await this.queue.add(task.type, data, {
      jobId,
      priority: bullPriority(task.priority),
      attempts: task.maxRetries + 1,
      backoff: { type: 'exponential', delay: this.#retryDelayMs },
      ...(deps.length > 0 ? { delay: FAR_FUTURE_MS } : {}),
      removeOnComplete: { age: this.#ttl },
      removeOnFail: { age: this.#ttl },
    });
    if (job.id !== jobId) throw new TaskweaveError('execution', `BullMQ gave job id ${job.id} for task ${id}`);
    if (deps.length > 0) await this.#settleDependencies(jobId, depJobs);
    return { state: (await this.state(owner, id)) ?? { id, status: TaskStatus.Pending }, created: true };
  }

  /** After a blocked job was added: drops the edges to dependencies that already ended, and promotes or cancels. */
  async #settleDependencies(jobId: string, depJobs: readonly string[]): Promise<void> {
    for (const dep of depJobs) {
      const result = await this.resultOf(dep);
      if (result === undefined) continue;
      if (result === 'deleted' || result.status !== TaskStatus.Completed) {
        await this.#endBlocked(jobId, dep, result === 'deleted' ? 'deleted' : result.status);
        return;
      }
      await this.#dropEdge(jobId, dep);
    }
  }

  /** Removes `dep` from `child`'s pending set; promotes `child` when that was the last one. */
  async #dropEdge(child: string, dep: string): Promise<void> {
    const replies = await this.redis.multi().srem(this.#key('pending', child), dep).scard(this.#key('pending', child)).exec();
    const left = replies?.[1]?.[1];
    if (left !== 0) return;
    const job = await this.queue.getJob(child);
    if (job === undefined || job === null) return;
    try {
      if ((await job.getState()) === 'delayed') await job.promote();
    } catch {
      // The other side promoted it first.
    }
  }

  async #endBlocked(child: string, dep: string, depStatus: TaskStatus | 'deleted'): Promise<void> {
    const job = await this.queue.getJob(child);
    const depId = dep.slice(33);
    await this.end(child, {
      taskId: (job === undefined || job === null ? child.slice(33) : TaskBoard.taskOf(job).id) as TaskId,
      status: TaskStatus.Cancelled,
      output: { kind: 'none' },
      error: `Dependency ${depId} ${depStatus === 'deleted' ? 'was deleted' : `ended ${depStatus}`}`,
      errorCode: 'dependency-failed',
      metrics: noMetrics(),
      timestamp: Date.now(),
    });
    await job?.remove().catch(() => undefined);
  }

  /**
   * Records a job's end unless it has one (the first end wins: a cancel racing a completion, a
   * worker re-running a job whose first run ended before its process died, a task its owner
   * deleted). Announces it and releases or cancels the tasks that wait on it. True when this call
   * recorded the end.
   */
  async end(jobId: string, result: TaskResult): Promise<boolean> {
    const set = await this.redis.set(this.#key('result', jobId), encodeStored(result), 'EX', this.#ttl, 'NX');
    if (set !== 'OK') return false;
    const seconds = result.metrics.durationMs / 1000;
    const bucket = DURATION_BUCKETS.findIndex((bound) => seconds <= bound);
    await this.redis
      .multi()
      .del(this.#key('checkpoint', jobId))
      .publish(this.endedChannel, jobId)
      .hincrby(`${this.keyPrefix}stats`, `ended:${result.status}`, 1)
      .hincrby(`${this.keyPrefix}stats`, `duration:${bucket === -1 ? DURATION_BUCKETS.length : bucket}`, 1)
      .hincrby(`${this.keyPrefix}stats`, 'duration:sum_ms', Math.round(result.metrics.durationMs))
      .hincrby(`${this.keyPrefix}stats`, 'duration:count', 1)
      .exec();
    await this.#releaseDependents(jobId, result.status);
    return true;
  }

  /** Ends by status and the duration histogram, over the queue's life (what `GET /metrics` reports). */
  async stats(): Promise<BoardStats> {
    const raw = await this.redis.hgetall(`${this.keyPrefix}stats`);
    const n = (field: string) => Number(raw[field] ?? 0);
    const ended: BoardStats['ended'] = {};
    for (const status of Object.values(TaskStatus)) if (raw[`ended:${status}`] !== undefined) ended[status] = n(`ended:${status}`);
    return {
      ended,
      durationBuckets: Array.from({ length: DURATION_BUCKETS.length + 1 }, (_, i) => n(`duration:${i}`)),
      durationSumMs: n('duration:sum_ms'),
      durationCount: n('duration:count'),
    };
  }

  async #releaseDependents(jobId: string, status: TaskStatus): Promise<void> {
    const dependents = await this.redis.smembers(this.#key('dependents', jobId));
    for (const child of dependents) {
      if (status === TaskStatus.Completed) await this.#dropEdge(child, jobId);
      else await this.#endBlocked(child, jobId, status);
    }
    if (dependents.length > 0) await this.redis.expire(this.#key('dependents', jobId), this.#ttl);
  }

  /**
   * Cancels task `id` of `owner`: one that has not started ends at once (its job is removed); a
   * running one ends Cancelled now and its worker is told over pub/sub to abort the handler. A
   * task that has ended keeps its end. `undefined` when the owner has no such task.
   */
  async cancel(owner: string, id: string): Promise<TaskState | undefined> {
    const state = await this.state(owner, id);
    if (state === undefined || state.result !== undefined) return state;
    const jobId = jobIdOf(owner, id);
    await this.end(jobId, {
      taskId: id as TaskId,
      status: TaskStatus.Cancelled,
      output: { kind: 'none' },
      error: 'Task was cancelled',
      errorCode: 'cancelled',
      metrics: noMetrics(),
      timestamp: Date.now(),
    });
    await this.redis.publish(this.cancelChannel, jobId);
    // A running job is locked by its worker; that worker ends it when its handler stops.
    await (await this.#ownJob(owner, jobId))?.remove().catch(() => undefined);
    return this.state(owner, id);
  }

  /**
   * Deletes task `id` of `owner`: cancels it if it has not ended (tasks waiting on it are
   * cancelled as for any cancel), then removes its job (its input), its result and its edges.
   * A job still running on a worker is removed by that worker when its handler stops
   * (`removeIfDeleted`). False when the owner has no such task.
   */
  async delete(owner: string, id: string): Promise<boolean> {
    const state = await this.cancel(owner, id);
    if (state === undefined) return false;
    const jobId = jobIdOf(owner, id);
    const job = await this.#ownJob(owner, jobId);
    const deps = job === undefined ? [] : TaskBoard.taskOf(job).dependencies.map((dep) => jobIdOf(owner, dep));
    const multi = this.redis
      .multi()
      .set(this.#key('result', jobId), DELETED, 'EX', this.#ttl)
      .del(this.#key('pending', jobId), this.#key('dependents', jobId), this.#key('checkpoint', jobId));
    for (const dep of deps) multi.srem(this.#key('dependents', dep), jobId);
    await multi.exec();
    await job?.remove().catch(() => undefined);
    return true;
  }

  /** Removes a finished job whose task was deleted while it ran (called by the worker that ran it). */
  async removeIfDeleted(job: Job<JobData>): Promise<void> {
    if (job.id !== undefined && (await this.resultOf(job.id)) === 'deleted') await job.remove().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}
