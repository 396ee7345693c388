// What an app writes: embed three sentences with the built-in worker (no worker file), and
// compare them with transformers.js, which the app uses itself too (one copy with taskweave's).
// The result lands in #result for the test to read.
import { cos_sim as cosine, env } from '@huggingface/transformers';
import { TaskStatus, TaskType } from '@taskweave/core';
import { createTaskweave } from '@taskweave/web-worker';

const SENTENCES = ['a cat sits on the mat', 'a kitten is on the rug', 'stock markets fell sharply'];

async function run() {
  const tw = await createTaskweave({ name: 'consumer', pool: { size: 1 } });
  const ids = await tw.submitMany(
    SENTENCES.map((text) => ({ type: TaskType.EmbeddingGeneration, input: { kind: 'text', text }, modelId: 'use-lite' })),
  );
  const [cat, kitten, stocks] = await Promise.all(
    ids.map(async (id) => {
      const result = await tw.wait(id);
      if (result.status !== TaskStatus.Completed) throw new Error(`embedding failed: ${result.status} ${result.error ?? ''}`);
      return result.output.vector;
    }),
  );
  await tw.close();
  return {
    dims: cat.length,
    similar: cosine(cat, kitten),
    unrelated: [cosine(cat, stocks), cosine(kitten, stocks)],
    crossOriginIsolated,
    transformers: env.version,
  };
}

const out = document.querySelector('#result');
run().then(
  (result) => {
    out.textContent = JSON.stringify(result);
    out.dataset.state = 'done';
  },
  (error) => {
    out.textContent = String(error?.stack ?? error);
    out.dataset.state = 'failed';
  },
);
