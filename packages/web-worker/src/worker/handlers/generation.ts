/**
 * Text generation in a worker: core's `generateText` (tasks/textGeneration.ts: streamed token by
 * token, resumable, stopped within one token) on a transformers.js pipeline from the worker's
 * model cache, with WebGPU → WASM fallback like the other pipelines. Output
 * `{ kind: 'text', text, tokens, finishReason }`.
 */
import { generateText, generationOptionsSchema, type GenerationPipeline, type GenerationRuntime, type Task, type TaskOutput } from '@taskweave/core';
import { backendPreference, runWithFallback } from '../models/backend.js';
import { transformers } from '../models/env.js';
import { dtypeOf, getPipeline, unloadModel } from '../models/models.js';
import type { HandlerContext } from '../runtime/handler.js';
import { parseInput } from './handlerInput.js';

/**
 * One turn of the worker's event loop: a message task on one channel kept for the worker's life
 * (a timer would be clamped to 4 ms; a new MessageChannel per turn costs ~100 µs, a kept one ~20).
 */
const turns = new MessageChannel();
const turned: (() => void)[] = [];
turns.port1.onmessage = () => turned.shift()?.();
function turn(): Promise<void> {
  return new Promise((resolve) => {
    turned.push(resolve);
    turns.port2.postMessage(undefined);
  });
}

export async function runGeneration(task: Task, modelId: string, pipeline: string, prompt: string, rawOptions: unknown, ctx: HandlerContext): Promise<TaskOutput> {
  const options = parseInput(generationOptionsSchema, rawOptions ?? {}, 'ModelInference', ['input', 'input', 'options']);
  const t = await transformers();
  let networkBytes = 0;
  const { value, backend } = await runWithFallback(
    backendPreference(task, ctx.backend),
    ctx.signal,
    async (b) => {
      const acquired = await getPipeline(pipeline, modelId, b, dtypeOf(task.metadata), ctx);
      networkBytes += acquired.networkBytes;
      ctx.signal.throwIfAborted();
      return generateText(t as unknown as GenerationRuntime, acquired.value as unknown as GenerationPipeline, prompt, options, {
        signal: ctx.signal,
        resumeFrom: ctx.resumeFrom,
        emit: (chunk) => ctx.emit(chunk),
        progress: (p) => ctx.progress({ kind: 'task', ...p }),
        checkpoint: (state) => ctx.checkpoint(state),
        turn,
      });
    },
    { runtime: 'transformers', onWebGpuFailure: () => unloadModel(modelId, 'webgpu') },
  );
  ctx.reportMetrics({ backend, ...(networkBytes > 0 ? { networkBytes } : {}) });
  return { kind: 'text', text: value.text, tokens: value.tokens, finishReason: value.finishReason };
}
