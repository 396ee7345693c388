/**
 * Text generation, shared by the browser's worker handler and a taskweave-worker process: the
 * ModelInference pipelines `text-generation` (decoder-only) and `text2text-generation`
 * (encoder-decoder), their options (named fields, checked at submit), and `generateText`, which
 * runs transformers.js `generate` on a pipeline's model streamed token by token. The runtime's
 * classes are handed in (core imports no transformers.js).
 *
 * - **Stream**: each generated token's text is a chunk (`ctx.emit`), decoded from the whole
 *   generated sequence so a character split across tokens is held back until complete (the
 *   decoding `TextStreamer` does, without its word buffering: a resumed run must continue the same
 *   text from the same token).
 * - **Progress**: `{ done: tokens, total: max_new_tokens }`.
 * - **Resume**: a checkpoint `{ tokens }` (the generated ids, all of whose text was streamed) at
 *   most every `CHECKPOINT_EVERY_MS`; a decoder-only run that resumes prefills prompt + those
 *   tokens and generates the rest, so the final text is the uninterrupted run's (greedy). An
 *   encoder-decoder run starts again (its stream skips what a reader has, by index).
 * - **Cancel / deadline**: a stopping criterion reads the abort signal after every token, so
 *   generation stops within one token once the signal aborted. Each step awaits the model in
 *   microtasks, so the caller's `turn` (a zero-delay event-loop turn) runs before a step once
 *   `YIELD_EVERY_MS` passed, for abort messages and timers to get in.
 * - **End**: `stop` when the model ended the text (an end-of-text token), `length` at
 *   `max_new_tokens`.
 */
import { z } from 'zod';
import { TaskweaveError } from '../errors.js';
import type { TaskProgress } from '../ports.js';
import type { ValidationIssue } from '../errors.js';

export const GENERATION_PIPELINES: ReadonlySet<string> = new Set(['text-generation', 'text2text-generation']);

/** Least time between two checkpoints of a generation (each is a write of the task's record). */
export const CHECKPOINT_EVERY_MS = 200;
/**
 * Most time generation runs without letting the event loop turn (abort messages, report timers):
 * below the reports' 16 ms window, so chunks keep their pace; a cancel lands within this plus one
 * token. Each turn costs ~0.3 ms with the work it lets in (bench:stream's profile): at 4 ms that
 * was ~7% of a small model's generation, at 8 ms half of it.
 */
export const YIELD_EVERY_MS = 8;

/** @example generationOptionsSchema.parse({ max_new_tokens: 64, do_sample: true, temperature: 0.7 }) */
export const generationOptionsSchema = z.strictObject({
  /** Most tokens to generate. @default 64 */
  max_new_tokens: z.int({ error: 'must be a whole number' }).min(1, 'must be at least 1').max(8192, 'must be at most 8192').default(64),
  /** Fewest tokens before the end-of-text token may end it. */
  min_new_tokens: z.int({ error: 'must be a whole number' }).min(0).max(8192).optional(),
  /** Sample (true) or take the most likely token (false: greedy, deterministic). @default false */
  do_sample: z.boolean({ error: 'must be true or false' }).optional(),
  temperature: z.number({ error: 'must be a number' }).gt(0, 'must be greater than 0').max(100).optional(),
  top_k: z.int({ error: 'must be a whole number' }).min(0).optional(),
  top_p: z.number({ error: 'must be a number' }).gt(0, 'must be greater than 0').max(1, 'must be at most 1').optional(),
  repetition_penalty: z.number({ error: 'must be a number' }).gt(0, 'must be greater than 0').optional(),
  no_repeat_ngram_size: z.int({ error: 'must be a whole number' }).min(0).optional(),
});
export type GenerationOptions = z.input<typeof generationOptionsSchema>;

/**
 * What is wrong with a generation pipeline call (`{ pipeline, inputs, options }` of a
 * ModelInference input), paths relative to it: one prompt, options by name.
 */
export function generationCallIssues(call: { pipeline: string; inputs: unknown; options?: unknown }): { path: (string | number)[]; message: string }[] {
  if (!GENERATION_PIPELINES.has(call.pipeline)) return [];
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (typeof call.inputs !== 'string') issues.push({ path: ['inputs'], message: `must be one prompt (a string) for ${call.pipeline}` });
  const options = generationOptionsSchema.safeParse(call.options ?? {});
  if (options.success) return issues;
  for (const issue of options.error.issues) {
    // A misspelt option is named by its own path (`options.maxNewTokens`), one issue per key.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) {
      const path = ['options', ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), ...(key === undefined ? [] : [key])];
      const message = key === undefined ? issue.message : `is not a generation option (${Object.keys(generationOptionsSchema.shape).join(', ')})`;
      issues.push({ path, message });
    }
  }
  return issues;
}

