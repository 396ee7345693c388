/**
 * Oversized text through the scheduler and the pool, in real Chromium workers with the real
 * use-lite model (reads at most 128 tokens): a 5 MB text is embedded as the part the model reads
 * and says it was truncated — alone, in a list, batched with other long texts (which come out as
 * they would alone, with no worker replaced; short texts are batched apart from it) and through a
 * ModelInference pipeline — while
 * TextProcessing still chunks all of a 5 MB document. The cutting rule itself (core's `fitText`)
 * is checked against a made-up tokenizer in core's fitToModel.test.ts.
 */
import { TaskScheduler, TaskStatus, type SubmitTaskOptions, type TaskOutput, type TaskResult } from '@taskweave/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerPool, type WorkerPool } from '../../index.js';
import { cosine } from '../../../../../scripts/cosine.mjs';

const MODEL = 'use-lite';
const SENTENCE = 'The archive holds letters, maps and ledgers from the harbour office, sorted by year. ';
/** 5 MiB of text: about a million tokens, where use-lite reads 128. */
const BIG = SENTENCE.repeat(Math.ceil((5 * 1024 * 1024) / SENTENCE.length));
/** The start of BIG: far more than 128 tokens, so the model reads the same 128 tokens of it. */
const HEAD = BIG.slice(0, 3000);
const SHORT = ['a cat sits on the mat', 'stock markets fell sharply', 'rain is expected tomorrow'];

let pool: WorkerPool;
let scheduler: TaskScheduler;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  pool = createWorkerPool({ size: 1, batching: false });
  scheduler = new TaskScheduler({ executor: pool });
  closers.push(() => scheduler.close());
  await pool.warmUp(MODEL);
});
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

const run = async (submission: SubmitTaskOptions, on = scheduler): Promise<TaskResult> => on.wait(await on.submit(submission));
const embedding = (text: string): SubmitTaskOptions => ({ type: 'EmbeddingGeneration', modelId: MODEL, input: { kind: 'text', text } });


function completed<K extends TaskOutput['kind']>(result: TaskResult, kind: K): Extract<TaskOutput, { kind: K }> {
  expect(result.status, result.error).toBe(TaskStatus.Completed);
  if (result.output.kind !== kind) throw new Error(`expected ${kind}, got ${result.output.kind}`);
  return result.output as Extract<TaskOutput, { kind: K }>;
}

