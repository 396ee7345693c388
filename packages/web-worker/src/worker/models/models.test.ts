/**
 * The model handlers through the scheduler and the pool, in real Chromium workers with real models:
 * use-lite q8 (the @taskweave/model-use-lite package, served at /models/ by the Vite plugin),
 * tiny-random-bert (the demo's public/models/), and
 * Silero VAD v5 straight from the @ricky0123/vad-web package. This browser has no WebGPU adapter
 * (no --enable-unsafe-webgpu), so `auto` must fall back to WASM and say so.
 */
import { TaskScheduler, TaskStatus, type SubmitTaskOptions, type TaskResult } from '@taskweave/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import sileroLegacyUrl from '../../../node_modules/@ricky0123/vad-web/dist/silero_vad_legacy.onnx?url';
import sileroUrl from '../../../node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx?url';
import { MODEL_CACHE_NAME, createWorkerPool, type PoolEvent, type WorkerPool } from '../../index.js';
import { SILERO_EXPECTED, sileroFeeds } from '../../__tests__/fixtures/silero.js';
import { cosine } from '../../../../../scripts/cosine.mjs';

declare module 'vitest/browser' {
  interface BrowserCommands {
    /** Answers every file under /models/<folder>/ with an HTML page (status 200) while on. */
    answerModelFolderWithHtml(folder: string, on: boolean): Promise<void>;
  }
}

let pool: WorkerPool;
let scheduler: TaskScheduler;
const events: PoolEvent[] = [];

let cachedBefore = false;
beforeAll(async () => {
  // Other test files of this browser share the model cache (Cache Storage): a model already there is a hit and fetches nothing.
  const cache = await caches.open(MODEL_CACHE_NAME);
  cachedBefore = (await cache.match(new URL('/models/use-lite/onnx/model_quantized.onnx', location.href).href)) !== undefined;
  pool = createWorkerPool({ size: 1 });
  pool.subscribe((e) => events.push(e));
  scheduler = new TaskScheduler({ executor: pool });
});
afterAll(async () => {
  await scheduler.close();
});

const run = async (submission: SubmitTaskOptions): Promise<TaskResult> => scheduler.wait(await scheduler.submit(submission));


function vectorOf(result: TaskResult): Float32Array {
  expect(result.status, result.error).toBe(TaskStatus.Completed);
  if (result.output.kind !== 'embedding') throw new Error(`expected an embedding, got ${result.output.kind}`);
  return result.output.vector;
}

describe('EmbeddingGeneration (use-lite q8)', () => {
  it('ranks a paraphrase far above an unrelated sentence, on WASM when WebGPU has no adapter', { timeout: 120_000 }, async () => {
    const sentences = ['a cat sits on the mat', 'a kitten is on the rug', 'stock markets fell sharply'];
    const results = await Promise.all(
      sentences.map((text) => run({ type: 'EmbeddingGeneration', modelId: 'use-lite', input: { kind: 'text', text } })),
    );
    const [cat, kitten, stocks] = results.map(vectorOf) as [Float32Array, Float32Array, Float32Array];
    expect(cat.length).toBe(512);
    const close = cosine(cat, kitten);
    const far = cosine(cat, stocks);
    // Reference values of models/README.md (q8): 0.669 and 0.031.
    expect(close).toBeGreaterThan(0.6);
    expect(close).toBeLessThan(0.75);
    expect(far).toBeLessThan(0.15);
    expect(close - far).toBeGreaterThan(0.45);
    for (const r of results) expect(r.metrics.backend).toBe('wasm');
    // The model files were fetched once, for the task that loaded the model (unless the shared cache had them).
    if (!cachedBefore) expect(results.reduce((n, r) => n + r.metrics.networkBytes, 0)).toBeGreaterThan(7_000_000);
    expect(events.some((e) => e.type === 'progress' && e.progress.status === 'ready' && e.progress.modelId === 'use-lite')).toBe(true);
    expect(pool.snapshot().workers[0]?.models).toContain('use-lite');
  });

  it('embeds a list of texts in order, identical to one text at a time', async () => {
    const texts = ['a cat sits on the mat', 'stock markets fell sharply'];
    const many = await run({ type: 'EmbeddingGeneration', modelId: 'use-lite', input: { kind: 'custom', value: { texts } } });
    expect(many.status, many.error).toBe(TaskStatus.Completed);
    if (many.output.kind !== 'embeddings') throw new Error(many.output.kind);
    expect(many.output.dims).toBe(512);
    expect(many.output.vectors).toHaveLength(2);
    const one = vectorOf(await run({ type: 'EmbeddingGeneration', modelId: 'use-lite', input: { kind: 'text', text: texts[1]! } }));
    expect(cosine(many.output.vectors[1]!, one)).toBeGreaterThan(0.9999);
    // Each vector owns its buffer (moved, not a view of a shared one).
    expect(many.output.vectors[0]!.buffer.byteLength).toBe(512 * 4);
  });

  it('refuses empty text with a validation error naming the field', async () => {
    const blank = await run({ type: 'EmbeddingGeneration', modelId: 'use-lite', input: { kind: 'text', text: '   ' } });
    expect(blank.status).toBe(TaskStatus.Failed);
    expect(blank.errorCode).toBe('validation');
    expect(blank.error).toContain('input.text');
    const inList = await run({ type: 'EmbeddingGeneration', modelId: 'use-lite', input: { kind: 'custom', value: { texts: ['ok', ''] } } });
    expect(inList.errorCode).toBe('validation');
    expect(inList.error).toContain('input.value.texts.1');
  });
});

