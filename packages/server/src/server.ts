/**
 * The HTTP API of `@taskweave/server` (node:http, JSON):
 *
 * | route | does |
 * |---|---|
 * | `POST /v1/tasks` | validates one task (taskweave JSON or the seed's serde JSON) and enqueues it: 202 new, 200 when the id is known (idempotent) |
 * | `GET /v1/tasks/:id` | `{ id, status, result? }` (`?format=seed` answers the result in the seed's JSON) |
 * | `GET /v1/tasks/:id/wait?timeoutMs=` | long-poll: answers when the task ends, or at the timeout (≤ 30 s) with its status then |
 * | `POST /v1/tasks/:id/cancel` | cancels a queued or running task |
 * | `DELETE /v1/tasks/:id` | deletes a task: cancels it if it has not ended, then removes its job, result and edges |
 * | `POST /v1/embeddings` | OpenAI-compatible embeddings, run as an EmbeddingGeneration task on the same queue |
 *
 * Security, in the order it is checked: an `Origin` not in `allowedOrigins` → 403 (preflights
 * included; requests without an Origin — servers — pass this check); `Authorization: Bearer`
 * with a static API key or a token of a configured issuer (`secret`, `tokens`: token.ts), else
 * 401; the caller is the owner of what it submits, and another owner's task is answered exactly
 * as an unknown id (404 `not-found`; as a dependency, 400 `dependencies.N`); a body over
 * `maxBodyBytes` → 413; an input over `maxInputBytes` → 400 naming `input`; past the caller's
 * rate (`rateLimit`, counted in Redis per token `sub` or API key, fixed windows) a submit is
 * refused with 429 and `Retry-After` before anything is enqueued.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TaskStatus, TaskType, ValidationError, isTaskweaveError, parseSubmission, type TaskResult } from '@taskweave/core';
import { TaskBoard, connect, jobIdOf, type BoardOptions, type TaskState } from './taskBoard.js';
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
  /** Largest request body. @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /** Largest task input, as JSON. @default 262144 (256 KiB) */
  maxInputBytes?: number;
  /** Submits per caller per window. @default { requests: 1200, windowMs: 60000 } */
  rateLimit?: { requests: number; windowMs: number };
  /** Longest long-poll. @default 30000 */
  maxWaitMs?: number;
  /** Model of `POST /v1/embeddings` when the request names none. @default 'use-lite' */
  defaultEmbeddingModel?: string;
}

