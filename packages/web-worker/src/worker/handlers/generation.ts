/**
 * Text generation, the ModelInference pipelines `text-generation` (decoder-only models) and
 * `text2text-generation` (encoder-decoder): transformers.js `generate` on the pipeline's model,
 * streamed token by token.
 *
 * - **Stream**: each generated token's text is a chunk (`ctx.emit`), decoded from the whole
 *   generated sequence so a character split across tokens is held back until complete (the
 *   decoding `TextStreamer` does, without its word buffering: a resumed run must continue the same
 *   text from the same token).
 * - **Progress**: `{ kind: 'task', done: tokens, total: max_new_tokens }`.
 * - **Resume**: a checkpoint `{ tokens }` (the generated ids, all of whose text was streamed) at
 *   most every `CHECKPOINT_EVERY_MS`; a decoder-only run that resumes prefills prompt + those
 *   tokens and generates the rest, so the final text is the uninterrupted run's (greedy). An
 *   encoder-decoder run starts again (its stream skips what it had by index).
 * - **Cancel / deadline**: a stopping criterion reads the abort signal after every token, so
 *   generation stops within one token; the task ends as any aborted task does.
 * - **End**: `{ kind: 'text', text, tokens, finishReason }` — `stop` when the model ended the text
 *   (an end-of-text token), `length` at `max_new_tokens`.
 */
import { TaskweaveError, type Task, type TaskOutput } from '@taskweave/core';
import { backendPreference, runWithFallback } from '../models/backend.js';
import { transformers } from '../models/env.js';
import { dtypeOf, getPipeline, unloadModel } from '../models/models.js';
import type { HandlerContext } from '../runtime/handler.js';
import { parseInput } from './handlerInput.js';
import { generationOptionsSchema } from '../../shared/generationSchema.js';

/** Least time between two checkpoints of a generation (each is a write of the task's record). */
export const CHECKPOINT_EVERY_MS = 200;
/** Most time generation runs without letting the worker's event loop turn (abort messages, outbox timers). */
export const YIELD_EVERY_MS = 4;

type TokenizerFn = ((text: string, options?: Record<string, unknown>) => { input_ids: unknown; attention_mask: unknown }) & {
  decode(ids: readonly bigint[] | readonly number[], options?: Record<string, unknown>): string;
};
interface GenerativeModel {
  generate(options: Record<string, unknown>): Promise<unknown>;
  config: { is_encoder_decoder?: boolean };
  generation_config?: { eos_token_id?: number | number[] | null };
}
interface GenerationPipeline {
  model: GenerativeModel;
  tokenizer: TokenizerFn;
}

export interface GenerationOutput {
  text: string;
  tokens: number;
  finishReason: 'stop' | 'length';
}

