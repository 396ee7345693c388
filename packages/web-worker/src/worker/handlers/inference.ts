/**
 * ModelInference, on `task.modelId`, in two forms (`{ kind: 'modelInput', input }`):
 *
 * (a) `{ format: 'tensors', feeds: { name: { type, dims, data } }, outputNames? }` — a raw
 *     onnxruntime-web `InferenceSession` (the same ORT instance transformers.js runs on). The model
 *     is `<modelBase>/<modelId>` when `modelId` ends in `.onnx` (absolute same-origin URLs work
 *     too), else `<modelBase>/<modelId>/onnx/model[_quantized].onnx`. Every feed is checked against
 *     the model's input metadata before running — unknown or missing names, element type, rank,
 *     fixed dimensions, symbolic dimensions that disagree between feeds, data length — and a
 *     mistake is a ValidationError naming the feed (`input.input.feeds.<name>.dims`).
 *     Output: `{ kind: 'tensors', tensors }`, each tensor's data in its own transferred buffer.
 * (b) `{ format: 'pipeline', pipeline: 'text-classification' | 'feature-extraction' | …, inputs,
 *     options? }` — a transformers.js pipeline by task name. A tensor result becomes
 *     `{ kind: 'tensors', tensors: { output } }`; anything else (labels and scores, …) is returned
 *     as `{ kind: 'custom', value }`. For the text pipelines (TEXT_PIPELINES), an input longer than
 *     the model reads (its tokenizer's `model_max_length`) is cut before tokenizing (see
 *     core's fitToModel.ts) and the output carries `truncated: true`; the model reads what it would have
 *     read of the whole text.
 *
 * (c) The generation pipelines (`text-generation`, `text2text-generation`): streamed token by token,
 *     resumable, stopped within one token by a cancel — see generation.ts.
 *
 * All run on WebGPU when chosen (see backend.ts) and fall back to WASM when it fails.
 */
import type { z } from 'zod';
import { GENERATION_PIPELINES, TaskweaveError, ValidationError, fitToModel, type Task, type TaskOutput, type TensorData, type TensorType } from '@taskweave/core';
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import { backendPreference, runWithFallback } from '../models/backend.js';
import { ort } from '../models/env.js';
import type { HandlerContext, TaskHandler } from '../runtime/handler.js';
import { parseInput } from './handlerInput.js';
import { dtypeOf, getPipeline, getSession, unloadModel } from '../models/models.js';
import { inferenceInputSchema } from '../../shared/modelInputSchema.js';
import { runGeneration } from './generation.js';

const modelInputSchema = inferenceInputSchema;

type TensorsInput = Extract<z.output<typeof modelInputSchema>, { format: 'tensors' }>;
type PipelineInput = Extract<z.output<typeof modelInputSchema>, { format: 'pipeline' }>;

const TYPED: Record<Exclude<TensorType, 'string'>, { name: string; make(values: unknown[]): ArrayBufferView }> = {
  float32: { name: 'Float32Array', make: (v) => Float32Array.from(v as number[]) },
  float64: { name: 'Float64Array', make: (v) => Float64Array.from(v as number[]) },
  int64: { name: 'BigInt64Array', make: (v) => BigInt64Array.from(v as Array<number | bigint>, (x) => BigInt(x)) },
  int32: { name: 'Int32Array', make: (v) => Int32Array.from(v as number[]) },
  int16: { name: 'Int16Array', make: (v) => Int16Array.from(v as number[]) },
  int8: { name: 'Int8Array', make: (v) => Int8Array.from(v as number[]) },
  uint8: { name: 'Uint8Array', make: (v) => Uint8Array.from(v as number[]) },
  uint16: { name: 'Uint16Array', make: (v) => Uint16Array.from(v as number[]) },
  bool: { name: 'Uint8Array', make: (v) => Uint8Array.from(v as Array<boolean | number>, (x) => (x ? 1 : 0)) },
  float16: { name: 'Uint16Array', make: (v) => Uint16Array.from(v as number[]) },
};

function feedError(name: string, part: string, message: string): ValidationError {
  const path = ['input', 'input', 'feeds', name, ...(part === '' ? [] : [part])];
  const field = path.join('.');
  return new ValidationError(`ModelInference: ${field}: feed "${name}" ${message}`, [{ path, field, message }], { details: { feed: name } });
}

/** A dimension of ORT metadata for messages: unknown ones (ORT gives 2^32 − 1 or '') as '?'. */
function showDim(d: number | string): string {
  return typeof d === 'number' ? (d > 0 && d < 2 ** 31 ? String(d) : '?') : d === '' ? '?' : d;
}