describe('EmbeddingGeneration without batching (the one-task handler)', () => {
  it('embeds one text and a list, with the backend reported', async () => {
    const unbatched = new TaskScheduler({ executor: createWorkerPool({ size: 1, batching: false }) });
    try {
      const one = await unbatched.wait(await unbatched.submit({ type: 'EmbeddingGeneration', modelId: 'tiny-random-bert', input: { kind: 'text', text: 'hello world' } }));
      expect(vectorOf(one).length).toBe(32);
      expect(one.metrics.batchSize).toBeUndefined();
      expect(one.metrics.backend).toBe('wasm');
      const many = await unbatched.wait(
        await unbatched.submit({ type: 'EmbeddingGeneration', modelId: 'tiny-random-bert', input: { kind: 'custom', value: { texts: ['hello world', 'good night'] } } }),
      );
      if (many.output.kind !== 'embeddings') throw new Error(many.output.kind);
      expect(cosine(many.output.vectors[0]!, vectorOf(one))).toBeGreaterThan(0.9999);
      const missingModel = await unbatched.wait(await unbatched.submit({ type: 'EmbeddingGeneration', input: { kind: 'text', text: 'x' } }));
      expect(missingModel.errorCode).toBe('validation');
      expect(missingModel.error).toContain('modelId');
    } finally {
      await unbatched.close();
    }
  });
});

describe('ModelInference', () => {
  it('runs Silero VAD on named tensors with the expected output', { timeout: 60_000 }, async () => {
    const result = await run({
      type: 'ModelInference',
      modelId: sileroUrl,
      input: { kind: 'modelInput', input: { format: 'tensors', feeds: sileroFeeds() } },
    });
    expect(result.status, result.error).toBe(TaskStatus.Completed);
    expect(result.metrics.backend).toBe('wasm');
    if (result.output.kind !== 'tensors') throw new Error(result.output.kind);
    const { output, stateN } = result.output.tensors;
    expect(output?.type).toBe('float32');
    expect(output?.dims).toEqual([1, 1]);
    expect(stateN?.dims).toEqual([2, 1, 128]);
    const p = (output!.data as Float32Array)[0]!;
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThanOrEqual(1);
    expect(p).toBeCloseTo(SILERO_EXPECTED.output, 3);
    expect((stateN!.data as Float32Array)[1]).toBeCloseTo(SILERO_EXPECTED.stateN1, 3);
  });

  it('names the feed whose dims or dtype are wrong', async () => {
    const badDims = sileroFeeds();
    badDims.input = { type: 'float32', dims: [512], data: new Float32Array(512) };
    const dims = await run({ type: 'ModelInference', modelId: sileroUrl, input: { kind: 'modelInput', input: { format: 'tensors', feeds: badDims } } });
    expect(dims.errorCode).toBe('validation');
    expect(dims.error).toContain('input.input.feeds.input.dims');
    const badState = sileroFeeds();
    badState.state = { type: 'float32', dims: [3, 1, 128], data: new Float32Array(384) };
    const state = await run({ type: 'ModelInference', modelId: sileroUrl, input: { kind: 'modelInput', input: { format: 'tensors', feeds: badState } } });
    expect(state.errorCode).toBe('validation');
    expect(state.error).toContain('input.input.feeds.state.dims');

    const badType = sileroFeeds();
    badType.sr = { type: 'float32', dims: [], data: new Float32Array([16000]) };
    const type = await run({ type: 'ModelInference', modelId: sileroUrl, input: { kind: 'modelInput', input: { format: 'tensors', feeds: badType } } });
    expect(type.errorCode).toBe('validation');
    expect(type.error).toContain('input.input.feeds.sr.type');
    expect(type.error).toContain('int64');

    const badLength = sileroFeeds();
    badLength.state = { type: 'float32', dims: [2, 1, 128], data: new Float32Array(10) };
    const length = await run({ type: 'ModelInference', modelId: sileroUrl, input: { kind: 'modelInput', input: { format: 'tensors', feeds: badLength } } });
    expect(length.errorCode).toBe('validation');
    expect(length.error).toContain('input.input.feeds.state.data');
  });

  it('runs a transformers.js pipeline by task name', async () => {
    const result = await run({
      type: 'ModelInference',
      modelId: 'tiny-random-bert',
      input: { kind: 'modelInput', input: { format: 'pipeline', pipeline: 'feature-extraction', inputs: ['hello world'], options: { pooling: 'mean' } } },
    });
    expect(result.status, result.error).toBe(TaskStatus.Completed);
    if (result.output.kind !== 'tensors') throw new Error(result.output.kind);
    expect(result.output.tensors['output']?.dims).toEqual([1, 32]);
    const unknown = await run({
      type: 'ModelInference',
      modelId: 'tiny-random-bert',
      input: { kind: 'modelInput', input: { format: 'pipeline', pipeline: 'no-such-task', inputs: 'x' } },
    });
    expect(unknown.errorCode).toBe('validation');
    expect(unknown.error).toContain('input.input.pipeline');
  });
});

