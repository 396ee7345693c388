/**
 * Dynamic batching of EmbeddingGeneration inside one worker process. A process that holds several
 * jobs at once (`concurrency` > 1) hands each job's texts here. While a model call runs, the texts
 * that arrive wait; the next call takes every waiting job of the same model and dtype (whole jobs,
 * up to `maxTexts` texts, or one bigger job alone) and runs their texts sorted by length, in calls
 * of `callBatch`, so a call pads little. Nothing waits for a window: a lone job on an idle process
 * runs at once. One pass over a model's texts is about 2–4× faster per text in batches of 32 than
 * one at a time (use-lite q8, one ORT thread, measured in Node).
 *
 * A job whose signal aborted before its group ran is dropped (its own promise was already settled
 * by the worker's race against the signal). When a call of a group of several jobs fails, each job
 * is run again alone, so only the job whose input the model refused fails.
 */
import type { NodeModels } from './models.js';

/** What one model call returns for its texts, in their order. */
export interface EmbedCallResult {
  vectors: Float32Array[];
  /** Per text: the model read only part of it. */
  truncated: boolean[];
  /** Per text: tokens the model read. */
  tokens: number[];
  dims: number;
}

/** Embeds texts with `pipe` in one model call (fitting, tokenizing, pooling: see embedding.ts). */
export type EmbedCall<P> = (pipe: P, texts: string[]) => Promise<EmbedCallResult>;

/** One job's texts embedded, and how many jobs shared the calls. */
export interface BatchedEmbedding extends EmbedCallResult {
  /** Jobs whose texts ran in the same group (1 when alone). */
  batchSize: number;
}

/** Options of `EmbeddingBatcher`. */
export interface EmbeddingBatcherOptions {
  /** Runs each model call; NodeModels' `exclusive` keeps one inference at a time per process. @default run at once */
  exclusive?: NodeModels['exclusive'];
  /** Most texts a group takes from the jobs waiting (a bigger job runs alone). @default 64 */
  maxTexts?: number;
  /** Texts per model call (bounds the padded input tensor). @default 32 */
  callBatch?: number;
}

interface Waiting<P> {
  key: string;
  pipe: P;
  texts: string[];
  signal: AbortSignal;
  resolve(value: BatchedEmbedding): void;
  reject(error: unknown): void;
}

/**
 * Groups the embedding jobs a process holds into shared model calls.
 * @example
 * const batcher = new EmbeddingBatcher(embedCall, { exclusive: (call) => models.exclusive(call) })
 * const { vectors } = await batcher.embed('use-lite|q8', pipe, ['a cat', 'the sea'], signal)
 */
export class EmbeddingBatcher<P> {
  readonly #call: EmbedCall<P>;
  readonly #exclusive: NonNullable<EmbeddingBatcherOptions['exclusive']>;
  readonly #maxTexts: number;
  readonly #callBatch: number;
  readonly #waiting: Waiting<P>[] = [];
  #draining = false;

  constructor(call: EmbedCall<P>, options: EmbeddingBatcherOptions = {}) {
    this.#call = call;
    this.#exclusive = options.exclusive ?? ((run) => run());
    this.#maxTexts = options.maxTexts ?? 64;
    this.#callBatch = options.callBatch ?? 32;
  }

  /** Embeds one job's `texts`; jobs of the same `key` (model and dtype) waiting at the same time share calls. */
  embed(key: string, pipe: P, texts: string[], signal: AbortSignal): Promise<BatchedEmbedding> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ key, pipe, texts, signal, resolve, reject });
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let group = this.#take(); group.length > 0; group = this.#take()) await this.#runGroup(group);
    } finally {
      this.#draining = false;
    }
  }

  /** The oldest waiting job and the others of its key, in arrival order, up to maxTexts texts. */
  #take(): Waiting<P>[] {
    const live = this.#waiting.filter((w) => !w.signal.aborted);
    this.#waiting.length = 0;
    const first = live[0];
    if (first === undefined) return [];
    const group: Waiting<P>[] = [];
    let texts = 0;
    for (const w of live) {
      if (w.key === first.key && (group.length === 0 || texts + w.texts.length <= this.#maxTexts)) {
        group.push(w);
        texts += w.texts.length;
      } else this.#waiting.push(w);
    }
    return group;
  }

  async #runGroup(group: Waiting<P>[]): Promise<void> {
    try {
      const results = await this.#embedAll(group[0]!.pipe, group.map((w) => w.texts));
      group.forEach((w, i) => w.resolve({ ...results[i]!, batchSize: group.length }));
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      for (const w of group) {
        if (w.signal.aborted) continue;
        try {
          const [alone] = await this.#embedAll(w.pipe, [w.texts]);
          w.resolve({ ...alone!, batchSize: 1 });
        } catch (own) {
          w.reject(own);
        }
      }
    }
  }

  /** Each job's texts embedded: all texts sorted by length, cut into calls, put back per job. */
  async #embedAll(pipe: P, jobs: string[][]): Promise<EmbedCallResult[]> {
    const flat = jobs.flat();
    const order = flat.map((_, i) => i).sort((a, b) => flat[a]!.length - flat[b]!.length);
    const vectors: Float32Array[] = new Array(flat.length);
    const truncated: boolean[] = new Array(flat.length);
    const tokens: number[] = new Array(flat.length);
    let dims = 0;
    for (let start = 0; start < order.length; start += this.#callBatch) {
      const part = order.slice(start, start + this.#callBatch);
      const out = await this.#exclusive(() => this.#call(pipe, part.map((i) => flat[i]!)));
      dims = out.dims;
      part.forEach((i, row) => {
        vectors[i] = out.vectors[row]!;
        truncated[i] = out.truncated[row]!;
        tokens[i] = out.tokens[row]!;
      });
    }
    const results: EmbedCallResult[] = [];
    let offset = 0;
    for (const job of jobs) {
      const end = offset + job.length;
      results.push({ vectors: vectors.slice(offset, end), truncated: truncated.slice(offset, end), tokens: tokens.slice(offset, end), dims });
      offset = end;
    }
    return results;
  }
}
