/**
 * `GET /v1/tasks/:id/events`: a task's progress, partial outputs (chunks) and end as Server-Sent
 * Events (`text/event-stream`, as `EventSource` and `fetch` readers take it):
 *
 * ```
 * event: status    data: {"id","status"}            the status now, then each change
 * event: progress  data: {"done","total?","note?"}  the latest progress (replayed once to a late reader)
 * id: 3
 * event: chunk     data: {"index":3,"chunk":…}      every chunk, in index order, each once
 * event: end       data: {"id","status","result"}   what GET /v1/tasks/:id answers; then the stream closes
 * : keepalive                                       a comment every 15 s, so proxies keep it open
 * ```
 *
 * A reader that reconnects with `Last-Event-ID: n` gets the chunks after `n` only.
 *
 * Where the chunks come from: workers publish them through BullMQ's `job.updateProgress`
 * (jobReports.ts), and each API process keeps, from its `QueueEvents` 'progress' events, **a
 * running task's chunks in memory** (`TaskEventHub`), so a late reader first gets the chunks so
 * far, then live ones. What it keeps is bounded: a task's buffer goes `gcMs` (60 s) after the task
 * ended (or after 10 min without news and without a reader), a task keeps at most
 * `maxTaskBytes` (4 MiB, as JSON) of chunks (past it, its oldest go: a late reader then starts
 * later), and the process at most `maxBytes` (64 MiB) in all (past it, whole buffers go, ended
 * ones first, oldest first). An API process started after a task began has its chunks from then
 * on. Chunks are a view of a running task; its output is its result, which is whole in `end`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { TaskStatus, type TaskProgress } from '@taskweave/core';
import type { JobReport } from './jobReports.js';

/** A heartbeat comment goes this often on an open events stream. */
export const EVENTS_HEARTBEAT_MS = 15_000;

/** What a watcher of one task hears from the hub. */
export type HubEvent = { type: 'chunk'; index: number; chunk: unknown } | { type: 'progress'; progress: TaskProgress } | { type: 'status'; status: TaskStatus };
type Watcher = (event: HubEvent) => void;

interface Buffered {
  /** By index, in arrival order (= index order: a worker publishes one report at a time). */
  chunks: Map<number, { chunk: unknown; bytes: number }>;
  bytes: number;
  progress: TaskProgress | undefined;
  watchers: Set<Watcher>;
  touchedAt: number;
  endedAt: number | undefined;
}

/** Options of `TaskEventHub`. */
export interface TaskEventHubOptions {
  /** How long an ended task's chunks stay for late readers. @default 60000 */
  gcMs?: number;
  /** Most bytes (as JSON) of one task's chunks; past it its oldest go. @default 4194304 */
  maxTaskBytes?: number;
  /** Most bytes of chunks in all. @default 67108864 */
  maxBytes?: number;
}

const IDLE_MS = 10 * 60_000;

/** One API process's view of its queue's running tasks: their chunks and progress, from `QueueEvents`. */
export class TaskEventHub {
  readonly #events: QueueEvents;
  readonly #connection: Redis;
  readonly #tasks = new Map<string, Buffered>();
  readonly #gcMs: number;
  readonly #maxTaskBytes: number;
  readonly #maxBytes: number;
  readonly #sweep: NodeJS.Timeout;
  #bytes = 0;

  constructor(connection: Redis, queueName: string, prefix: string, options: TaskEventHubOptions = {}) {
    this.#gcMs = options.gcMs ?? 60_000;
    this.#maxTaskBytes = options.maxTaskBytes ?? 4 << 20;
    this.#maxBytes = options.maxBytes ?? 64 << 20;
    this.#connection = connection;
    this.#events = new QueueEvents(queueName, { connection, prefix });
    // Connection errors: it reconnects by itself and reads on from its last event id.
    this.#events.on('error', () => undefined);
    this.#events.on('progress', ({ jobId, data }) => this.#report(jobId, data as Partial<JobReport>));
    this.#events.on('active', ({ jobId }) => this.#status(jobId, TaskStatus.Running));
    this.#events.on('waiting', ({ jobId }) => this.#status(jobId, TaskStatus.Pending));
    this.#events.on('delayed', ({ jobId }) => this.#status(jobId, TaskStatus.Pending));
    this.#sweep = setInterval(() => this.#collect(), Math.min(10_000, this.#gcMs));
    this.#sweep.unref();
  }

  /** Resolves once the hub reads the queue's events. */
  ready(): Promise<void> {
    return this.#events.waitUntilReady().then(() => undefined);
  }

