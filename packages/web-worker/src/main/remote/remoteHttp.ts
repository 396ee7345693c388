/**
 * HTTP to a remote server, shared by the taskweave-server executor (`remoteExecutor.ts`) and the
 * OpenAI-compatible embeddings client (`openAiEmbeddings.ts`): the `remote` options, auth (a fresh
 * token after a 401), byte counting, and the errors an answer (or no answer) becomes.
 */
import { TaskweaveError, type PlacementRequest } from '@taskweave/core';

/** The `remote` option of `createTaskweave`. */
export interface RemoteOptions {
  /** Base URL of the server (`https://tasks.example.com`), or of an OpenAI-compatible API (`https://api.example.com`, `/v1/embeddings` is appended). */
  url: string;
  /**
   * The bearer token, asked for before each request and again after a 401: a short-lived token
   * your backend mints (`mintToken` of `@taskweave/server`), never a static key in the page.
   */
  getToken: () => string | Promise<string>;
  /** Where tasks run unless their `metadata.placement` says otherwise. @default 'local' */
  placement?: PlacementRequest;
  /** Models this device does not hold: `auto` sends their tasks to the server. @default [] */
  remoteOnlyModels?: readonly string[];
  /** What the URL speaks: taskweave's server (any task type) or OpenAI's embeddings API (EmbeddingGeneration only). @default 'taskweave' */
  kind?: 'taskweave' | 'openai';
  /** Most tasks in flight on the server at once (each holds its events stream open; browsers open 6 connections per host over HTTP/1.1). @default 4 */
  concurrency?: number;
  /** First wait after a failed connection; doubles up to 30 s. While it runs, `auto` places tasks on the device. @default 1000 */
  retryDelayMs?: number;
  /**
   * Longest single read of a task's events (`GET /v1/tasks/:id/events`); the page then reads on
   * from the last chunk it has (`Last-Event-ID`), so a proxy that cuts long responses costs nothing. @default 25000
   */
  waitMs?: number;
}

/** The server could not be reached (no answer at all). `accepted: false` when it certainly never saw the task. */
export class RemoteUnreachable extends TaskweaveError {
  readonly accepted: boolean;
  constructor(message: string, accepted: boolean, cause?: unknown) {
    super('execution', message, { retryable: true, cause, details: { remote: true, accepted } });
    this.accepted = accepted;
  }
}

/** The page's side of HTTP to the server: auth (refresh on 401), byte counting, errors. */
export class RemoteHttp {
  readonly #options: RemoteOptions;
  readonly base: string;
  constructor(options: RemoteOptions) {
    this.#options = options;
    this.base = options.url.replace(/\/+$/, '');
  }

  /** JSON request; resolves with status and body; rejects with `RemoteUnreachable` when nothing answered. */
  async request(method: string, path: string, body: unknown, signal: AbortSignal, bytes: { n: number }, accepted: boolean): Promise<{ status: number; body: any }> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      const token = await this.#options.getToken();
      let res: Response;
      try {
        res = await fetch(this.base + path, {
          method,
          signal,
          headers: { authorization: `Bearer ${token}`, ...(text === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(text === undefined ? {} : { body: text }),
        });
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw new RemoteUnreachable(`${method} ${this.base}${path}: no answer (${String(error)})`, accepted, error);
      }
      const answer = await res.text().catch((error: unknown) => {
        if (signal.aborted) throw signal.reason;
        throw new RemoteUnreachable(`${method} ${this.base}${path}: the answer broke off`, true, error);
      });
      bytes.n += (text?.length ?? 0) + answer.length;
      if (res.status === 401 && attempt === 0) continue; // a fresh token, once
      // The server is up but cannot reach its Redis (or is draining): nothing was enqueued by this
      // request, and it is as good as unreachable until it answers again (Retry-After).
      if (res.status === 503) throw new RemoteUnreachable(`${method} ${this.base}${path}: 503 ${answer.slice(0, 200)}`, accepted, undefined);
      let parsed: any;
      try {
        parsed = answer === '' ? undefined : JSON.parse(answer);
      } catch {
        parsed = { error: { message: answer.slice(0, 200) } };
      }
      return { status: res.status, body: parsed };
    }
  }