function elementCount(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Checks one feed against the model's metadata and builds its ORT tensor data. */
function checkFeed(
  name: string,
  feed: TensorData,
  meta: InferenceSession.ValueMetadata | undefined,
  symbols: Map<string, { value: number; feed: string }>,
): ArrayBufferView | string[] {
  if (meta !== undefined && meta.isTensor) {
    if (meta.type !== feed.type) throw feedError(name, 'type', `has type ${feed.type}, the model expects ${meta.type}`);
    const shape = meta.shape;
    if (shape.length > 0) {
      if (shape.length !== feed.dims.length) {
        throw feedError(name, 'dims', `has ${feed.dims.length} dimensions [${feed.dims.join(', ')}], the model expects ${shape.length} [${shape.map(showDim).join(', ')}]`);
      }
      shape.forEach((expected, i) => {
        const got = feed.dims[i]!;
        if (typeof expected === 'number' && expected > 0 && expected < 2 ** 31 && expected !== got) {
          throw feedError(name, 'dims', `has dims[${i}] = ${got}, the model expects ${expected} (shape [${shape.map(showDim).join(', ')}])`);
        }
        if (typeof expected === 'string' && expected !== '') {
          const seen = symbols.get(expected);
          if (seen !== undefined && seen.value !== got) {
            throw feedError(name, 'dims', `has dims[${i}] (${expected}) = ${got}, but feed "${seen.feed}" gives ${expected} = ${seen.value}`);
          }
          symbols.set(expected, { value: got, feed: name });
        }
      });
    }
  }
  const count = elementCount(feed.dims);
  const length = (feed.data as { length: number }).length;
  if (length !== count) throw feedError(name, 'data', `has ${length} values, its dims [${feed.dims.join(', ')}] need ${count}`);
  if (feed.type === 'string') {
    if (!Array.isArray(feed.data) || !feed.data.every((x) => typeof x === 'string')) throw feedError(name, 'data', 'must be an array of strings for type string');
    return feed.data as string[];
  }
  const typed = TYPED[feed.type];
  if (Array.isArray(feed.data)) {
    const bad = (feed.data as unknown[]).findIndex((x) => (feed.type === 'bool' ? typeof x !== 'boolean' && typeof x !== 'number' : typeof x !== 'number' && typeof x !== 'bigint'));
    if (bad >= 0) throw feedError(name, 'data', `has a non-numeric value at data[${bad}]`);
    return typed.make(feed.data as unknown[]);
  }
  const ctor = (feed.data as object).constructor.name;
  if (ctor !== typed.name) throw feedError(name, 'data', `is a ${ctor}, type ${feed.type} needs a ${typed.name} (or a plain array)`);
  return feed.data as ArrayBufferView;
}

function toTensorData(tensor: Tensor, transfer: ArrayBufferLike[]): TensorData {
  const raw = tensor.data as ArrayBufferView | string[];
  if (Array.isArray(raw)) return { type: 'string', dims: [...tensor.dims], data: [...raw] };
  // Copy into an own buffer: ORT's output may view a shared or larger buffer.
  const view = raw as unknown as { slice(): ArrayBufferView & { buffer: ArrayBufferLike } };
  const data = view.slice();
  transfer.push(data.buffer);
  return { type: tensor.type as TensorType, dims: [...tensor.dims], data: data as unknown as TensorData['data'] };
}

async function runTensors(task: Task, modelId: string, input: TensorsInput, ctx: HandlerContext): Promise<TaskOutput> {
  const runtime = await ort();
  let networkBytes = 0;
  const { value, backend } = await runWithFallback(
    backendPreference(task, ctx.backend),
    ctx.signal,
    async (b) => {
      const acquired = await getSession(modelId, b, dtypeOf(task.metadata), ctx);
      networkBytes += acquired.networkBytes;
      const session = acquired.value;
      const metadata = new Map(session.inputMetadata.map((m) => [m.name, m]));
      for (const name of Object.keys(input.feeds)) {
        if (!session.inputNames.includes(name)) throw feedError(name, '', `is not an input of the model (inputs: ${session.inputNames.join(', ')})`);
      }
      const missing = session.inputNames.find((n) => !(n in input.feeds));
      if (missing !== undefined) throw feedError(missing, '', `is missing (the model's inputs: ${session.inputNames.join(', ')})`);
      for (const name of input.outputNames ?? []) {
        if (!session.outputNames.includes(name)) {
          throw new ValidationError(`ModelInference: input.input.outputNames: "${name}" is not an output of the model (outputs: ${session.outputNames.join(', ')})`, [
            { path: ['input', 'input', 'outputNames'], field: 'input.input.outputNames', message: `unknown output ${name}` },
          ]);
        }
      }
      const symbols = new Map<string, { value: number; feed: string }>();
      const feeds: Record<string, Tensor> = {};
      for (const [name, feed] of Object.entries(input.feeds)) {
        const data = checkFeed(name, feed, metadata.get(name), symbols);
        feeds[name] = new runtime.Tensor(feed.type, data as never, feed.dims);
      }
      ctx.signal.throwIfAborted();
      try {
        return input.outputNames === undefined ? await session.run(feeds) : await session.run(feeds, input.outputNames);
      } catch (error) {
        throw new TaskweaveError('execution', `ModelInference: ORT run failed: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
          retryable: false,
        });
      }
    },
    { runtime: 'ort', onWebGpuFailure: () => unloadModel(modelId, 'webgpu') },
  );
  const transfers: ArrayBufferLike[] = [];
  const tensors: Record<string, TensorData> = {};
  for (const [name, tensor] of Object.entries(value)) tensors[name] = toTensorData(tensor, transfers);
  ctx.transfer(...(transfers as Transferable[]));
  ctx.reportMetrics({ backend, ...(networkBytes > 0 ? { networkBytes } : {}) });
  return { kind: 'tensors', tensors };
}

function isTensorLike(value: unknown): value is { type: string; dims: number[]; data: ArrayBufferView } {
  return typeof value === 'object' && value !== null && 'dims' in value && 'data' in value && ArrayBuffer.isView((value as { data: unknown }).data);
}

/**
 * Pipelines whose string inputs are texts that transformers.js tokenizes (as the first sequence)
 * and truncates to `model_max_length`, keeping the start. Others take strings that are not text
 * (image and audio URLs, which must not be cut) or pair them (question answering).
 */
const TEXT_PIPELINES: ReadonlySet<string> = new Set([
  'text-classification',
  'sentiment-analysis',
  'token-classification',
  'ner',
  'fill-mask',
  'feature-extraction',
  'embeddings',
  'zero-shot-classification',
  'text-generation',
  'text2text-generation',
  'summarization',
  'translation',
]);

/** The model loaded but cannot serve the pipeline asked for: a validation error naming both. */
function cannotServe(modelId: string, pipeline: string, cause: Error): ValidationError {
  const message = `model ${JSON.stringify(modelId)} cannot serve the ${JSON.stringify(pipeline)} pipeline (${cause.message})`;
  return new ValidationError(`ModelInference: input.input.pipeline: ${message}`, [{ path: ['input', 'input', 'pipeline'], field: 'input.input.pipeline', message }], {
    cause,
    details: { modelId, pipeline },
  });
}

async function runPipeline(task: Task, modelId: string, input: PipelineInput, ctx: HandlerContext): Promise<TaskOutput> {
  let networkBytes = 0;
  let truncated = false;
  const { value, backend } = await runWithFallback(
    backendPreference(task, ctx.backend),
    ctx.signal,
    async (b) => {
      let acquired;
      try {
        acquired = await getPipeline(input.pipeline, modelId, b, dtypeOf(task.metadata), ctx);
      } catch (error) {
        if (/unsupported pipeline/i.test(String(error instanceof TaskweaveError && error.cause !== undefined ? error.cause : error))) {
          throw new ValidationError(`ModelInference: input.input.pipeline: unknown pipeline ${JSON.stringify(input.pipeline)}`, [
            { path: ['input', 'input', 'pipeline'], field: 'input.input.pipeline', message: 'not a transformers.js pipeline task' },
          ]);
        }
        throw error;
      }
      networkBytes += acquired.networkBytes;
      ctx.signal.throwIfAborted();
      let inputs: string | string[] = input.inputs;
      if (TEXT_PIPELINES.has(input.pipeline)) {
        const fitted = fitToModel(typeof inputs === 'string' ? [inputs] : inputs, acquired.value.tokenizer);
        inputs = typeof inputs === 'string' ? fitted.texts[0]! : fitted.texts;
        truncated = fitted.truncated.includes(true);
      }
      try {
        return await acquired.value(inputs, input.options);
      } catch (error) {
        // transformers.js' pipeline code reading an output this model does not have (`r.logits is
        // not iterable`): the same on every attempt. ORT's own failures are not TypeErrors.
        if (error instanceof TypeError) throw cannotServe(modelId, input.pipeline, error);
        throw error;
      }
    },
    { runtime: 'transformers', onWebGpuFailure: () => unloadModel(modelId, 'webgpu') },
  );
  ctx.reportMetrics({ backend, ...(networkBytes > 0 ? { networkBytes } : {}) });
  if (isTensorLike(value)) {
    const transfers: ArrayBufferLike[] = [];
    const output = toTensorData(value as unknown as Tensor, transfers);
    ctx.transfer(...(transfers as Transferable[]));
    return { kind: 'tensors', tensors: { output }, ...(truncated ? { truncated } : {}) };
  }
  return { kind: 'custom', value: JSON.parse(JSON.stringify(value)) as unknown, ...(truncated ? { truncated } : {}) };
}

/** The ModelInference handler. */
export const inferenceHandler: TaskHandler = async (task, ctx) => {
  if (task.input.kind !== 'modelInput') {
    throw new ValidationError(`ModelInference: input.kind must be 'modelInput', got '${task.input.kind}'`, [
      { path: ['input', 'kind'], field: 'input.kind', message: "must be 'modelInput'" },
    ]);
  }
  if (task.modelId === undefined || task.modelId.trim() === '') {
    throw new ValidationError('ModelInference: modelId is required (a model folder or an .onnx file under the model base URL)', [
      { path: ['modelId'], field: 'modelId', message: 'required' },
    ]);
  }
  const input = parseInput(modelInputSchema, task.input.input, 'ModelInference', ['input', 'input']);
  if (input.format === 'tensors') return runTensors(task, task.modelId, input, ctx);
  if (GENERATION_PIPELINES.has(input.pipeline)) return runGeneration(task, task.modelId, input.pipeline, input.inputs as string, input.options, ctx);
  return runPipeline(task, task.modelId, input, ctx);
};
