/**
 * What BullMQ lacks, kept beside its queue in the same Redis: each task's end (one result per
 * task, written with SET NX, so a task ends exactly once however many processes race to end it),
 * the dependency graph (BullMQ flows are trees; a task may wait on any set of earlier tasks), and
 * the pub/sub channels that tell API processes a task ended and tell workers to abort one.
 *
 * Keys, under `<prefix>:<queue>:`: `result:<id>` (the TaskResult), `pending:<id>` (dependencies
 * not yet Completed), `dependents:<id>` (tasks waiting on it). Channels: `…:ended`, `…:cancel`.
 *
 * A task blocked on dependencies is a BullMQ job delayed far into the future; the last of its
 * dependencies to complete promotes it. Submit and completion may race: the submitter registers
 * the edges before it adds the job and checks the dependencies' results after, and the completer
 * removes its edge before it promotes, so whichever runs last sees the set empty and promotes.
 */
import { randomUUID } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  TaskStatus,
  TaskweaveError,
  emptyMetrics,
  newTaskRecord,
  type ResolvedSubmit,
  type Task,
  type TaskId,
  type TaskMetrics,
  type TaskResult,
} from '@taskweave/core';
import { decodeStored, encodeStored, type WireFormat } from './wire.js';

/** What a BullMQ job of taskweave carries. */
export interface JobData {
  /** The Task, `encodeStored`. */
  task: string;
  format: WireFormat;
}

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

const FAR_FUTURE_MS = 10 * 365 * 24 * 3600 * 1000;

/** BullMQ runs lower numbers first and unprioritised jobs (0) before all others: Critical (3) → 1 … Low (0) → 4. */
export function bullPriority(priority: number): number {
  return 4 - priority;
}

export function noMetrics(retryCount = 0): TaskMetrics {
  return { ...emptyMetrics(), retryCount };
}