describe('TextProcessing', () => {
  it('chunks by sentence with overlap and counts tokens with the model tokenizer', async () => {
    const text = 'The cat sat.  The dog ran!\r\n\r\n\r\nA bird flew away. Then it rained.';
    const result = await run({
      type: 'TextProcessing',
      modelId: 'use-lite',
      input: { kind: 'custom', value: { text, op: 'chunk', chunkSize: 32, overlap: 13 } },
    });
    expect(result.status, result.error).toBe(TaskStatus.Completed);
    if (result.output.kind !== 'text') throw new Error(result.output.kind);
    expect(result.output.text).toBe('The cat sat. The dog ran!\n\nA bird flew away. Then it rained.');
    const chunks = result.output.chunks ?? [];
    expect(chunks.map((c) => c.text)).toEqual(['The cat sat. The dog ran!', 'The dog ran!\n\nA bird flew away.', 'Then it rained.']);
    for (const c of chunks) {
      expect(result.output.text.slice(c.start, c.end)).toBe(c.text);
      expect(c.tokens).toBeGreaterThan(0);
    }
    expect(result.output.tokens).toBeGreaterThan(chunks[0]!.tokens!);
  });

  it('refuses a bad option naming the field', async () => {
    const result = await run({ type: 'TextProcessing', input: { kind: 'custom', value: { text: 'x', chunkSize: 10, overlap: 10 } } });
    expect(result.errorCode).toBe('validation');
    expect(result.error).toContain('input.value.overlap');
    const meta = await run({ type: 'TextProcessing', input: { kind: 'text', text: 'x' }, metadata: { chunkSize: 'big' } });
    expect(meta.errorCode).toBe('validation');
    expect(meta.error).toContain('metadata.chunkSize');
  });
});

describe('model cache', () => {
  it('keeps at most modelsPerWorker models, unloading the least recently used', { timeout: 60_000 }, async () => {
    const small = createWorkerPool({ size: 1, modelsPerWorker: 2 });
    const s = new TaskScheduler({ executor: small });
    try {
      const tiny = () =>
        s.submit({
          type: 'ModelInference',
          modelId: 'tiny-random-bert',
          input: { kind: 'modelInput', input: { format: 'pipeline', pipeline: 'feature-extraction', inputs: 'hello' } },
        });
      // A feed set the model refuses is enough to load it (validation runs against the loaded session).
      const raw = (modelId: string) =>
        s.submit({ type: 'ModelInference', modelId, input: { kind: 'modelInput', input: { format: 'tensors', feeds: { nope: { type: 'float32', dims: [1], data: [0] } } } } });
      const models = () => small.snapshot().workers[0]?.models;
      expect((await s.wait(await tiny())).status).toBe(TaskStatus.Completed);
      expect((await s.wait(await raw(sileroUrl))).errorCode).toBe('validation');
      expect(models()).toEqual(['tiny-random-bert', sileroUrl]);
      expect((await s.wait(await tiny())).status).toBe(TaskStatus.Completed);
      expect(models()).toEqual([sileroUrl, 'tiny-random-bert']);
      expect((await s.wait(await raw(sileroLegacyUrl))).errorCode).toBe('validation');
      expect(models()).toEqual(['tiny-random-bert', sileroLegacyUrl]);
    } finally {
      await s.close();
    }
  });
});

describe('taskweaveOrt Vite plugin', () => {
  it('serves the ORT files transformers.js loads from the page origin, cross-origin isolated', async () => {
    expect(crossOriginIsolated).toBe(true);
    const wasm = await fetch('/ort/ort-wasm-simd-threaded.asyncify.wasm', { method: 'HEAD' });
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(Number(wasm.headers.get('content-length'))).toBeGreaterThan(10_000_000);
    const glue = await fetch('/ort/ort-wasm-simd-threaded.asyncify.mjs');
    expect(glue.headers.get('content-type')).toBe('text/javascript');
    expect(await glue.text()).toContain('WebAssembly');
  });
});

