/**
 * The OpenAI-compatible routes, as the official `openai` client calls them with its defaults:
 *
 * - `POST /v1/embeddings`: `{ model, input, encoding_format?, dimensions?, user? }`. `model` is
 *   required and must be a model the fleet serves (else 404 `model_not_found`, before anything is
 *   enqueued). `input` is a string or up to 2,048 strings (OpenAI's limit), each non-blank and at
 *   most `maxInputBytes`; the request runs as one EmbeddingGeneration task per 1,024 texts (the
 *   task's cap) on the same queue. `encoding_format` `float` (numbers) or `base64` (the
 *   little-endian float32 bytes, as OpenAI sends them; the client's default). `dimensions` is
 *   honoured only for a model whose folder declares the size (`taskweave.json`, modelsDir.ts):
 *   the vector is cut to its first `dimensions` values and re-normalised; any other size is a 400.
 *   Text longer than the model reads is cut by taskweave's rule and said so: `truncated: true` on
 *   its item and `usage.truncated_inputs`, the number of such inputs.
 * - `GET /v1/models`: the fleet's models (see fleet.ts), as OpenAI lists them.
 *
 * Every error on these routes is in OpenAI's shape: `{ error: { message, type, param, code } }`.
 */
import { TaskStatus, TaskType, ValidationError, parseSubmission, type TaskResult } from '@taskweave/core';
import { MAX_TEXTS } from './handlers/embedding.js';
import { HttpError } from './http.js';
import type { TaskBoard, TaskState } from './taskBoard.js';

/** OpenAI's limit on inputs per embeddings request. */
export const MAX_EMBEDDING_INPUTS = 2048;

export interface OpenAiRoutes {
  embeddings(owner: string, body: unknown): Promise<unknown>;
  models(): Promise<unknown>;
}

export interface OpenAiDeps {
  board: TaskBoard;
  /** Waits until task `id` of `owner` ends (or the time is up). */
  waitFor(owner: string, id: string, timeoutMs: number): Promise<TaskState | undefined>;
  /** Largest single input text, in UTF-8 bytes. */
  maxInputBytes: number;
  /** Longest an embeddings request waits for its tasks. */
  maxWaitMs: number;
}

const bad = (message: string, param: string | null, code: string | null = 'invalid_value') => new HttpError(400, 'invalid_request_error', message, {}, param, code);

interface EmbeddingsRequest {
  model: string;
  texts: string[];
  base64: boolean;
  dimensions: number | undefined;
}

function parseRequest(body: unknown, maxInputBytes: number): EmbeddingsRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('the body must be a JSON object', null);
  const b = body as Record<string, unknown>;
  if (b['model'] === undefined || b['model'] === null || b['model'] === '') throw bad('you must provide a model parameter', 'model', 'missing_required_parameter');
  if (typeof b['model'] !== 'string') throw bad('model must be a string', 'model');
  const input = b['input'];
  if (input === undefined) throw bad('you must provide an input parameter', 'input', 'missing_required_parameter');
  const texts = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(texts) || texts.length === 0) throw bad("'input' must be a non-empty string or a non-empty array of strings", 'input');
  if (texts.length > MAX_EMBEDDING_INPUTS) throw bad(`'input' has ${texts.length} items, at most ${MAX_EMBEDDING_INPUTS}`, 'input');
  for (let i = 0; i < texts.length; i++) {
    const t: unknown = texts[i];
    if (typeof t !== 'string') throw bad(`input[${i}] must be a string (token arrays are not accepted: send the text)`, 'input');
    if (t.trim() === '') throw bad(`input[${i}] must not be empty or only whitespace`, 'input');
    const bytes = Buffer.byteLength(t);
    if (bytes > maxInputBytes) throw bad(`input[${i}] is ${bytes} bytes, at most ${maxInputBytes}`, 'input');
  }
  const format = b['encoding_format'] ?? 'float';
  if (format !== 'float' && format !== 'base64') throw bad(`encoding_format must be "float" or "base64", got ${JSON.stringify(format)}`, 'encoding_format');
  const dims = b['dimensions'];
  if (dims !== undefined && dims !== null && (!Number.isInteger(dims) || (dims as number) < 1)) throw bad('dimensions must be a positive integer', 'dimensions');
  return { model: b['model'], texts: texts as string[], base64: format === 'base64', dimensions: (dims ?? undefined) as number | undefined };
}

/** The first `size` values of `v`, re-normalised to length 1. */
function shorten(v: Float32Array, size: number): Float32Array {
  const out = v.slice(0, size);
  let norm = 0;
  for (const x of out) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / norm;
  return out;
}

