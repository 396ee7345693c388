/**
 * A `taskweave-worker` process: a BullMQ Worker on the taskweave queue that runs each job's task
 * with the handler registered for its type, and adds what BullMQ lacks:
 *
 * - **Deadline** → `Timeout`: checked when the job starts, and enforced while it runs (the
 *   handler's signal aborts at the deadline; the task ends Timeout even if the handler ignores it).
 * - **Cancellation** of a running job: the API publishes the id on the cancel channel; the worker
 *   running it aborts the handler's signal. The end (Cancelled) was already recorded by the API.
 * - **Retries**: a retryable error is thrown back to BullMQ, which runs the job again after its
 *   exponential backoff (`attempts = maxRetries + 1`); a non-retryable one, or the last attempt's,
 *   ends the task Failed and is thrown as BullMQ's UnrecoverableError.
 * - **A process killed mid-job** (`kill -9`): its lock lapses (`lockDurationMs`, 8 s, renewed
 *   every 4 s while alive), BullMQ's stalled-job check (every `stalledIntervalMs`, 3 s; a job is
 *   moved when two checks in a row find it unlocked) moves the job back to wait, and another
 *   worker runs it: within lock + 2 × interval = 14 s by default. Stalls are not attempts (BullMQ counts them apart, up
 *   to `maxStalledCount`). A re-run of a job whose task already ended does nothing.
 * - **Results** are recorded in the board (one end per task) and are also the BullMQ job's
 *   `returnvalue` (the TaskResult as plain JSON), so BullMQ's own tools show them.
 * - **Presence**: a heartbeat every 5 s names the process and the models of its `modelsDir`
 *   (fleet.ts), which the API lists and checks requests against; `close()` leaves the fleet.
 * - **Reports**: a handler's progress, chunks and checkpoints (`ServerHandlerContext`) go out
 *   through `job.updateProgress` and Redis, coalesced (jobReports.ts); all of a run's reports are
 *   out before its end is recorded. A retry or a re-run resumes from the last checkpoint.
 * - **Metrics** as the seed measures them: duration of the final attempt, queue wait from submit
 *   to that attempt's start, the process's resident memory, its CPU time over wall time, network
 *   bytes 0 (models are read from disk), retries; `batchSize` when jobs shared a model call.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  CancelledError,
  TaskStatus,
  TaskweaveError,
  TimeoutError,
  isTaskweaveError,
  parseTaskOutput,
  serializeError,
  type MeasuredMetrics,
  type Task,
  type TaskResult,
  type TaskStatus as Status,
  type TaskType,
} from '@taskweave/core';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { HEARTBEAT_MS, type ModelInfo, type WorkerInfo } from './fleet.js';
import { inspectModelsDir } from './handlers/modelsDir.js';
import { JobReports, type JobReport } from './jobReports.js';
import { TaskBoard, connect, type BoardOptions, type JobData } from './taskBoard.js';
import { decodeStored, toPlainJson } from './wire.js';
import { embeddingHandler } from './handlers/embedding.js';
import type { ServerTaskHandler } from './handlers/handler.js';
import { inferenceHandler } from './handlers/inference.js';
import { NodeModels } from './handlers/models.js';
import { textHandler } from './handlers/text.js';

/** Options of `createTaskweaveWorker`. */
export interface WorkerOptions extends BoardOptions {
  /** Folder with one sub-folder per model id; without it the model handlers are not registered. */
  modelsDir?: string;
  /** ORT intra-op threads per model session. @default 1 */
  numThreads?: number;
  /**
   * Jobs this process holds at once. Model calls still run one at a time (`NodeModels.exclusive`);
   * EmbeddingGeneration jobs held together share calls (dynamic batching), so 8–32 makes a process
   * embed about 2–4× more texts per second under load. Custom handlers do run this many at once.
   * @default 1 (one job at a time, as a browser worker)
   */
  concurrency?: number;
  /** Handlers by task type (`'TextProcessing'`, `'custom:resize'`, …); they replace the built-in ones of the same type. */
  handlers?: Partial<Record<TaskType, ServerTaskHandler>>;
  /**
   * How long a job's lock lasts without renewal (renewed every half of it while the job runs); a
   * dead process's job is taken back after it. @default 8000
   */
  lockDurationMs?: number;
  /** How often BullMQ looks for stalled jobs: a dead process's job is picked up within `lockDurationMs + 2 × stalledIntervalMs`. @default 3000 */
  stalledIntervalMs?: number;
  /** Stalls a job survives before it fails. @default 5 */
  maxStalledCount?: number;
}