/** A Redis connection as BullMQ wants it (commands wait out a reconnect instead of failing). */
export function connect(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
  // ioredis reconnects by itself while Redis restarts; commands wait for it (no per-request retry cap).
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
  readonly #ttl: number;
  readonly #retryDelayMs: number;

  constructor(options: BoardOptions = {}) {
    const url = options.redisUrl ?? 'redis://127.0.0.1:6379';
    const queueName = options.queueName ?? 'taskweave';
    const prefix = options.prefix ?? 'bull';
    this.redis = connect(url);
    this.queue = new Queue<JobData>(queueName, { connection: connect(url), prefix });
    this.keyPrefix = `${prefix}:${queueName}:tw:`;
    this.endedChannel = `${this.keyPrefix}ended`;
    this.cancelChannel = `${this.keyPrefix}cancel`;
    this.#ttl = options.resultTtlSeconds ?? 7 * 24 * 3600;
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
  }

  #key(kind: 'result' | 'pending' | 'dependents', id: string): string {
    return `${this.keyPrefix}${kind}:${id}`;
  }

  async result(id: string): Promise<TaskResult | undefined> {
    const raw = await this.redis.get(this.#key('result', id));
    return raw === null ? undefined : decodeStored<TaskResult>(raw);
  }

  async job(id: string): Promise<Job<JobData> | undefined> {
    return (await this.queue.getJob(id)) ?? undefined;
  }

  /** The task a job carries. */
  static taskOf(job: Job<JobData>): Task {
    return decodeStored<Task>(job.data.task);
  }

  /** Where a task stands; `undefined` when the server has never seen the id (or forgot it). */
  async state(id: string): Promise<TaskState | undefined> {
    const result = await this.result(id);
    if (result !== undefined) return { id: id as TaskId, status: result.status, result };
    const job = await this.job(id);
    if (job === undefined) return undefined;
    const state = await job.getState();
    if (state === 'unknown') return undefined;
    return { id: id as TaskId, status: state === 'active' ? TaskStatus.Running : TaskStatus.Pending };
  }

  /**
   * Enqueues a validated task; the id (given or a new UUID) is the BullMQ job id, so submitting
   * the same id again changes nothing and answers the task's state (`created: false`).
   */
  async submit(p: ResolvedSubmit, format: WireFormat): Promise<{ state: TaskState; created: boolean }> {
    const id = (p.id ?? randomUUID()) as TaskId;
    const known = await this.state(id);
    if (known !== undefined) return { state: known, created: false };
    const { task } = newTaskRecord({ ...p, id }, id, Date.now(), 0);
    const deps = task.dependencies;
    for (let i = 0; i < deps.length; i++) {
      const dep = deps[i] as string;
      if ((await this.result(dep)) === undefined && (await this.job(dep)) === undefined) {
        const field = `dependencies.${i}`;
        throw new TaskweaveError('unknown-dependency', `${field}: no task with id ${dep}`, { retryable: false, details: { field, dependencyId: dep } });
      }
    }
    if (deps.length > 0) {
      const multi = this.redis.multi().sadd(this.#key('pending', id), ...deps);
      for (const dep of deps) multi.sadd(this.#key('dependents', dep), id);
      await multi.exec();
    }
    const job = await this.queue.add(task.type, { task: encodeStored(task), format }, {
      jobId: id,
      priority: bullPriority(task.priority),
      attempts: task.maxRetries + 1,
      backoff: { type: 'exponential', delay: this.#retryDelayMs },
      ...(deps.length > 0 ? { delay: FAR_FUTURE_MS } : {}),
      removeOnComplete: { age: this.#ttl },
      removeOnFail: { age: this.#ttl },
    });
    if (job.id !== id) throw new TaskweaveError('execution', `BullMQ gave job id ${job.id} for task ${id}`);
    if (deps.length > 0) await this.#settleDependencies(task);
    return { state: (await this.state(id)) ?? { id, status: TaskStatus.Pending }, created: true };
  }

  /** After a blocked job was added: drops the edges to dependencies that already ended, and promotes or cancels. */
  async #settleDependencies(task: Task): Promise<void> {
    for (const dep of task.dependencies) {
      const result = await this.result(dep);
      if (result === undefined) continue;
      if (result.status !== TaskStatus.Completed) {
        await this.#endBlocked(task.id, dep, result.status);
        return;
      }
      await this.#dropEdge(task.id, dep);
    }
  }

  /** Removes `dep` from `child`'s pending set; promotes `child` when that was the last one. */
  async #dropEdge(child: string, dep: string): Promise<void> {
    const replies = await this.redis.multi().srem(this.#key('pending', child), dep).scard(this.#key('pending', child)).exec();
    const left = replies?.[1]?.[1];
    if (left !== 0) return;
    const job = await this.job(child);
    if (job === undefined) return;
    try {
      if ((await job.getState()) === 'delayed') await job.promote();
    } catch {
      // The other side promoted it first.
    }
  }

  async #endBlocked(child: string, dep: string, depStatus: TaskStatus): Promise<void> {
    await this.end(child, {
      taskId: child as TaskId,
      status: TaskStatus.Cancelled,
      output: { kind: 'none' },
      error: `Dependency ${dep} ended ${depStatus}`,
      errorCode: 'dependency-failed',
      metrics: noMetrics(),
      timestamp: Date.now(),
    });
    const job = await this.job(child);
    await job?.remove().catch(() => undefined);
  }

  /**
   * Records a task's end unless it has one (the first end wins: a cancel racing a completion, a
   * worker re-running a job whose first run ended before its process died). Announces it and
   * releases or cancels the tasks that wait on it. True when this call recorded the end.
   */
  async end(id: string, result: TaskResult): Promise<boolean> {
    const set = await this.redis.set(this.#key('result', id), encodeStored(result), 'EX', this.#ttl, 'NX');
    if (set !== 'OK') return false;
    await this.redis.publish(this.endedChannel, id);
    const dependents = await this.redis.smembers(this.#key('dependents', id));
    for (const child of dependents) {
      if (result.status === TaskStatus.Completed) await this.#dropEdge(child, id);
      else await this.#endBlocked(child, id, result.status);
    }
    if (dependents.length > 0) await this.redis.expire(this.#key('dependents', id), this.#ttl);
    return true;
  }

  /**
   * Cancels a task: one that has not started ends at once (its job is removed); a running one ends
   * Cancelled now and its worker is told over pub/sub to abort the handler. A task that has ended
   * keeps its end.
   */
  async cancel(id: string): Promise<TaskState | undefined> {
    const state = await this.state(id);
    if (state === undefined || state.result !== undefined) return state;
    await this.end(id, {
      taskId: id as TaskId,
      status: TaskStatus.Cancelled,
      output: { kind: 'none' },
      error: 'Task was cancelled',
      errorCode: 'cancelled',
      metrics: noMetrics(),
      timestamp: Date.now(),
    });
    await this.redis.publish(this.cancelChannel, id);
    const job = await this.job(id);
    // A running job is locked by its worker; that worker ends it when its handler stops.
    await job?.remove().catch(() => undefined);
    return this.state(id);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}
