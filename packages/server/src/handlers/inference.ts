/**
 * ModelInference in a worker process, on `task.modelId`, with `{ kind: 'modelInput', input }`:
 *
 * - `{ format: 'tensors', feeds, outputNames? }`: an onnxruntime-node `InferenceSession` of
 *   `<modelsDir>/<modelId>` when `modelId` ends in `.onnx`, else
 *   `<modelsDir>/<modelId>/onnx/model[_quantized].onnx` (the dtype rule of models.ts). Output
 *   `{ kind: 'tensors', tensors }`. Feeds ORT refuses (names, types, shapes) fail the task as a
 *   ValidationError, not retried.
 * - `{ format: 'pipeline', pipeline, inputs, options? }`: a transformers.js pipeline by task name;
 *   a tensor result becomes `{ kind: 'tensors', tensors: { output } }`, anything else
 *   `{ kind: 'custom', value }`. The generation pipelines (`text-generation`,
 *   `text2text-generation`) stream token by token (core's textGeneration.ts) and end
 *   `{ kind: 'text', text, tokens, finishReason }`.
 */
import { join } from 'node:path';
import {
  GENERATION_PIPELINES,
  ValidationError,
  generateText,
  generationIssues,
  generationOptionsSchema,
  type GenerationPipeline,
  type GenerationRuntime,
  type TaskOutput,
  type TensorData,
} from '@taskweave/core';
import type { InferenceSession } from 'onnxruntime-node';
import type { ServerTaskHandler } from './handler.js';
import type { NodeModels } from './models.js';

type Ort = typeof import('onnxruntime-node');

function tensorOut(t: { type: string; dims: readonly number[]; data: unknown }): TensorData {
  return { type: t.type as TensorData['type'], dims: [...t.dims], data: t.data as TensorData['data'] };
}

/** The ModelInference handler of a worker process. */
export function inferenceHandler(models: NodeModels, numThreads = 1): ServerTaskHandler {
  const sessions = new Map<string, Promise<InferenceSession>>();
  let ort: Promise<Ort> | undefined;
  return async (task, ctx): Promise<TaskOutput> => {
    const { input, modelId } = task;
    if (modelId === undefined) {
      throw new ValidationError('ModelInference: modelId is required', [{ path: ['modelId'], field: 'modelId', message: 'required' }]);
    }
    if (input.kind !== 'modelInput') {
      throw new ValidationError(`ModelInference: a worker process takes input of kind 'modelInput', got '${input.kind}'`, [
        { path: ['input', 'kind'], field: 'input.kind', message: "must be 'modelInput'" },
      ]);
    }
    const request = input.input;
    if (request.format === 'pipeline') {
      const pipe = await models.pipeline(request.pipeline, modelId, models.dtype(modelId, task.metadata));
      ctx.signal.throwIfAborted();
      if (GENERATION_PIPELINES.has(request.pipeline)) {
        // Streamed token by token, resumable, stopped within one token: core's generateText, as in the browser.
        const options = generationOptionsSchema.safeParse(request.options ?? {});
        if (!options.success || typeof request.inputs !== 'string') {
          throw ValidationError.fromIssues('ModelInference', generationIssues(task).map(({ path, message }) => ({ path, message })));
        }
        const t = await models.transformers();
        const prompt = request.inputs;
        const out = await models.exclusive(() =>
          generateText(t as unknown as GenerationRuntime, pipe as unknown as GenerationPipeline, prompt, options.data, {
            signal: ctx.signal,
            resumeFrom: ctx.resumeFrom,
            emit: (chunk) => ctx.emit(chunk),
            progress: (p) => ctx.progress(p),
            checkpoint: (state) => ctx.checkpoint(state),
            turn: () => new Promise((resolve) => setImmediate(resolve)),
          }),
        );
        ctx.reportMetrics({ backend: 'onnxruntime-node' });
        return { kind: 'text', text: out.text, tokens: out.tokens, finishReason: out.finishReason };
      }
      const value = (await models.exclusive(() => pipe(request.inputs, request.options ?? {}))) as unknown;
      ctx.reportMetrics({ backend: 'onnxruntime-node' });
      if (value !== null && typeof value === 'object' && 'dims' in value && 'data' in value && 'type' in value) {
        return { kind: 'tensors', tensors: { output: tensorOut(value as { type: string; dims: number[]; data: unknown }) } };
      }
      return { kind: 'custom', value };
    }
    const file = modelId.endsWith('.onnx')
      ? join(models.folder(modelId.split('/').slice(0, -1).join('/') || '.'), modelId.split('/').pop() as string)
      : join(models.folder(modelId), 'onnx', models.dtype(modelId, task.metadata) === 'q8' ? 'model_quantized.onnx' : 'model.onnx');
    ort ??= import('onnxruntime-node');
    const runtime = await ort;
    let session = sessions.get(file);
    if (session === undefined) {
      session = runtime.InferenceSession.create(file, { intraOpNumThreads: numThreads, interOpNumThreads: 1 });
      session.catch(() => sessions.delete(file));
      sessions.set(file, session);
    }
    const s = await session;
    const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
    for (const [name, t] of Object.entries(request.feeds)) {
      try {
        feeds[name] = new runtime.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
      } catch (error) {
        const field = `input.input.feeds.${name}`;
        throw new ValidationError(`ModelInference: ${field}: ${(error as Error).message}`, [{ path: field.split('.'), field, message: (error as Error).message }]);
      }
    }
    ctx.signal.throwIfAborted();
    let out: InferenceSession.ReturnType;
    try {
      out = await models.exclusive(() => (request.outputNames === undefined ? s.run(feeds) : s.run(feeds, request.outputNames)));
    } catch (error) {
      throw new ValidationError(`ModelInference: the model refused the feeds: ${(error as Error).message}`, [
        { path: ['input', 'input', 'feeds'], field: 'input.input.feeds', message: (error as Error).message },
      ]);
    }
    ctx.reportMetrics({ backend: 'onnxruntime-node' });
    return { kind: 'tensors', tensors: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, tensorOut(v)])) };
  };
}
