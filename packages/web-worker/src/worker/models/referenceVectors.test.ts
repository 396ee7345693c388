/**
 * use-lite's vectors stay what they were when the runtime changes: each of the fixed texts of
 * scripts/reference/useLiteTexts.json, embedded through the pool in a real worker (WASM), is
 * within cosine 0.9999 of the vector this browser's runtime gave when the reference was recorded
 * (use-lite-browser.json), and within 0.999 of the Node reference (use-lite-node.json, the
 * server's runtime). Re-record the browser reference with RECORD_REFERENCE=1 on this file (the
 * Node one with scripts/reference/recordUseLiteNode.mjs), only when a change of meaning is intended.
 */
import { TaskScheduler, TaskStatus } from '@taskweave/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { createWorkerPool } from '../../index.js';
import { cosine } from '../../../../../scripts/cosine.mjs';

// Paths of `commands.readFile` are relative to this package's root.
const DIR = '../../scripts/reference/';
interface Reference {
  transformers: string;
  runtime: string;
  vectors: number[][];
}
const record = import.meta.env['VITE_RECORD_REFERENCE'] === '1';

let scheduler: TaskScheduler;
beforeAll(() => {
  scheduler = new TaskScheduler({ executor: createWorkerPool({ size: 1 }) });
});
afterAll(async () => {
  await scheduler.close();
});

async function embedAll(texts: string[]): Promise<Float32Array[]> {
  const ids = await scheduler.submitMany(texts.map((text) => ({ type: 'EmbeddingGeneration' as const, modelId: 'use-lite', input: { kind: 'text' as const, text } })));
  const results = await Promise.all(ids.map((id) => scheduler.wait(id)));
  return results.map((r) => {
    expect(r.status, r.error).toBe(TaskStatus.Completed);
    expect(r.metrics.backend).toBe('wasm');
    if (r.output.kind !== 'embedding') throw new Error(`expected an embedding, got ${r.output.kind}`);
    return r.output.vector;
  });
}

it('embeds the reference texts as the recorded runtime did (cosine ≥ 0.9999), and as the server does (≥ 0.999)', { timeout: 180_000 }, async () => {
  const { texts } = JSON.parse(await commands.readFile(`${DIR}useLiteTexts.json`)) as { texts: string[] };
  const vectors = await embedAll(texts);
  if (record) {
    const version = (await import('@huggingface/transformers')).env.version;
    const vectorsOut = vectors.map((v) => Array.from(v, (x) => Number(x.toPrecision(8))));
    await commands.writeFile(`${DIR}use-lite-browser.json`, `${JSON.stringify({ transformers: version, runtime: 'onnxruntime-web (wasm)', vectors: vectorsOut })}\n`);
  }
  const browser = JSON.parse(await commands.readFile(`${DIR}use-lite-browser.json`)) as Reference;
  const node = JSON.parse(await commands.readFile(`${DIR}use-lite-node.json`)) as Reference;
  expect(browser.vectors).toHaveLength(texts.length);
  expect(node.vectors).toHaveLength(texts.length);
  const worst = { browser: 1, node: 1 };
  vectors.forEach((v, i) => {
    expect(v.length).toBe(512);
    worst.browser = Math.min(worst.browser, cosine(v, browser.vectors[i]!));
    worst.node = Math.min(worst.node, cosine(v, node.vectors[i]!));
  });
  // Printed so a runtime change's closing note can quote how close it stayed.
  console.log(`use-lite reference: worst cosine vs browser ${browser.transformers} ${worst.browser.toFixed(6)}, vs node ${node.transformers} ${worst.node.toFixed(6)}`);
  expect(worst.browser).toBeGreaterThanOrEqual(0.9999);
  expect(worst.node).toBeGreaterThanOrEqual(0.999);
});