/** A running API. */
export interface TaskweaveServer {
  /** The node:http server (for `listen` options of your own). */
  readonly http: Server;
  readonly board: TaskBoard;
  /** Listens on `port` (0: a free one) and resolves with the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, 'too-large', `request body is over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'too-large', `request body is over ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'validation', 'request body is not JSON', { field: '(root)' });
  }
}

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

/**
 * Creates the HTTP API on a Redis (it does not listen until `listen()`).
 * @example
 * const server = createTaskweaveServer({ redisUrl, secret: process.env.TASKWEAVE_SECRET, allowedOrigins: ['https://app.example.com'] })
 * await server.listen(8080)
 */
export function createTaskweaveServer(options: ServerOptions = {}): TaskweaveServer {
  const board = new TaskBoard(options);
  // Key → owner.
  const apiKeys = new Map<string, string>(
    Array.isArray(options.apiKeys)
      ? options.apiKeys.map((key) => [key, ownerOfKey(key)])
      : Object.entries(options.apiKeys ?? {}).map(([name, key]) => [key, ownerOfKey(key, name)]),
  );
  const tokens = new TokenVerifier([...(options.secret === undefined ? [] : [{ secret: options.secret }]), ...(options.tokens ?? [])]);
  const origins = new Set(options.allowedOrigins ?? []);
  const maxBody = options.maxBodyBytes ?? 1 << 20;
  const maxInput = options.maxInputBytes ?? 256 * 1024;
  const rate = options.rateLimit ?? { requests: 1200, windowMs: 60_000 };
  const maxWait = options.maxWaitMs ?? 30_000;

  // One subscriber per API process wakes the long-polls of tasks that end (by job id).
  const waiters = new Map<string, Set<() => void>>();
  const subscriber = connect(options.redisUrl ?? 'redis://127.0.0.1:6379');
  const subscribed = subscriber.subscribe(board.endedChannel);
  subscriber.on('message', (_channel: string, jobId: string) => {
    for (const wake of waiters.get(jobId) ?? []) wake();
  });

  async function waitFor(owner: string, id: string, timeoutMs: number): Promise<TaskState | undefined> {
    const jobId = jobIdOf(owner, id);
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const set = waiters.get(jobId) ?? new Set();
    set.add(wake);
    waiters.set(jobId, set);
    try {
      // Registered before the check, so an end between the two still wakes us.
      const first = await board.state(owner, id);
      if (first === undefined || first.result !== undefined) return first;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([woken, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      return board.state(owner, id);
    } finally {
      set.delete(wake);
      if (set.size === 0) waiters.delete(jobId);
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

  async function embeddings(owner: string, body: unknown, res: ServerResponse): Promise<void> {
    const b = (body ?? {}) as { input?: unknown; model?: unknown; encoding_format?: unknown };
    const texts = typeof b.input === 'string' ? [b.input] : b.input;
    const model = typeof b.model === 'string' && b.model !== '' ? b.model : (options.defaultEmbeddingModel ?? 'use-lite');
    if (b.encoding_format !== undefined && b.encoding_format !== 'float') {
      throw new ValidationError('embeddings: encoding_format must be "float"', [{ path: ['encoding_format'], field: 'encoding_format', message: 'must be "float"' }]);
    }
    if (!Array.isArray(texts) || texts.length === 0 || !texts.every((t) => typeof t === 'string' && t.trim() !== '')) {
      throw new ValidationError('embeddings: input must be a non-empty string or array of non-empty strings', [
        { path: ['input'], field: 'input', message: 'must be a non-empty string or array of non-empty strings' },
      ]);
    }
    const submit = parseSubmission({ type: TaskType.EmbeddingGeneration, modelId: model, input: { kind: 'custom', value: { texts } } });
    const { state } = await board.submit(owner, submit, 'taskweave');
    const ended = await waitFor(owner, state.id, maxWait * 4);
    const result: TaskResult | undefined = ended?.result;
    if (result === undefined) throw new HttpError(504, 'timeout', `embeddings task ${state.id} did not end in time`, { id: state.id });
    if (result.status !== TaskStatus.Completed || result.output.kind !== 'embeddings') {
      throw new HttpError(result.errorCode === 'validation' ? 400 : 500, result.errorCode ?? 'execution', result.error ?? `task ended ${result.status}`, { id: state.id });
    }
    // The tokens the model read (each text's attention mask, summed), as the worker counted them.
    const tokens = result.output.tokens ?? 0;
    send(res, 200, {
      object: 'list',
      data: result.output.vectors.map((v, index) => ({ object: 'embedding', index, embedding: Array.from(v) })),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers['origin'];
    if (origin !== undefined && !origins.has(origin)) throw new HttpError(403, 'forbidden-origin', `origin ${origin} is not allowed`);
    const cors: Record<string, string> = origin === undefined ? {} : { 'access-control-allow-origin': origin, vary: 'Origin' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
        'access-control-allow-headers': 'authorization, content-type',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const who = await caller(req);
    const format: WireFormat = url.searchParams.get('format') === 'seed' ? 'seed' : 'taskweave';
    const path = url.pathname;
    if (req.method === 'POST' && path === '/v1/tasks') {
      const body = await readJson(req, maxBody);
      checkInputSize(body);
      const parsed = parseTaskBody(body);
      await admit(who);
      const { state, created } = await board.submit(who, parsed.submit, parsed.format);
      send(res, created ? 202 : 200, stateToWire(state, parsed.format));
      return;
    }
    if (req.method === 'POST' && path === '/v1/embeddings') {
      const body = await readJson(req, maxBody);
      checkInputSize(body);
      await admit(who);
      await embeddings(who, body, res);
      return;
    }
    const match = /^\/v1\/tasks\/([^/]+)(\/wait|\/cancel)?$/.exec(path);
    if (match !== null) {
      const id = decodeURIComponent(match[1] as string);
      const action = match[2];
      const notFound = () => new HttpError(404, 'not-found', `no task with id ${id}`);
      if (req.method === 'DELETE' && action === undefined) {
        if (!(await board.delete(who, id))) throw notFound();
        send(res, 200, { id, deleted: true });
        return;
      }
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

  const http = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        const headers: Record<string, string> = error.status === 429 ? { 'retry-after': String(error.extra['retryAfter']) } : {};
        if (error.status === 413) headers['connection'] = 'close';
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
    });
  });

  return {
    http,
    board,
    async listen(port = 0, host = '127.0.0.1') {
      await subscribed;
      await new Promise<void>((resolve) => http.listen(port, host, resolve));
      const { port: bound } = http.address() as AddressInfo;
      return `http://${host}:${bound}`;
    },
    async close() {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await closed;
      subscriber.disconnect();
      await board.close();
    },
  };
}
