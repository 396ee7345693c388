/**
 * Runs one task on a server: `@taskweave/server` (submit by the task's id — the BullMQ job id, so a
 * submit is idempotent —, read its events to its end, cancel it, re-attach to it by id) or, for
 * EmbeddingGeneration, any OpenAI-compatible `POST /v1/embeddings` (`openAiEmbeddings.ts`).
 *
 * A task's events (`GET /v1/tasks/:id/events`, Server-Sent Events read with `fetch`) are its one
 * path to its end: `chunk` → `ctx.emit` (in index order, each once, also across reconnects:
 * `Last-Event-ID`), `progress` → `ctx.progress`, and `end` carries the result, after every chunk.
 *
 * What "accepted" means here: the server answered the submit (2xx), or, for a task placed on the
 * server by an earlier run (a reload), nobody can tell it did not. Such a task is never run on the
 * device: while the server cannot be reached the executor waits and tries again (backoff up to
 * 30 s) until the task ends, is cancelled or reaches its deadline. Only a task whose first submit
 * in this page failed for want of a connection was certainly not accepted (`RemoteUnreachable`
 * with `accepted: false`), and only that one may fall back to the device.
 */
import {
  CancelledError,
  TaskweaveError,
  TimeoutError,
  outputFromPlainJson,
  toPlainJson,
  type ExecutionContext,
  type MeasuredMetrics,
  type Task,
  type TaskOutput,
  type TaskResult,
} from '@taskweave/core';
import { openAiEmbed } from './openAiEmbeddings.js';
import { RemoteUnreachable, httpError, type RemoteHttp, type RemoteOptions } from './remoteHttp.js';

// ── the wire: JSON has no typed arrays ─────────────────────────────────────

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * The task as `POST /v1/tasks` takes it. Its dependencies ran here: the server gets not their ids
 * (it would not know them) but their results, which its handler reads as `ctx.dependencies`.
 */
export function taskToWire(task: Task, dependencies: readonly TaskResult[] = []): unknown {
  const input = task.input.kind === 'binary' ? { kind: 'binary', data: base64(task.input.data) } : toPlainJson(task.input);
  return {
    ...(dependencies.length === 0 ? {} : { dependencyResults: toPlainJson(dependencies) }),
    id: task.id,
    type: task.type,
    input,
    priority: task.priority,
    maxRetries: task.maxRetries,
    metadata: task.metadata,
    ...(task.modelId === undefined ? {} : { modelId: task.modelId }),
    ...(task.deadline === undefined ? {} : { deadline: task.deadline }),
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** How one remote run ended, for the placement executor's bookkeeping. */
export interface RemoteRunHooks {
  /** The server could not be reached (the placement executor stops sending `auto` tasks for a while). */
  unreachable(): void;
  /** It answered. */
  reachable(): void;
}

/**
 * Runs `task` on the server until it ends. `fresh`: this page placed it there just now (submit
 * first); else it may have been accepted by an earlier run (re-attach by id first, submit only if
 * the server does not know the id). Rejects with `RemoteUnreachable` (`accepted: false`) only when
 * a fresh task's submit reached nobody and `mayFallBack` is true.
 */
export async function runRemote(
  http: RemoteHttp,
  options: RemoteOptions,
  task: Task,
  ctx: ExecutionContext,
  fresh: boolean,
  mayFallBack: boolean,
  hooks: RemoteRunHooks,
): Promise<TaskOutput> {
  const signal = ctx.signal;
  const bytes = { n: 0 };
  const started = Date.now();
  const onAbort = () => {
    const reason: unknown = signal.reason;
    // A reload or close() (code 'closed') leaves the server's job running, to be re-attached to.
    if (reason instanceof CancelledError || reason instanceof TimeoutError) {
      if (options.kind !== 'openai') void http.request('POST', `/v1/tasks/${task.id}/cancel`, undefined, new AbortController().signal, { n: 0 }, true).catch(() => undefined);
    }
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const report = (m: MeasuredMetrics) => ctx.reportMetrics({ networkBytes: bytes.n, placement: 'remote', ...m });
  let delay = options.retryDelayMs ?? 1000;
  let submitNext = fresh;
  let accepted = !fresh;
  // The last chunk index forwarded to ctx.emit (this run's: a reloaded page's stream starts empty).
  let lastChunk = -1;
  try {
    for (;;) {
      try {
        if (options.kind === 'openai') {
          const output = await openAiEmbed(http, task, signal, bytes, accepted);
          hooks.reachable();
          report({ durationMs: Date.now() - started, backend: 'openai' });
          return output;
        }
        if (submitNext) {
          const r = await http.request('POST', '/v1/tasks', taskToWire(task, ctx.dependencies), signal, bytes, accepted);
          hooks.reachable();
          if (r.status !== 200 && r.status !== 202) throw httpError(`submit of task ${task.id}`, r.status, r.body);
          accepted = true;
          submitNext = false;
          if (r.body?.result !== undefined) return finish(r.body.result);
        }
        let ended: any;
        const r = await http.events(`/v1/tasks/${task.id}/events`, signal, options.waitMs ?? 25_000, bytes, lastChunk, (e) => {
          if (e.event === 'chunk') {
            const index = Number(e.data?.index);
            // Each index once: a reconnect (or a server-side retry) may send one again.
            if (!(index > lastChunk)) return;
            lastChunk = index;
            ctx.emit(e.data.chunk);
          } else if (e.event === 'progress' && e.data !== null && typeof e.data === 'object') ctx.progress(e.data);
          else if (e.event === 'end') ended = e.data;
        });
        hooks.reachable();
        delay = options.retryDelayMs ?? 1000;
        if (r.status === 404) {
          // Not known there (never arrived, or its result expired): submitting by the same id is safe.
          submitNext = true;
          continue;
        }
        if (r.status !== 200) throw httpError(`events of task ${task.id}`, r.status, r.body);
        if (ended?.result !== undefined) return finish(ended.result);
        // Closed without an end (the server drains, a proxy cut it, waitMs): read on from lastChunk.
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (!(error instanceof RemoteUnreachable)) throw error;
        hooks.unreachable();
        if (!error.accepted && !accepted && mayFallBack) throw error;
        // Accepted (or maybe): wait for the server, never run it here.
        await sleep(delay, signal);
        delay = Math.min(30_000, delay * 2);
      }
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }

  function finish(wire: any): TaskOutput {
    const result = wire as TaskResult & { output: any };
    const m = result.metrics ?? {};
    report({
      durationMs: m.durationMs ?? Date.now() - started,
      queueWaitMs: m.queueWaitMs ?? 0,
      memoryBytes: m.memoryBytes ?? 0,
      cpuUsage: m.cpuUsage ?? 0,
      ...(m.backend === undefined ? {} : { backend: m.backend }),
    });
    if (result.status === 'Completed') return outputFromPlainJson(result.output);
    const message = `on the server: ${result.error ?? `ended ${result.status}`}`;
    if (result.status === 'Timeout') throw new TimeoutError(message);
    if (result.status === 'Cancelled') throw new CancelledError(message);
    // The server spent the retries already.
    throw new TaskweaveError((result.errorCode as 'execution' | undefined) ?? 'execution', message, { retryable: false });
  }
}