  /**
   * Reads a Server-Sent Events stream with `fetch` (`EventSource` cannot send the Authorization
   * header), calling `onEvent` for each event, until the server closes it or `maxMs` passed
   * (then it resolves as closed: the caller reads on with `lastEventId`). Resolves with the status
   * (and, when not 200, the error body); rejects with `RemoteUnreachable` when nothing answered
   * or the stream broke off.
   */
  async events(
    path: string,
    signal: AbortSignal,
    maxMs: number,
    bytes: { n: number },
    lastEventId: number,
    onEvent: (event: ServerEvent) => void,
  ): Promise<{ status: number; body?: any }> {
    const local = new AbortController();
    const stop = () => local.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    const timer = setTimeout(() => local.abort(), maxMs);
    const where = `GET ${this.base}${path}`;
    try {
      for (let attempt = 0; ; attempt++) {
        const token = await this.#options.getToken();
        let res: Response;
        try {
          res = await fetch(this.base + path, {
            signal: local.signal,
            headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastEventId < 0 ? {} : { 'last-event-id': String(lastEventId) }) },
          });
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          if (local.signal.aborted) return { status: 200 };
          throw new RemoteUnreachable(`${where}: no answer (${String(error)})`, true, error);
        }
        if (res.status !== 200 || res.body === null) {
          const answer = await res.text().catch(() => '');
          bytes.n += answer.length;
          if (res.status === 401 && attempt === 0) continue; // a fresh token, once
          if (res.status === 503) throw new RemoteUnreachable(`${where}: 503 ${answer.slice(0, 200)}`, true, undefined);
          let body: any;
          try {
            body = answer === '' ? undefined : JSON.parse(answer);
          } catch {
            body = { error: { message: answer.slice(0, 200) } };
          }
          return { status: res.status, body };
        }
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new EventStreamParser();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return { status: 200 };
            bytes.n += value.length;
            parser.push(value, onEvent);
          }
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          if (local.signal.aborted) return { status: 200 };
          throw new RemoteUnreachable(`${where}: the stream broke off`, true, error);
        }
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      local.abort();
    }
  }
}

/** One Server-Sent Event: its `event` name, `id` and JSON `data`. */
export interface ServerEvent {
  event: string;
  id: string | undefined;
  data: any;
}

/**
 * Splits a `text/event-stream` into events (the WHATWG framing: blocks end at a blank line,
 * `field: value` lines, comments start with ':'); `push` takes decoded text as it comes.
 */
export class EventStreamParser {
  #buffer = '';
  /** A trailing '\r' waits for the next text: it may be the first half of a CRLF. */
  #cr = false;
  push(text: string, onEvent: (event: ServerEvent) => void): void {
    let raw = (this.#cr ? '\r' : '') + text;
    this.#cr = raw.endsWith('\r');
    if (this.#cr) raw = raw.slice(0, -1);
    this.#buffer += raw.replace(/\r\n?/g, '\n');
    let at: number;
    while ((at = this.#buffer.indexOf('\n\n')) !== -1) {
      const block = this.#buffer.slice(0, at);
      this.#buffer = this.#buffer.slice(at + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'id') id = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length === 0) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.join('\n'));
      } catch {
        continue;
      }
      onEvent({ event, id, data: parsed });
    }
  }
}

/** An HTTP answer that is not a success, as the error a task ends with (or is retried after). */
export function httpError(what: string, status: number, body: any): TaskweaveError {
  const message = `${what}: HTTP ${status} ${body?.error?.message ?? ''}`.trim();
  // taskweave's error shape names the field `field`; OpenAI's (on /v1/embeddings) `param`.
  if (status === 400) return new TaskweaveError('validation', message, { retryable: false, details: { field: body?.error?.field ?? body?.error?.param } });
  if (status === 401 || status === 403) return new TaskweaveError('not-configured', message, { retryable: false });
  return new TaskweaveError('execution', message, { retryable: status >= 500 || status === 429 || status === 404 });
}
