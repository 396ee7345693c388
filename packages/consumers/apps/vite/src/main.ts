// What an app writes: embed three sentences with the built-in worker (no worker file), compare
// them with transformers.js (which the app uses itself too), and count words with its own worker.
// The result lands in #result for the test to read.
import { cos_sim, env } from '@huggingface/transformers';
import { TaskScheduler, TaskStatus, TaskType, type TaskResult } from '@taskweave/core';
import { createTaskweave, createWorkerPool } from '@taskweave/web-worker';

const SENTENCES = ['a cat sits on the mat', 'a kitten is on the rug', 'stock markets fell sharply'];

function vectorOf(result: TaskResult): Float32Array {
  if (result.status !== TaskStatus.Completed || result.output.kind !== 'embedding') {
    throw new Error(`embedding failed: ${result.status} ${result.error ?? ''}`);
  }
  return result.output.vector;
}

/** transformers.js' own cosine: the app uses transformers.js itself too (one copy with taskweave's). */
const cosine = (a: Float32Array, b: Float32Array): number => cos_sim(Array.from(a), Array.from(b));

async function run(): Promise<Record<string, unknown>> {
  const tw = await createTaskweave({ name: 'consumer', pool: { size: 1 } });
  const ids = await tw.submitMany(
    SENTENCES.map((text) => ({ type: TaskType.EmbeddingGeneration, input: { kind: 'text', text }, modelId: 'use-lite' })),
  );
  const [cat, kitten, stocks] = await Promise.all(ids.map(async (id) => vectorOf(await tw.wait(id))));
  if (cat === undefined || kitten === undefined || stocks === undefined) throw new Error('missing a result');

  const pool = createWorkerPool({
    size: 1,
    createWorker: () => new Worker(new URL('./wordCount.worker.ts', import.meta.url), { type: 'module' }),
  });
  const scheduler = new TaskScheduler({ executor: pool });
  const id = await scheduler.submit({ type: 'custom:wordCount', input: { kind: 'text', text: SENTENCES[0] ?? '' } });
  const counted = await scheduler.wait(id);
  await scheduler.close();
  await pool.close();
  await tw.close();

  return {
    dims: cat.length,
    similar: cosine(cat, kitten),
    unrelated: [cosine(cat, stocks), cosine(kitten, stocks)],
    wordCount: counted.output.kind === 'custom' ? counted.output.value : null,
    crossOriginIsolated,
    transformers: env.version,
  };
}

const out = document.querySelector<HTMLElement>('#result');
run().then(
  (result) => {
    if (out === null) return;
    out.textContent = JSON.stringify(result);
    out.dataset['state'] = 'done';
  },
  (error: unknown) => {
    if (out === null) return;
    out.textContent = String(error instanceof Error ? (error.stack ?? error.message) : error);
    out.dataset['state'] = 'failed';
  },
);