/** A running worker process's handle. */
export interface TaskweaveWorker {
  /** Resolves when the worker is connected and taking jobs. */
  ready(): Promise<void>;
  /** Stops taking jobs, lets running ones finish, leaves the fleet, and disconnects. */
  close(): Promise<void>;
}

const NO_DEPENDENCIES: readonly TaskResult[] = Object.freeze([]);

/** Defaults of the lock and stalled-check intervals: a dead worker's jobs are picked up within their sum. */
export const LOCK_DURATION_MS = 8_000;
export const STALLED_INTERVAL_MS = 3_000;

/**
 * Starts a worker on the queue.
 * @example
 * const worker = createTaskweaveWorker({ redisUrl: 'redis://10.0.0.5:6379', modelsDir: './models',
 *   handlers: { 'custom:echo': async (task) => ({ kind: 'custom', value: task.input }) } })
 */
export function createTaskweaveWorker(options: WorkerOptions = {}): TaskweaveWorker {
  let served: ModelInfo[] = [];
  if (options.modelsDir !== undefined) {
    const { models, problems } = inspectModelsDir(options.modelsDir);
    if (problems.length > 0) throw new TaskweaveError('not-configured', `models folder: ${problems.join('; ')}`, { retryable: false });
    served = models;
  }
  const board = new TaskBoard(options);
  const handlers = new Map<string, ServerTaskHandler>();
  let models: NodeModels | undefined;
  if (options.modelsDir !== undefined) {
    models = new NodeModels({ modelsDir: options.modelsDir, numThreads: options.numThreads ?? 1 });
    handlers.set('EmbeddingGeneration', embeddingHandler(models));
    handlers.set('TextProcessing', textHandler(models));
    handlers.set('ModelInference', inferenceHandler(models, options.numThreads ?? 1));
  }
  for (const [type, handler] of Object.entries(options.handlers ?? {})) if (handler !== undefined) handlers.set(type, handler);

  const running = new Map<string, AbortController>();
  const subscriber = connect(options.redisUrl ?? 'redis://127.0.0.1:6379');
  const subscribed = subscriber.subscribe(board.cancelChannel);
  subscriber.on('message', (_channel: string, jobId: string) => running.get(jobId)?.abort(new CancelledError()));

  // Ends are keyed by job id (owner and task id: taskBoard.ts); the handler sees the task's own id.
  /** Records the end; what it answers becomes the job's `returnvalue`. */
  const end = async (jobId: string, task: Task, status: Status, output: TaskResult['output'], metrics: TaskResult['metrics'], error?: unknown) => {
    const result: TaskResult = {
      taskId: task.id,
      status,
      output,
      metrics,
      timestamp: Date.now(),
      ...(error === undefined ? {} : { error: serializeError(error).message, errorCode: serializeError(error).code }),
    };
    await board.end(jobId, result);
    return toPlainJson(result);
  };

  const process = async (job: Job<JobData>): Promise<unknown> => {
    const id = job.id as string;
    // Registered before the ended check: a cancel published from now on aborts this run, and one
    // published before it is seen by the check (the API records the end, then publishes).
    const controller = new AbortController();
    running.set(id, controller);
    try {
      // Ended already (a re-run after a crash, a cancel, a deletion): nothing to do.
      if ((await board.resultOf(id)) !== undefined) return undefined;
      return await run(job, id, controller);
    } finally {
      running.delete(id);
    }
  };

  const run = async (job: Job<JobData>, id: string, controller: AbortController): Promise<unknown> => {
    const task: Task = { ...TaskBoard.taskOf(job), retryCount: job.attemptsMade };
    const started = Date.now();
    const cpuStart = globalThis.process.cpuUsage();
    const measured: MeasuredMetrics = {};
    const metrics = () => {
      const durationMs = Date.now() - started;
      const cpu = globalThis.process.cpuUsage(cpuStart);
      return {
        durationMs,
        queueWaitMs: Math.max(0, started - task.createdAt),
        memoryBytes: globalThis.process.memoryUsage().rss,
        cpuUsage: durationMs > 0 ? Math.min(1, (cpu.user + cpu.system) / 1000 / durationMs) : 0,
        networkBytes: 0,
        retryCount: job.attemptsMade,
        ...measured,
      };
    };
    if (task.deadline !== undefined && started >= task.deadline) {
      return end(id, task, TaskStatus.Timeout, { kind: 'none' }, metrics(), new TimeoutError('Task deadline passed before it started'));
    }
    const handler = handlers.get(task.type);
    if (handler === undefined) {
      const error = new TaskweaveError('not-configured', `No handler for ${task.type} in this worker`, { retryable: false });
      await end(id, task, TaskStatus.Failed, { kind: 'none' }, metrics(), error);
      throw new UnrecoverableError(error.message);
    }
    // A task runs once all its dependencies completed; their results are its owner's.
    // Or, for a step whose dependencies ran elsewhere (a browser's DAG), the results it was given.
    const dependencies =
      task.dependencies.length > 0
        ? await board.resultsOf(job.data.owner, task.dependencies)
        : job.data.dependencyResults === undefined
          ? NO_DEPENDENCIES
          : decodeStored<TaskResult[]>(job.data.dependencyResults);
    const missing = task.dependencies.filter((_, i) => dependencies[i]?.status !== TaskStatus.Completed);
    if (missing.length > 0) {
      const error = new TaskweaveError('dependency-failed', `Dependencies ${missing.join(', ')} have no Completed result (deleted or expired)`, { retryable: false });
      return end(id, task, TaskStatus.Cancelled, { kind: 'none' }, metrics(), error);
    }
    const checkpoint = await board.checkpointOf(id);
    const reports = new JobReports(
      {
        publish: (report: JobReport) => job.updateProgress(report as unknown as object),
        saveCheckpoint: (cp) => board.saveCheckpoint(id, cp),
      },
      checkpoint?.chunks ?? 0,
    );
    const timer = task.deadline === undefined ? undefined : setTimeout(() => controller.abort(new TimeoutError()), task.deadline - started);
    const aborted = new Promise<never>((_, reject) => {
      if (controller.signal.aborted) reject(controller.signal.reason);
      else controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    try {
      if (controller.signal.aborted) throw controller.signal.reason;
      const output = await Promise.race([
        handler(task, {
          signal: controller.signal,
          attempt: job.attemptsMade + 1,
          idempotencyKey: id,
          dependencies: dependencies as readonly TaskResult[],
          reportMetrics: (m) => Object.assign(measured, m),
          progress: (p) => reports.progress(p),
          emit: (chunk) => reports.emit(chunk),
          checkpoint: (state) => (controller.signal.aborted ? Promise.reject(controller.signal.reason) : reports.checkpoint(state)),
          resumeFrom: checkpoint?.state,
        }),
        aborted,
      ]);
      // Every report is out before the end: a reader of the task's events sees them all before `end`.
      await reports.close();
      return await end(id, task, TaskStatus.Completed, parseTaskOutput(output), metrics());
    } catch (error) {
      await reports.close();
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      if (isTaskweaveError(reason, 'cancelled')) return undefined;
      if (isTaskweaveError(reason, 'timeout')) return await end(id, task, TaskStatus.Timeout, { kind: 'none' }, metrics(), reason);
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!serializeError(reason).retryable || lastAttempt) {
        await end(id, task, TaskStatus.Failed, { kind: 'none' }, metrics(), reason);
        throw new UnrecoverableError(serializeError(reason).message);
      }
      throw reason;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      aborted.catch(() => undefined);
    }
  };

  const worker = new Worker<JobData>(board.queue.name, process, {
    connection: connect(options.redisUrl ?? 'redis://127.0.0.1:6379'),
    prefix: options.prefix ?? 'bull',
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockDurationMs ?? LOCK_DURATION_MS,
    stalledInterval: options.stalledIntervalMs ?? STALLED_INTERVAL_MS,
    maxStalledCount: options.maxStalledCount ?? 5,
  });
  // BullMQ reports connection errors here while Redis restarts; it reconnects by itself.
  worker.on('error', () => undefined);
  // A task deleted while its job ran: the job (its input) goes once the worker let go of it.
  const removeIfDeleted = (job: Job<JobData> | undefined) => void (job === undefined ? undefined : board.removeIfDeleted(job).catch(() => undefined));
  worker.on('completed', removeIfDeleted);
  worker.on('failed', removeIfDeleted);

  const info: WorkerInfo = {
    id: `${hostname()}-${globalThis.process.pid}-${randomUUID().slice(0, 8)}`,
    host: hostname(),
    pid: globalThis.process.pid,
    concurrency: options.concurrency ?? 1,
    models: served,
    startedAt: Date.now(),
  };
  const beat = () => board.fleet.heartbeat(info).catch(() => undefined);
  const heartbeat = setInterval(beat, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    async ready() {
      await subscribed;
      await worker.waitUntilReady();
      await beat();
    },
    async close() {
      clearInterval(heartbeat);
      await worker.close();
      await board.fleet.leave(info.id).catch(() => undefined);
      subscriber.disconnect();
      await board.close();
      // Releasing ORT sessions frees memory for a process that lives on; one that hangs (a load
      // still in flight) must not keep an exiting process up.
      await Promise.race([models?.dispose(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    },
  };
}