describe('EmbeddingGeneration of text longer than the model reads', () => {
  it('embeds a 5 MB text as its first part, says truncated, and leaves short text alone', { timeout: 120_000 }, async () => {
    const big = completed(await run(embedding(BIG)), 'embedding');
    const head = completed(await run(embedding(HEAD)), 'embedding');
    const short = completed(await run(embedding(SHORT[0]!)), 'embedding');
    expect(big.truncated).toBe(true);
    expect(big.dims).toBe(512);
    // 3,000 characters are already more than 128 tokens: truncated too, to the same tokens.
    expect(head.truncated).toBe(true);
    expect(cosine(big.vector, head.vector)).toBeGreaterThan(0.999);
    expect(short.truncated).toBeUndefined();
    expect(cosine(big.vector, short.vector)).toBeLessThan(0.9);
    expect(pool.snapshot().replaced).toBe(0);
  });

  it('names the truncated texts of a list', { timeout: 120_000 }, async () => {
    const list = completed(
      await run({ type: 'EmbeddingGeneration', modelId: MODEL, input: { kind: 'custom', value: { texts: [SHORT[0]!, BIG, SHORT[1]!] } } }),
      'embeddings',
    );
    expect(list.truncated).toBe(true);
    expect(list.truncatedIndices).toEqual([1]);
    const alone = await Promise.all([SHORT[0]!, HEAD, SHORT[1]!].map(async (t) => completed(await run(embedding(t)), 'embedding').vector));
    list.vectors.forEach((v, i) => expect(cosine(v, alone[i]!)).toBeGreaterThan(0.999));
    const none = completed(await run({ type: 'EmbeddingGeneration', modelId: MODEL, input: { kind: 'custom', value: { texts: SHORT } } }), 'embeddings');
    expect(none.truncated).toBeUndefined();
    expect(none.truncatedIndices).toBeUndefined();
  });

  it('batched with 3 other long texts: all 4 complete as they would alone, no worker replaced; short texts are not padded to it', { timeout: 120_000 }, async () => {
    const batchedPool = createWorkerPool({ size: 1, batching: { maxBatchSize: 4, windowMs: 100 } });
    const batched = new TaskScheduler({ executor: batchedPool });
    closers.push(() => batched.close());
    await batchedPool.warmUp(MODEL);
    // Batches are formed by length: a 5 MB text counts as long as any text the model cannot read
    // whole, so it shares a batch with other long texts (3,000 characters, each its own words).
    const mates = ['Tide tables and customs forms fill the lower shelves. ', 'Every ledger lists the ships that docked that spring. ', 'A clerk copied the harbour rules by hand in 1890. '].map((s) =>
      s.repeat(Math.ceil(3000 / s.length)).slice(0, 3000),
    );
    const ids = await batched.submitMany([BIG, ...mates].map(embedding));
    const results = await Promise.all(ids.map((id) => batched.wait(id)));
    const outputs = results.map((r) => completed(r, 'embedding'));
    // They did run as one batch (else this test would not test batch-mates).
    expect(results.map((r) => r.metrics.batchSize)).toEqual([4, 4, 4, 4]);
    expect(outputs.map((o) => o.truncated)).toEqual([true, true, true, true]);
    const alone = await Promise.all([HEAD, ...mates].map(async (t) => completed(await run(embedding(t)), 'embedding').vector));
    outputs.forEach((o, i) => expect(cosine(o.vector, alone[i]!)).toBeGreaterThan(0.999));
    // Ready together with short texts, the 5 MB one runs alone and the short ones as a batch of their own.
    const mixed = await batched.submitMany([BIG, ...SHORT].map(embedding));
    const mixedResults = await Promise.all(mixed.map((id) => batched.wait(id)));
    expect(mixedResults.map((r) => r.metrics.batchSize ?? 1)).toEqual([1, 3, 3, 3]);
    const shortAlone = await Promise.all(SHORT.map(async (t) => completed(await run(embedding(t)), 'embedding').vector));
    mixedResults.slice(1).forEach((r, i) => expect(cosine(completed(r, 'embedding').vector, shortAlone[i]!)).toBeGreaterThan(0.999));
    expect(batchedPool.snapshot().replaced).toBe(0);
  });
});

describe('ModelInference pipeline on text longer than the model reads', () => {
  it('runs feature-extraction on a 5 MB input as on its first part, and says truncated', { timeout: 120_000 }, async () => {
    const pipeline = (inputs: string[]): SubmitTaskOptions => ({
      type: 'ModelInference',
      modelId: MODEL,
      input: { kind: 'modelInput', input: { format: 'pipeline', pipeline: 'feature-extraction', inputs, options: { pooling: 'mean', normalize: true } } },
    });
    const big = completed(await run(pipeline([SHORT[0]!, BIG])), 'tensors');
    expect(big.truncated).toBe(true);
    const output = big.tensors['output']!;
    expect(output.dims).toEqual([2, 512]);
    const data = output.data as Float32Array;
    const head = completed(await run(embedding(HEAD)), 'embedding').vector;
    const short = completed(await run(embedding(SHORT[0]!)), 'embedding').vector;
    expect(cosine(data.subarray(0, 512), short)).toBeGreaterThan(0.999);
    expect(cosine(data.subarray(512, 1024), head)).toBeGreaterThan(0.999);
    const small = completed(await run(pipeline([SHORT[0]!])), 'tensors');
    expect(small.truncated).toBeUndefined();
    expect(pool.snapshot().replaced).toBe(0);
  });
});

describe('TextProcessing of a 5 MB document', () => {
  it('chunks all of it (chunking long text is its job: nothing is cut)', { timeout: 120_000 }, async () => {
    const result = await run({ type: 'TextProcessing', input: { kind: 'custom', value: { text: BIG, op: 'chunk', chunkSize: 2000 } } });
    const output = completed(result, 'text');
    const expected = BIG.trim();
    expect(output.text).toBe(expected);
    const chunks = output.chunks ?? [];
    expect(chunks.length).toBeGreaterThan(expected.length / 2000);
    expect(chunks[0]!.start).toBe(0);
    expect(chunks.at(-1)!.end).toBe(expected.length);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBeGreaterThan(chunks[i - 1]!.start);
    expect(chunks.every((c) => c.text.length <= 2000)).toBe(true);
    expect(pool.snapshot().replaced).toBe(0);
  });
});