  #task(jobId: string): Buffered {
    let task = this.#tasks.get(jobId);
    if (task === undefined) {
      task = { chunks: new Map(), bytes: 0, progress: undefined, watchers: new Set(), touchedAt: Date.now(), endedAt: undefined };
      this.#tasks.set(jobId, task);
    }
    return task;
  }

  #report(jobId: string, report: Partial<JobReport>): void {
    if (report === null || typeof report !== 'object') return;
    const task = this.#task(jobId);
    task.touchedAt = Date.now();
    const from = Number(report.from);
    if (Array.isArray(report.chunks) && Number.isInteger(from)) {
      report.chunks.forEach((chunk, i) => {
        const index = from + i;
        // A retry without a checkpoint emits its chunks again: each index goes out once.
        if (task.chunks.has(index)) return;
        const bytes = JSON.stringify(chunk ?? null).length;
        task.chunks.set(index, { chunk, bytes });
        task.bytes += bytes;
        this.#bytes += bytes;
        for (const watch of task.watchers) watch({ type: 'chunk', index, chunk });
      });
      this.#bound(jobId, task);
    }
    if (report.progress !== undefined && report.progress !== null) {
      task.progress = report.progress;
      for (const watch of task.watchers) watch({ type: 'progress', progress: report.progress });
    }
  }

  #status(jobId: string, status: TaskStatus): void {
    const task = this.#tasks.get(jobId);
    if (task === undefined) return;
    for (const watch of task.watchers) watch({ type: 'status', status });
  }

  /** Called when a task ended (the API's `ended` subscription): its buffer goes `gcMs` later. */
  ended(jobId: string): void {
    const task = this.#tasks.get(jobId);
    if (task !== undefined) task.endedAt ??= Date.now();
  }

  /**
   * Watches a task: answers the chunks and progress it has (in index order) and calls `watcher`
   * with each one after; the returned function stops watching.
   */
  watch(jobId: string, watcher: Watcher): { chunks: Array<[number, unknown]>; progress: TaskProgress | undefined; stop: () => void } {
    const task = this.#task(jobId);
    task.watchers.add(watcher);
    return {
      chunks: [...task.chunks].map(([index, { chunk }]) => [index, chunk]),
      progress: task.progress,
      stop: () => {
        task.watchers.delete(watcher);
        task.touchedAt = Date.now();
        // A watch of a task that reported nothing leaves nothing behind.
        if (task.watchers.size === 0 && task.chunks.size === 0 && task.progress === undefined && this.#tasks.get(jobId) === task) this.#tasks.delete(jobId);
      },
    };
  }

  /** Resolves once chunk `count - 1` arrived (or `timeoutMs` passed). */
  async arrived(jobId: string, count: number, timeoutMs: number): Promise<void> {
    const task = this.#task(jobId);
    const has = () => count === 0 || task.chunks.has(count - 1);
    if (has()) return;
    let done!: () => void;
    const arrived = new Promise<void>((resolve) => (done = resolve));
    const watcher: Watcher = () => {
      if (has()) done();
    };
    task.watchers.add(watcher);
    const timer = setTimeout(done, timeoutMs);
    await arrived;
    clearTimeout(timer);
    task.watchers.delete(watcher);
  }

  #bound(jobId: string, task: Buffered): void {
    for (const [index, { bytes }] of task.chunks) {
      if (task.bytes <= this.#maxTaskBytes) break;
      task.chunks.delete(index);
      task.bytes -= bytes;
      this.#bytes -= bytes;
    }
    if (this.#bytes <= this.#maxBytes) return;
    // Ended first, then the least recently touched; never the task that just reported.
    const victims = [...this.#tasks].filter(([id]) => id !== jobId).sort(([, a], [, b]) => Number(a.endedAt === undefined) - Number(b.endedAt === undefined) || a.touchedAt - b.touchedAt);
    for (const [id, victim] of victims) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#drop(id, victim);
    }
  }

  #drop(jobId: string, task: Buffered): void {
    this.#bytes -= task.bytes;
    this.#tasks.delete(jobId);
  }

  #collect(): void {
    const now = Date.now();
    for (const [id, task] of this.#tasks) {
      if (task.endedAt !== undefined ? now - task.endedAt >= this.#gcMs : task.watchers.size === 0 && now - task.touchedAt >= IDLE_MS) this.#drop(id, task);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
    await this.#events.close();
    this.#connection.disconnect();
  }
}

/** One events stream's writer: SSE framing, chunks once each and in order, closing. */
export class EventStream {
  readonly #res: ServerResponse;
  #lastIndex: number;
  #status: TaskStatus | undefined;
  #heartbeat: NodeJS.Timeout;
  closed = false;

  /** Writes the headers; `lastEventId`: the index of the last chunk the reader has (-1: none). */
  constructor(req: IncomingMessage, res: ServerResponse, lastEventId: number) {
    this.#res = res;
    this.#lastIndex = lastEventId;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers responses unless told not to.
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 1000\n\n');
    this.#heartbeat = setInterval(() => res.write(': keepalive\n\n'), EVENTS_HEARTBEAT_MS);
    this.#heartbeat.unref();
    const gone = () => this.close();
    req.on('close', gone);
    res.on('close', gone);
  }

  #write(event: string, data: unknown, id?: number): void {
    if (this.closed) return;
    this.#res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  status(id: string, status: TaskStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#write('status', { id, status });
  }

  progress(progress: TaskProgress): void {
    this.#write('progress', progress);
  }

  /** Sends a chunk unless the reader has it (an index at or below the last one sent). */
  chunk(index: number, chunk: unknown): void {
    if (index <= this.#lastIndex) return;
    this.#lastIndex = index;
    this.#write('chunk', { index, chunk }, index);
  }

  end(body: unknown): void {
    this.#write('end', body);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.#heartbeat);
    this.#res.end();
  }
}

/** `Last-Event-ID` as a chunk index, -1 when absent or not one. */
export function lastEventIdOf(req: IncomingMessage): number {
  const raw = req.headers['last-event-id'];
  const n = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : -1;
  return Number.isSafeInteger(n) ? n : -1;
}