/** Yields to the worker's event loop (a message task, not a clamped timer), so the pool's abort message is read between tokens. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}

export async function runGeneration(task: Task, modelId: string, pipeline: string, prompt: string, rawOptions: unknown, ctx: HandlerContext): Promise<TaskOutput> {
  const options = parseInput(generationOptionsSchema, rawOptions ?? {}, 'ModelInference', ['input', 'input', 'options']);
  let networkBytes = 0;
  const { value, backend } = await runWithFallback(
    backendPreference(task, ctx.backend),
    ctx.signal,
    async (b) => {
      const acquired = await getPipeline(pipeline, modelId, b, dtypeOf(task.metadata), ctx);
      networkBytes += acquired.networkBytes;
      ctx.signal.throwIfAborted();
      return generate(acquired.value as unknown as GenerationPipeline, prompt, options, ctx);
    },
    { runtime: 'transformers', onWebGpuFailure: () => unloadModel(modelId, 'webgpu') },
  );
  ctx.reportMetrics({ backend, ...(networkBytes > 0 ? { networkBytes } : {}) });
  return { kind: 'text', text: value.text, tokens: value.tokens, finishReason: value.finishReason };
}

async function generate(
  pipe: GenerationPipeline,
  prompt: string,
  options: ReturnType<typeof generationOptionsSchema.parse>,
  ctx: HandlerContext,
): Promise<GenerationOutput> {
  const t = await transformers();
  const { model, tokenizer } = pipe;
  const decoderOnly = model.config.is_encoder_decoder !== true;
  const resumedTokens = decoderOnly ? ((ctx.resumeFrom as { tokens?: number[] } | undefined)?.tokens ?? []) : [];
  const { max_new_tokens: maxNewTokens, ...sampling } = options;
  const generated: bigint[] = resumedTokens.map((id) => BigInt(id));
  const decode = () => tokenizer.decode(generated, { skip_special_tokens: true });
  let streamed = generated.length === 0 ? 0 : decode().length;
  let checkpointAt = performance.now();
  let checkpointing = true;

  const eos = new Set<bigint>();
  const eosIds = model.generation_config?.eos_token_id;
  for (const id of Array.isArray(eosIds) ? eosIds : eosIds == null ? [] : [eosIds]) eos.add(BigInt(id));
  const finish = (): GenerationOutput => ({
    text: decode(),
    tokens: generated.length,
    finishReason: generated.length > 0 && eos.has(generated[generated.length - 1] as bigint) ? 'stop' : 'length',
  });
  const left = maxNewTokens - generated.length;
  if (left <= 0 || (generated.length > 0 && eos.has(generated[generated.length - 1] as bigint))) return finish();

  const encoded = tokenizer(prompt);
  let inputs = encoded.input_ids as InstanceType<typeof t.Tensor>;
  let attentionMask = encoded.attention_mask as InstanceType<typeof t.Tensor>;
  if (generated.length > 0) {
    const ids = [...(inputs.data as BigInt64Array), ...generated];
    inputs = new t.Tensor('int64', BigInt64Array.from(ids), [1, ids.length]);
    attentionMask = new t.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
  }

  const signal = ctx.signal;
  class TokenStream extends t.BaseStreamer {
    #prompt = true;
    override put(value: bigint[][]): void {
      if (this.#prompt) {
        this.#prompt = false;
        return;
      }
      if (signal.aborted) return; // generate stops after this step: nothing more is reported
      generated.push(...(value[0] ?? []));
      const text = decode();
      // A character split across tokens decodes as U+FFFD until its last byte comes.
      if (text.length > streamed && !text.endsWith('\uFFFD')) {
        ctx.emit(text.slice(streamed));
        streamed = text.length;
        const now = performance.now();
        if (checkpointing && now - checkpointAt >= CHECKPOINT_EVERY_MS) {
          checkpointAt = now;
          // Numbers, not bigints: a checkpoint is small structured data.
          ctx.checkpoint({ tokens: generated.map(Number) }).catch(() => {
            checkpointing = false; // past the size bound: the run goes on without further checkpoints
          });
        }
      }
      ctx.progress({ kind: 'task', done: generated.length, total: maxNewTokens });
    }
    override end(): void {}
  }
  class Aborted extends t.StoppingCriteria {
    override _call(inputIds: unknown[]): boolean[] {
      return inputIds.map(() => signal.aborted);
    }
  }
  // Each step awaits ORT, but in microtasks: the pool's abort is a message (and the outbox's
  // flushes are timers), run only when the worker's event loop turns. A zero-delay turn before a
  // step once YIELD_EVERY_MS passed lets them in, at a cost that stays off fast small models.
  // Shadowed on the instance for this call only (a worker runs one job at a time), then removed.
  const stepping = model as GenerativeModel & { forward(inputs: unknown): Promise<unknown> };
  const forward = stepping.forward;
  let turnedAt = performance.now();
  stepping.forward = async (modelInputs: unknown) => {
    if (performance.now() - turnedAt >= YIELD_EVERY_MS) {
      await yieldToEvents();
      turnedAt = performance.now();
    }
    return forward.call(model, modelInputs);
  };
  try {
    await model.generate({
      inputs,
      attention_mask: attentionMask,
      max_new_tokens: left,
      ...sampling,
      streamer: new TokenStream(),
      stopping_criteria: [new Aborted()],
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw error instanceof TaskweaveError
      ? error
      : new TaskweaveError('execution', `text generation failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    delete (stepping as { forward?: unknown }).forward;
  }
  signal.throwIfAborted();
  return finish();
}