/** Float32 little-endian bytes in base64, as OpenAI answers `encoding_format: "base64"`. */
function toBase64(v: Float32Array): string {
  const bytes = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) bytes.writeFloatLE(v[i] as number, i * 4);
  return bytes.toString('base64');
}

export function openAiRoutes(deps: OpenAiDeps): OpenAiRoutes {
  const { board } = deps;
  return {
    async models() {
      const models = await board.fleet.models();
      return {
        object: 'list',
        data: [...models.values()].map((m) => ({ id: m.id, object: 'model', created: Math.floor(m.seenAt / 1000), owned_by: 'taskweave' })),
      };
    },

    async embeddings(owner, body) {
      const request = parseRequest(body, deps.maxInputBytes);
      const model = (await board.fleet.models()).get(request.model);
      if (model === undefined) throw new HttpError(404, 'invalid_request_error', `The model '${request.model}' does not exist or no worker serves it`, {}, 'model', 'model_not_found');
      if (request.dimensions !== undefined && !(model.dimensions ?? []).includes(request.dimensions)) {
        const sizes = model.dimensions === undefined ? 'declares no other sizes' : `supports ${model.dimensions.join(', ')}`;
        throw bad(`model '${request.model}' ${sizes} (its folder's taskweave.json): dimensions ${request.dimensions} is not one of them`, 'dimensions');
      }
      // One task per MAX_TEXTS texts, submitted before any is waited on.
      const ids: string[] = [];
      for (let start = 0; start < request.texts.length; start += MAX_TEXTS) {
        const texts = request.texts.slice(start, start + MAX_TEXTS);
        const submit = parseSubmission({ type: TaskType.EmbeddingGeneration, modelId: request.model, input: { kind: 'custom', value: { texts } } });
        ids.push((await board.submit(owner, submit, 'taskweave')).state.id);
      }
      const results: TaskResult[] = [];
      for (const id of ids) {
        const result = (await deps.waitFor(owner, id, deps.maxWaitMs))?.result;
        if (result === undefined) throw new HttpError(504, 'timeout', `embeddings task ${id} did not end in ${deps.maxWaitMs} ms`, { id });
        if (result.status !== TaskStatus.Completed || result.output.kind !== 'embeddings') {
          const status = result.errorCode === 'validation' ? 400 : result.errorCode === 'model-not-found' ? 404 : 500;
          throw new HttpError(status, status === 500 ? 'server_error' : 'invalid_request_error', result.error ?? `task ${id} ended ${result.status}`, { id }, null, result.errorCode ?? null);
        }
        results.push(result);
      }
      let tokens = 0;
      let truncatedInputs = 0;
      const data: Array<Record<string, unknown>> = [];
      for (const [r, result] of results.entries()) {
        if (result.output.kind !== 'embeddings') continue;
        tokens += result.output.tokens ?? 0;
        const truncated = new Set(result.output.truncatedIndices ?? []);
        truncatedInputs += truncated.size;
        result.output.vectors.forEach((vector, i) => {
          const v = request.dimensions === undefined ? vector : shorten(vector, request.dimensions);
          data.push({
            object: 'embedding',
            index: r * MAX_TEXTS + i,
            embedding: request.base64 ? toBase64(v) : Array.from(v),
            ...(truncated.has(i) ? { truncated: true } : {}),
          });
        });
      }
      return { object: 'list', data, model: request.model, usage: { prompt_tokens: tokens, total_tokens: tokens, truncated_inputs: truncatedInputs } };
    },
  };
}

/** An error as OpenAI's routes answer it: `{ error: { message, type, param, code } }`. */
export function openAiError(error: unknown): { status: number; body: unknown } {
  if (error instanceof HttpError) {
    const type = error.status === 401 ? 'invalid_request_error' : error.status >= 500 ? 'server_error' : error.status === 429 ? 'rate_limit_error' : 'invalid_request_error';
    const code = error.openAiCode ?? (error.status === 401 ? 'invalid_api_key' : error.code);
    return { status: error.status, body: { error: { message: error.message, type, param: error.param, code } } };
  }
  if (error instanceof ValidationError) {
    return { status: 400, body: { error: { message: error.message, type: 'invalid_request_error', param: error.field, code: 'invalid_value' } } };
  }
  return { status: 500, body: { error: { message: error instanceof Error ? error.message : String(error), type: 'server_error', param: null, code: null } } };
}
