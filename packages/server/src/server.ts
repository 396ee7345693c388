/**
 * The HTTP API of `@taskweave/server` (node:http, JSON):
 *
 * | route | does |
 * |---|---|
 * | `POST /v1/tasks` | validates one task (taskweave JSON or the seed's serde JSON) and enqueues it: 202 new, 200 when the id is known (idempotent) |
 * | `GET /v1/tasks/:id` | `{ id, status, result? }` (`?format=seed` answers the result in the seed's JSON) |
 * | `GET /v1/tasks/:id/wait?timeoutMs=` | long-poll: answers when the task ends, or at the timeout (≤ 30 s) with its status then |
 * | `GET /v1/tasks/:id/events` | Server-Sent Events: `status`, `progress`, `chunk` (`id:` its index, so `Last-Event-ID` resumes) and a final `end` with what `GET /v1/tasks/:id` answers (taskEvents.ts) |
 * | `POST /v1/tasks/:id/cancel` | cancels a queued or running task |
 * | `DELETE /v1/tasks/:id` | deletes a task: cancels it if it has not ended, then removes its job, result and edges |
 * | `POST /v1/embeddings` | OpenAI-compatible embeddings (openai.ts), run as EmbeddingGeneration tasks on the same queue |
 * | `GET /v1/models` | the fleet's models, as OpenAI lists them |
 * | `GET /healthz` | liveness: 200 while the process serves (no credentials) |
 * | `GET /readyz` | readiness: 200 when Redis answers and a worker was heard from in the last 15 s, else 503 (no credentials) |
 * | `GET /metrics` | Prometheus text (metrics.ts); an API key is required |
 *
 * Security, in the order it is checked: an `Origin` not in `allowedOrigins` → 403 (preflights
 * included; requests without an Origin — servers — pass this check); `Authorization: Bearer`
 * with a static API key or a token of a configured issuer (`secret`, `tokens`: token.ts), else
 * 401; the caller is the owner of what it submits, and another owner's task is answered exactly
 * as an unknown id (404 `not-found`; as a dependency, 400 `dependencies.N`); a body over
 * `maxBodyBytes` → 413; an input over `maxInputBytes` → 400 naming `input`; past the caller's
 * rate (`rateLimit`, counted in Redis per owner, fixed windows) a submit is refused with 429 and
 * `Retry-After` before anything is enqueued.
 *
 * While Redis is unreachable every route but `/healthz` answers 503 with `Retry-After` at once
 * (or, when Redis stops answering without closing the connection, after `COMMAND_TIMEOUT_MS`),
 * and the API recovers by itself when Redis is back. `close()` drains: new requests get 503, the
 * long-polls answer with the status they have, and requests in flight finish.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ValidationError, isTaskweaveError } from '@taskweave/core';
import { HttpError, readJson, send, sendText } from './http.js';
import { prometheusText } from './metrics.js';
import { openAiError, openAiRoutes } from './openai.js';
import type { JobReport } from './jobReports.js';
import { COMMAND_TIMEOUT_MS, TaskBoard, connect, jobIdOf, type BoardOptions, type TaskState } from './taskBoard.js';
import { EventStream, TaskEventHub, lastEventIdOf, type HubEvent, type TaskEventHubOptions } from './taskEvents.js';
import { TokenVerifier, ownerOfClaims, ownerOfKey, type TokenIssuer } from './token.js';
import { parseTaskBody, resultToWire, type WireFormat } from './wire.js';

/** Options of `createTaskweaveServer`. */
export interface ServerOptions extends BoardOptions {
  /** HS256 secret of browser tokens (`mintToken`): shorthand for `tokens: [{ secret }]`. */
  secret?: string;
  /**
   * Issuers whose tokens are accepted: `{ secret }` (HS256) or `{ jwksUrl }` (the app's identity
   * provider: RS256, ES256…), each with optional required `issuer` and `audience`. Without any
   * (and without `secret`) only API keys are accepted.
   */
  tokens?: TokenIssuer[];
  /**
   * Static API keys for server-to-server callers: `{ name: key }` (the owner of a key's tasks is
   * `key:<name>`), or a list (the owner is `key:<first 16 hex digits of the key's SHA-256>`).
   * @default {}
   */
  apiKeys?: string[] | Record<string, string>;
  /** Origins browsers may call from (`https://app.example.com`). @default [] (no browser origin) */
  allowedOrigins?: string[];
  /** Largest request body of `POST /v1/tasks`. @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /** Largest request body of `POST /v1/embeddings` (2,048 inputs of 1 KB fit the default). @default 16777216 (16 MiB) */
  maxEmbeddingsBodyBytes?: number;
  /** Largest task input, as JSON; on `/v1/embeddings`, the largest single input text. @default 262144 (256 KiB) */
  maxInputBytes?: number;
  /** Submits per caller per window. @default { requests: 1200, windowMs: 60000 } */
  rateLimit?: { requests: number; windowMs: number };
  /** Longest long-poll. @default 30000 */
  maxWaitMs?: number;
  /** What this process keeps of running tasks' chunks for late readers of `GET /v1/tasks/:id/events` (taskEvents.ts). */
  events?: TaskEventHubOptions;
}

