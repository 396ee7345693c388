import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTaskweaveServer, type TaskweaveServer } from '../src/index.js';
import { client, pool } from './fixtures/client.js';
import { startRedis, type TestRedis } from './fixtures/redis.js';
import { MODELS_DIR, startWorker, type WorkerProcess } from './fixtures/workers.js';

const KEY = 'k';
const N = 200;
const texts = Array.from({ length: N }, (_, i) => `Sentence number ${i} about ${['cats', 'the sea', 'markets', 'music', 'rain'][i % 5]} and more.`);

let redis: TestRedis;
let server: TaskweaveServer;
let base: string;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  server = createTaskweaveServer({ redisUrl: redis.url, apiKeys: [KEY] });
  base = await server.listen();
  workers = await Promise.all([0, 1].map(() => startWorker(redis.url, ['--models', MODELS_DIR, '--threads', '1'])));
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await server?.close();
  await redis?.stop();
});

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

async function localVectors(): Promise<Float32Array[]> {
  const { pipeline, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = MODELS_DIR;
  const pipe = await pipeline('feature-extraction', 'use-lite', { dtype: 'q8' });
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += 32) {
    const t = (await pipe(texts.slice(i, i + 32), { pooling: 'mean', normalize: true })) as unknown as { data: Float32Array; dims: number[] };
    const dims = t.dims[1]!;
    for (let r = 0; r < t.dims[0]!; r++) out.push(t.data.slice(r * dims, (r + 1) * dims));
  }
  await pipe.dispose();
  return out;
}

it(`2 worker processes embed ${N} texts (one task each) as transformers.js does locally (cosine ≥ 0.999)`, async () => {
  const api = client(base, KEY);
  const ids = texts.map(() => randomUUID());
  await pool(ids, 16, (id, i) => api.submit({ id, type: 'EmbeddingGeneration', modelId: 'use-lite', input: { kind: 'text', text: texts[i] } }));
  const results = await pool(ids, 32, (id) => api.wait(id));
  const local = await localVectors();
  results.forEach((r, i) => {
    expect(r.body.status).toBe('Completed');
    expect(r.body.result.output.dims).toBe(512);
    expect(cosine(r.body.result.output.vector, local[i]!)).toBeGreaterThanOrEqual(0.999);
    expect(r.body.result.metrics.backend).toBe('onnxruntime-node');
  });
});

it('POST /v1/embeddings answers as OpenAI does, from the same queue', async () => {
  const res = await fetch(`${base}/v1/embeddings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'use-lite', input: [texts[0], texts[1]] }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { object: string; data: Array<{ object: string; index: number; embedding: number[] }>; model: string };
  expect(body.object).toBe('list');
  expect(body.model).toBe('use-lite');
  expect(body.data.map((d) => [d.object, d.index, d.embedding.length])).toEqual([['embedding', 0, 512], ['embedding', 1, 512]]);
  const bad = await fetch(`${base}/v1/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: JSON.stringify({ input: [] }) });
  expect(bad.status).toBe(400);
});

it('TextProcessing runs in a worker process with the browser handler rules', async () => {
  const api = client(base, KEY);
  const id = randomUUID();
  await api.submit({ id, type: 'TextProcessing', modelId: 'use-lite', input: { kind: 'custom', value: { text: 'One  sentence.   Two sentences here.\r\nThree.', chunkSize: 20 } } });
  const r = await api.wait(id);
  expect(r.body.status).toBe('Completed');
  expect(r.body.result.output.text).toBe('One sentence. Two sentences here.\nThree.');
  expect(r.body.result.output.chunks.map((c: { text: string }) => c.text)).toEqual(['One sentence.', 'Two sentences here.', 'Three.']);
  expect(r.body.result.output.tokens).toBeGreaterThan(0);
});
