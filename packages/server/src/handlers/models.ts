/**
 * transformers.js on onnxruntime-node in a worker process: every `env` setting in one place, and
 * each pipeline loaded once per process (`Map<key, Promise<pipeline>>`), so concurrent jobs share
 * a load. Models are read from a local folder (`modelsDir`, laid out as the browser's `/models/`:
 * `<modelId>/onnx/model_quantized.onnx` …); the Hugging Face hub stays off.
 *
 * `dtype` `auto` picks `q8` when the folder has `onnx/model_quantized.onnx`, else `fp32` — the
 * browser pool's rule, so a task gets the same model file, and the same vectors, on both sides.
 *
 * One inference at a time per process (`exclusive`): a process that holds several jobs
 * (`concurrency` > 1) runs their model calls one after another, each on its `numThreads`, so the
 * cores are shared by processes, never oversubscribed by one; EmbeddingGeneration jobs held at
 * once share a call instead (embeddingBatcher.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError, type TokenizerLike } from '@taskweave/core';

type Transformers = typeof import('@huggingface/transformers');
/** A tensor as transformers.js hands it out (what the server's handlers read of it). */
export interface TensorLike {
  data: ArrayLike<number | bigint>;
  dims: number[];
}

export type Pipeline = ((inputs: unknown, options?: Record<string, unknown>) => Promise<unknown>) & {
  dispose(): Promise<void>;
  /** The pipeline's tokenizer: called on texts it pads and truncates them to tensors, as the pipeline does. */
  tokenizer?: TokenizerLike & ((texts: string[], options: { padding: boolean; truncation: boolean }) => Record<string, TensorLike>);
  /** The pipeline's model: tokenizer tensors in, named output tensors out. */
  model?: (inputs: Record<string, TensorLike>) => Promise<Record<string, TensorLike | undefined>>;
};

/** Model settings of a worker process. */
export interface NodeModelOptions {
  /** Folder holding one sub-folder per model id. */
  modelsDir: string;
  /** ORT intra-op threads per session. @default 1 (parallelism comes from worker processes) */
  numThreads?: number;
}

const DTYPES = ['auto', 'fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16'] as const;
type Dtype = (typeof DTYPES)[number];

export class NodeModels {
  readonly #options: Required<NodeModelOptions>;
  readonly #pipelines = new Map<string, Promise<Pipeline>>();
  #transformers: Promise<Transformers> | undefined;
  /** The end of the queue of model calls (see `exclusive`). */
  #lane: Promise<unknown> = Promise.resolve();

  constructor(options: NodeModelOptions) {
    this.#options = { numThreads: 1, ...options };
  }

  transformers(): Promise<Transformers> {
    this.#transformers ??= import('@huggingface/transformers').then((t) => {
      t.env.allowLocalModels = true;
      t.env.allowRemoteModels = false;
      t.env.localModelPath = this.#options.modelsDir.endsWith('/') ? this.#options.modelsDir : `${this.#options.modelsDir}/`;
      return t;
    });
    return this.#transformers;
  }

  /** The dtype `metadata.dtype` asks for, `auto` resolved against the model folder. */
  dtype(modelId: string, metadata: Record<string, string>): Exclude<Dtype, 'auto'> {
    const value = metadata['dtype'] ?? 'auto';
    if (!(DTYPES as readonly string[]).includes(value)) {
      throw new ValidationError(`metadata.dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(value)}`, [
        { path: ['metadata', 'dtype'], field: 'metadata.dtype', message: `must be one of ${DTYPES.join(', ')}` },
      ]);
    }
    if (value !== 'auto') return value as Exclude<Dtype, 'auto'>;
    return existsSync(join(this.#options.modelsDir, modelId, 'onnx', 'model_quantized.onnx')) ? 'q8' : 'fp32';
  }

  /** The model folder of `modelId`, refusing ids that would leave `modelsDir`. */
  folder(modelId: string): string {
    if (modelId.includes('..') || modelId.startsWith('/') || !existsSync(join(this.#options.modelsDir, modelId))) {
      throw new ValidationError(`modelId ${JSON.stringify(modelId)} is not a model this worker has`, [
        { path: ['modelId'], field: 'modelId', message: 'unknown model' },
      ]);
    }
    return join(this.#options.modelsDir, modelId);
  }

  pipeline(task: string, modelId: string, dtype: Exclude<Dtype, 'auto'>): Promise<Pipeline> {
    this.folder(modelId);
    const key = `${task}|${modelId}|${dtype}`;
    let entry = this.#pipelines.get(key);
    if (entry === undefined) {
      const threads = this.#options.numThreads;
      entry = this.transformers().then(
        (t) =>
          t.pipeline(task as 'feature-extraction', modelId, {
            dtype,
            device: 'cpu',
            // 'basic': onnxruntime-node 1.30's extended fusions move use-lite's q8 vectors to cosine
            // 0.99990 of what 1.21 (and the browser's onnxruntime-web) gave; with basic ones they are
            // the same to 1e-7, and 256 texts embed no slower (measured in #29's note).
            session_options: { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'basic' },
          }) as unknown as Promise<Pipeline>,
      );
      entry.catch(() => this.#pipelines.delete(key));
      this.#pipelines.set(key, entry);
    }
    return entry;
  }

  /**
   * Runs `call` when the model calls queued before it have ended: one inference at a time in this
   * process, in the order asked.
   * @example const out = await models.exclusive(() => session.run(feeds))
   */
  exclusive<T>(call: () => Promise<T>): Promise<T> {
    const run = this.#lane.then(call, call);
    this.#lane = run.catch(() => undefined);
    return run;
  }

  async dispose(): Promise<void> {
    const all = [...this.#pipelines.values()];
    this.#pipelines.clear();
    await Promise.all(all.map((p) => p.then((x) => x.dispose()).catch(() => undefined)));
  }
}