/** How long an events stream waits, at a task's end, for chunks still on their way from the worker. */
const CHUNKS_CATCH_UP_MS = 2_000;

/** A running API. */
export interface TaskweaveServer {
  /** The node:http server (for `listen` options of your own). */
  readonly http: Server;
  readonly board: TaskBoard;
  /** Listens on `port` (0: a free one) and resolves with the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /**
   * Drains and stops: new requests answer 503, long-polls answer now, requests in flight finish
   * (at most `graceMs`, then their connections are closed), then the Redis connections close.
   */
  close(graceMs?: number): Promise<void>;
}

/** Seconds a client is told to wait (`Retry-After`) when Redis is unreachable or the API drains. */
const RETRY_AFTER_S = 2;

function validationBody(error: ValidationError | { message: string; details?: Record<string, unknown> | undefined; code: string }) {
  const field = error instanceof ValidationError ? error.field : ((error.details?.['field'] as string | undefined) ?? '(root)');
  return {
    error: {
      code: error.code,
      message: error.message,
      field,
      ...(error instanceof ValidationError ? { issues: error.issues } : {}),
    },
  };
}

function stateToWire(state: TaskState, format: WireFormat): unknown {
  return { id: state.id, status: state.status, ...(state.result === undefined ? {} : { result: resultToWire(state.result, format) }) };
}

/** An error that means Redis did not answer (the connection is down, or a command timed out). */
function redisUnavailable(board: TaskBoard, error: unknown): boolean {
  if (error instanceof HttpError || isTaskweaveError(error)) return false;
  return board.redisRecentlyDown() || (error instanceof Error && error.message === 'Command timed out');
}

/**
 * Creates the HTTP API on a Redis (it does not listen until `listen()`).
 * @example
 * const server = createTaskweaveServer({ redisUrl, secret: process.env.TASKWEAVE_SECRET, allowedOrigins: ['https://app.example.com'] })
 * await server.listen(8080)
 */