describe('failures a retry cannot fix end after one attempt, saying why', () => {
  /** Runs a task, counting the scheduler's retries of it. */
  async function once(submission: SubmitTaskOptions): Promise<{ result: TaskResult; retries: number }> {
    let retries = 0;
    let id: string | undefined;
    const unsubscribe = scheduler.subscribe((e) => {
      if (e.type === 'retry' && e.taskId === id) retries++;
    });
    try {
      id = await scheduler.submit({ maxRetries: 3, ...submission });
      return { result: await scheduler.wait(id as never), retries };
    } finally {
      unsubscribe();
    }
  }

  it('a model-name typo is a model-not-found error naming the model id and the URL tried', async () => {
    const folder = new URL('/models/use-light/', location.href).href;
    // What this server answers for a model file that is not there (a 404, or its HTML page): either is "not there".
    const answer = await fetch(`${folder}config.json`);
    expect(answer.status === 404 || (answer.headers.get('content-type') ?? '').includes('text/html')).toBe(true);
    for (const submission of [
      { type: 'EmbeddingGeneration', modelId: 'use-light', input: { kind: 'text', text: 'a cat' } },
      { type: 'TextProcessing', modelId: 'use-light', input: { kind: 'custom', value: { text: 'a cat', op: 'tokens' } } },
    ] as SubmitTaskOptions[]) {
      const { result, retries } = await once(submission);
      expect(result.status, submission.type).toBe(TaskStatus.Failed);
      expect(result.errorCode, result.error).toBe('model-not-found');
      expect(result.error).toContain('"use-light"');
      expect(result.error).toContain(folder);
      expect(result.errorDetails).toMatchObject({ modelId: 'use-light', url: expect.stringContaining(folder) });
      expect(result.metrics.retryCount).toBe(0);
      expect(retries).toBe(0);
    }
  });

  it('a model folder answered with an HTML page (a dev server\'s fallback) is model-not-found, and no page is cached as a model file', async () => {
    const folder = new URL('/models/html-page/', location.href).href;
    await commands.answerModelFolderWithHtml('html-page', true);
    try {
      expect((await fetch(`${folder}config.json`)).headers.get('content-type')).toContain('text/html');
      const { result, retries } = await once({ type: 'EmbeddingGeneration', modelId: 'html-page', input: { kind: 'text', text: 'a cat' } });
      expect(result.errorCode, result.error).toBe('model-not-found');
      expect(result.error).toContain('an HTML page');
      expect(result.errorDetails).toMatchObject({ modelId: 'html-page', url: expect.stringContaining(folder) });
      expect([result.metrics.retryCount, retries]).toEqual([0, 0]);
      const cache = await caches.open(MODEL_CACHE_NAME);
      expect((await cache.keys()).map((r) => r.url).filter((u) => u.startsWith(folder))).toEqual([]);
    } finally {
      await commands.answerModelFolderWithHtml('html-page', false);
    }
  });

  it('a raw .onnx model that is not there is model-not-found too', async () => {
    const url = new URL('/models/no-such-model.onnx', location.href).href;
    const { result, retries } = await once({
      type: 'ModelInference',
      modelId: 'no-such-model.onnx',
      input: { kind: 'modelInput', input: { format: 'tensors', feeds: { x: { type: 'float32', dims: [1], data: [0] } } } },
    });
    expect(result.errorCode, result.error).toBe('model-not-found');
    expect(result.errorDetails).toMatchObject({ modelId: 'no-such-model.onnx', url });
    expect([result.metrics.retryCount, retries]).toEqual([0, 0]);
  });

  it('a pipeline the model cannot serve is a validation error naming the model and the pipeline', { timeout: 60_000 }, async () => {
    // use-lite is a sentence encoder: it has no logits for text-classification to read.
    const { result, retries } = await once({
      type: 'ModelInference',
      modelId: 'use-lite',
      input: { kind: 'modelInput', input: { format: 'pipeline', pipeline: 'text-classification', inputs: 'great!' } },
    });
    expect(result.status).toBe(TaskStatus.Failed);
    expect(result.errorCode, result.error).toBe('validation');
    expect(result.error).toContain('"use-lite"');
    expect(result.error).toContain('"text-classification"');
    expect(result.errorDetails).toMatchObject({ modelId: 'use-lite', pipeline: 'text-classification', issues: [expect.objectContaining({ field: 'input.input.pipeline' })] });
    expect([result.metrics.retryCount, retries]).toEqual([0, 0]);
  });
});