/** The generation issues of a ModelInference task at submit (paths from the task). */
export function generationIssues(task: { input: { kind: string; input?: unknown } }): ValidationIssue[] {
  const input = task.input;
  const call = input.input as { format?: string; pipeline?: unknown; inputs?: unknown; options?: unknown } | undefined;
  if (input.kind !== 'modelInput' || call?.format !== 'pipeline' || typeof call.pipeline !== 'string') return [];
  return generationCallIssues({ pipeline: call.pipeline, inputs: call.inputs, options: call.options }).map((issue) => {
    const path = ['input', 'input', ...issue.path];
    return { path, field: path.join('.'), message: issue.message };
  });
}

/** The transformers.js classes generation needs (`import('@huggingface/transformers')` has them). */
export interface GenerationRuntime {
  Tensor: new (type: 'int64', data: BigInt64Array, dims: number[]) => unknown;
  BaseStreamer: new () => { put(value: bigint[][]): void; end(): void };
  StoppingCriteria: new () => { _call(inputIds: unknown[], scores?: unknown): boolean[] };
}

/** What `generateText` needs of a transformers.js text-generation pipeline. */
export interface GenerationPipeline {
  model: {
    generate(options: Record<string, unknown>): Promise<unknown>;
    config: { is_encoder_decoder?: boolean };
    generation_config?: { eos_token_id?: number | number[] | null } | null;
  };
  tokenizer: ((text: string) => { input_ids: unknown; attention_mask: unknown }) & {
    decode(ids: readonly bigint[], options?: Record<string, unknown>): string;
  };
}

/** The run's side of a generation: its signal, where its tokens, progress and checkpoints go. */
export interface GenerationContext {
  signal: AbortSignal;
  resumeFrom: unknown;
  emit(chunk: string): void;
  progress(progress: TaskProgress): void;
  checkpoint(state: { tokens: number[] }): Promise<void>;
  /** One zero-delay turn of the event loop (a message task in a page or worker, `setImmediate` in Node). */
  turn(): Promise<void>;
}

export interface GenerationOutput {
  text: string;
  tokens: number;
  finishReason: 'stop' | 'length';
}

/** Runs one generation (see the file's comment); rejects with the signal's reason once it aborted. */
export async function generateText(
  t: GenerationRuntime,
  pipe: GenerationPipeline,
  prompt: string,
  options: z.output<typeof generationOptionsSchema>,
  ctx: GenerationContext,
): Promise<GenerationOutput> {
  const { model, tokenizer } = pipe;
  const decoderOnly = model.config.is_encoder_decoder !== true;
  const resumedTokens = decoderOnly ? ((ctx.resumeFrom as { tokens?: number[] } | undefined)?.tokens ?? []) : [];
  const { max_new_tokens: maxNewTokens, ...sampling } = options;
  const generated: bigint[] = resumedTokens.map((id) => BigInt(id));
  const decode = () => tokenizer.decode(generated, { skip_special_tokens: true });
  let streamed = generated.length === 0 ? 0 : decode().length;
  let checkpointAt = Date.now();
  let checkpointing = true;

  const eos = new Set<bigint>();
  const eosIds = model.generation_config?.eos_token_id;
  for (const id of Array.isArray(eosIds) ? eosIds : eosIds == null ? [] : [eosIds]) eos.add(BigInt(id));
  const last = () => generated[generated.length - 1];
  const finish = (): GenerationOutput => ({
    text: decode(),
    tokens: generated.length,
    finishReason: generated.length > 0 && eos.has(last() as bigint) ? 'stop' : 'length',
  });
  const left = maxNewTokens - generated.length;
  if (left <= 0 || (generated.length > 0 && eos.has(last() as bigint))) return finish();

  const encoded = tokenizer(prompt);
  let inputs = encoded.input_ids;
  let attentionMask = encoded.attention_mask;
  if (generated.length > 0) {
    const ids = [...((inputs as { data: BigInt64Array }).data), ...generated];
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
        const now = Date.now();
        if (checkpointing && now - checkpointAt >= CHECKPOINT_EVERY_MS) {
          checkpointAt = now;
          // Numbers, not bigints: a checkpoint is small structured data.
          ctx.checkpoint({ tokens: generated.map(Number) }).catch(() => {
            checkpointing = false; // refused (past the size bound): the run goes on without more
          });
        }
      }
      ctx.progress({ done: generated.length, total: maxNewTokens });
    }
    override end(): void {}
  }
  class Aborted extends t.StoppingCriteria {
    override _call(inputIds: unknown[]): boolean[] {
      return inputIds.map(() => signal.aborted);
    }
  }
  // Shadowed on the instance for this call only (a model runs one generation at a time), then removed.
  const stepping = model as GenerationPipeline['model'] & { forward(inputs: unknown): Promise<unknown> };
  const forward = stepping.forward;
  let turnedAt = Date.now();
  stepping.forward = async (modelInputs: unknown) => {
    if (Date.now() - turnedAt >= YIELD_EVERY_MS) {
      await ctx.turn();
      turnedAt = Date.now();
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
  if (signal.aborted) throw signal.reason;
  return finish();
}