export function createTaskweaveServer(options: ServerOptions = {}): TaskweaveServer {
  const board = new TaskBoard(options, true);
  // Key → owner.
  const apiKeys = new Map<string, string>(
    Array.isArray(options.apiKeys)
      ? options.apiKeys.map((key) => [key, ownerOfKey(key)])
      : Object.entries(options.apiKeys ?? {}).map(([name, key]) => [key, ownerOfKey(key, name)]),
  );
  const tokens = new TokenVerifier([...(options.secret === undefined ? [] : [{ secret: options.secret }]), ...(options.tokens ?? [])]);
  const origins = new Set(options.allowedOrigins ?? []);
  const maxBody = options.maxBodyBytes ?? 1 << 20;
  const maxEmbeddingsBody = options.maxEmbeddingsBodyBytes ?? 16 << 20;
  const maxInput = options.maxInputBytes ?? 256 * 1024;
  const rate = options.rateLimit ?? { requests: 1200, windowMs: 60_000 };
  const maxWait = options.maxWaitMs ?? 30_000;
  let draining = false;

  // One subscriber per API process wakes the long-polls of tasks that end (by job id). It waits
  // out Redis outages (commands queue) and subscribes again by itself after one.
  const waiters = new Map<string, Set<() => void>>();
  const subscriber = connect(options.redisUrl ?? 'redis://127.0.0.1:6379');
  const subscribed = subscriber.subscribe(board.endedChannel);
  subscriber.on('message', (_channel: string, jobId: string) => {
    hub.ended(jobId);
    for (const wake of waiters.get(jobId) ?? []) wake();
  });
  // Running tasks' chunks and progress, from the queue's events (a blocking reader: not failFast).
  const hub = new TaskEventHub(connect(options.redisUrl ?? 'redis://127.0.0.1:6379'), board.queue.name, options.prefix ?? 'bull', options.events);

  /** Registers `wake` for the end of `jobId` (and the drain); the answer unregisters it. */
  function onEnd(jobId: string, wake: () => void): () => void {
    const set = waiters.get(jobId) ?? new Set();
    set.add(wake);
    waiters.set(jobId, set);
    return () => {
      set.delete(wake);
      if (set.size === 0 && waiters.get(jobId) === set) waiters.delete(jobId);
    };
  }

  async function waitFor(owner: string, id: string, timeoutMs: number): Promise<TaskState | undefined> {
    const jobId = jobIdOf(owner, id);
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const unregister = onEnd(jobId, wake);
    try {
      // Registered before the check, so an end between the two still wakes us.
      const first = await board.state(owner, id);
      if (first === undefined || first.result !== undefined || draining) return first;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([woken, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      return board.state(owner, id);
    } finally {
      unregister();
    }
  }

  /**
   * `GET /v1/tasks/:id/events` (taskEvents.ts). Owner-checked as `GET /v1/tasks/:id`: another
   * owner's task is answered 404 as an unknown id, before anything is streamed.
   */
  async function events(req: IncomingMessage, res: ServerResponse, owner: string, id: string, format: WireFormat, notFound: () => HttpError): Promise<void> {
    const jobId = jobIdOf(owner, id);
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    // Registered before the state is read, so an end between the two still wakes us.
    const unregister = onEnd(jobId, wake);
    let watch: ReturnType<TaskEventHub['watch']> | undefined;
    try {
      const state = await board.state(owner, id);
      if (state === undefined) throw notFound();
      const stream = new EventStream(req, res, lastEventIdOf(req));
      const closed = new Promise<void>((resolve) => res.once('close', resolve));
      const deliver = (event: HubEvent) => {
        if (event.type === 'chunk') stream.chunk(event.index, event.chunk);
        else if (event.type === 'progress') stream.progress(event.progress);
        else if (state.result === undefined) stream.status(id, event.status);
      };
      watch = hub.watch(jobId, deliver);
      stream.status(id, state.status);
      if (watch.progress !== undefined) stream.progress(watch.progress);
      for (const [index, chunk] of watch.chunks) stream.chunk(index, chunk);
      let final: TaskState | undefined = state;
      if (state.result === undefined) {
        await Promise.race([woken, closed]);
        // Draining: the reader reconnects (to another process) with its Last-Event-ID.
        if (stream.closed || draining) return stream.close();
        final = await board.state(owner, id);
      }
      // Deleted meanwhile (or a wake without an end): the reader asks again and learns which.
      if (final?.result === undefined) return stream.close();
      // The worker published every chunk before it recorded the end, but the chunks travel on
      // the queue's event stream and the end on pub/sub: wait (bounded) for the last one here.
      const last = (await board.job(owner, id))?.progress as Partial<JobReport> | undefined;
      const count = Number.isInteger(last?.from) && Array.isArray(last?.chunks) ? (last.from as number) + last.chunks.length : 0;
      await hub.arrived(jobId, count, Math.max(0, CHUNKS_CATCH_UP_MS - (Date.now() - final.result.timestamp)));
      // The last report is in the job itself: whatever of it did not arrive goes from there.
      last?.chunks?.forEach((chunk, i) => stream.chunk((last.from as number) + i, chunk));
      stream.status(id, final.status);
      stream.end(stateToWire(final, format));
      hub.ended(jobId);
    } finally {
      watch?.stop();
      unregister();
    }
  }

  /** The owner the request acts as (see token.ts), or 401. */
  async function caller(req: IncomingMessage): Promise<string> {
    const header = req.headers['authorization'];
    const bearer = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (bearer === undefined || bearer === '') throw new HttpError(401, 'unauthorized', 'missing bearer token or API key');
    const key = apiKeys.get(bearer);
    if (key !== undefined) return key;
    const claims = tokens.size === 0 ? undefined : await tokens.verify(bearer);
    if (claims === undefined) throw new HttpError(401, 'unauthorized', 'invalid or expired token');
    return ownerOfClaims(claims);
  }

  async function admit(who: string): Promise<void> {
    const window = Math.floor(Date.now() / rate.windowMs);
    const key = `${board.keyPrefix}rate:${who}:${window}`;
    const replies = await board.redis.multi().incr(key).pexpire(key, rate.windowMs * 2).exec();
    const count = Number(replies?.[0]?.[1] ?? 0);
    if (count > rate.requests) {
      const retryAfter = Math.ceil(((window + 1) * rate.windowMs - Date.now()) / 1000);
      throw new HttpError(429, 'rate-limited', `more than ${rate.requests} submits in ${rate.windowMs} ms`, { retryAfter });
    }
  }

  function checkInputSize(body: unknown): void {
    if (body === null || typeof body !== 'object') return;
    const input = (body as { input?: unknown }).input;
    const size = input === undefined ? 0 : Buffer.byteLength(JSON.stringify(input));
    if (size > maxInput) {
      throw new ValidationError(`submit: input is ${size} bytes as JSON, at most ${maxInput}`, [
        { path: ['input'], field: 'input', message: `at most ${maxInput} bytes` },
      ]);
    }
  }

  const openai = openAiRoutes({ board, waitFor, maxInputBytes: maxInput, maxWaitMs: maxWait * 4 });

  async function ready(): Promise<{ ok: boolean; body: Record<string, unknown> }> {
    let redis = 'unreachable';
    let workers = 0;
    if (board.redisReady) {
      try {
        await board.redis.ping();
        redis = 'ok';
        workers = (await board.fleet.workers()).length;
      } catch {
        redis = 'unreachable';
      }
    }
    return { ok: redis === 'ok' && workers > 0 && !draining, body: { redis, workers, draining } };
  }

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/readyz') {
      const r = await ready();
      return send(res, r.ok ? 200 : 503, r.body, r.ok ? {} : { 'retry-after': String(RETRY_AFTER_S) });
    }
    const origin = req.headers['origin'];
    if (origin !== undefined && !origins.has(origin)) throw new HttpError(403, 'forbidden-origin', `origin ${origin} is not allowed`);
    const cors: Record<string, string> = origin === undefined ? {} : { 'access-control-allow-origin': origin, vary: 'Origin' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
        'access-control-allow-headers': 'authorization, content-type, last-event-id',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
    const who = await caller(req);
    if (draining) throw new HttpError(503, 'draining', 'this API process is shutting down; try again');
    if (!board.redisReady) throw new HttpError(503, 'unavailable', 'Redis is unreachable; try again shortly');
    const format: WireFormat = url.searchParams.get('format') === 'seed' ? 'seed' : 'taskweave';
    if (req.method === 'GET' && path === '/metrics') {
      if (!who.startsWith('key:')) throw new HttpError(403, 'forbidden', '/metrics needs an API key');
      return sendText(res, 200, await prometheusText(board), 'text/plain; version=0.0.4; charset=utf-8');
    }
    if (req.method === 'POST' && path === '/v1/tasks') {
      const body = await readJson(req, maxBody);
      checkInputSize(body);
      const parsed = parseTaskBody(body);
      await admit(who);
      const { state, created } = await board.submit(who, parsed.submit, parsed.format, parsed.dependencyResults);
      send(res, created ? 202 : 200, stateToWire(state, parsed.format));
      return;
    }
    if (req.method === 'POST' && path === '/v1/embeddings') {
      const body = await readJson(req, maxEmbeddingsBody);
      await admit(who);
      return send(res, 200, await openai.embeddings(who, body));
    }
    if (req.method === 'GET' && path === '/v1/models') return send(res, 200, await openai.models());
    const match = /^\/v1\/tasks\/([^/]+)(\/wait|\/cancel|\/events)?$/.exec(path);
    if (match !== null) {
      const id = decodeURIComponent(match[1] as string);
      const action = match[2];
      const notFound = () => new HttpError(404, 'not-found', `no task with id ${id}`);
      if (req.method === 'DELETE' && action === undefined) {
        if (!(await board.delete(who, id))) throw notFound();
        send(res, 200, { id, deleted: true });
        return;
      }
      if (req.method === 'GET' && action === '/events') return events(req, res, who, id, format, notFound);
      let state: TaskState | undefined;
      if (req.method === 'GET' && action === undefined) state = await board.state(who, id);
      else if (req.method === 'GET' && action === '/wait') {
        const asked = Number(url.searchParams.get('timeoutMs') ?? maxWait);
        state = await waitFor(who, id, Math.max(0, Math.min(maxWait, Number.isFinite(asked) ? asked : maxWait)));
      } else if (req.method === 'POST' && action === '/cancel') state = await board.cancel(who, id);
      else throw new HttpError(405, 'method-not-allowed', `${req.method} ${path}`);
      if (state === undefined) throw notFound();
      send(res, 200, stateToWire(state, format));
      return;
    }
    throw new HttpError(404, 'not-found', `no route ${req.method} ${path}`);
  }

  function answerError(res: ServerResponse, path: string, caught: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const error = redisUnavailable(board, caught) ? new HttpError(503, 'unavailable', 'Redis is unreachable; try again shortly') : caught;
    const headers: Record<string, string> = {};
    if (error instanceof HttpError) {
      if (error.status === 429) headers['retry-after'] = String(error.extra['retryAfter']);
      if (error.status === 503) headers['retry-after'] = String(RETRY_AFTER_S);
      if (error.status === 413 || error.code === 'draining') headers['connection'] = 'close';
    }
    if (path === '/v1/embeddings' || path === '/v1/models') {
      const { status, body } = openAiError(error);
      send(res, status, body, headers);
      return;
    }
    if (error instanceof HttpError) {
      send(res, error.status, { error: { code: error.code, message: error.message, ...error.extra } }, headers);
      return;
    }
    if (isTaskweaveError(error, 'validation') || isTaskweaveError(error, 'unknown-dependency')) {
      send(res, 400, validationBody(error));
      return;
    }
    if (isTaskweaveError(error, 'duplicate-id')) {
      send(res, 409, { error: { code: error.code, message: error.message } }, { 'retry-after': '1' });
      return;
    }
    send(res, 500, { error: { code: 'internal', message: error instanceof Error ? error.message : String(error) } });
  }

  const inFlight = new Set<Promise<void>>();
  const http = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const handled = route(req, res, path).catch((error: unknown) => answerError(res, path, error));
    inFlight.add(handled);
    void handled.finally(() => inFlight.delete(handled));
  });

  return {
    http,
    board,
    async listen(port = 0, host = '127.0.0.1') {
      await Promise.race([Promise.all([subscribed, hub.ready()]), new Promise((resolve) => setTimeout(resolve, COMMAND_TIMEOUT_MS))]);
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          resolve();
        });
      });
      const { port: bound } = http.address() as AddressInfo;
      return `http://${host}:${bound}`;
    },
    async close(graceMs = 10_000) {
      draining = true;
      for (const set of waiters.values()) for (const wake of set) wake();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      http.closeAllConnections();
      await closed;
      subscriber.disconnect();
      await hub.close();
      await board.close();
    },
  };
}
