import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTaskweaveServer, type TaskweaveServer } from '../src/index.js';
import { client, pool } from './fixtures/client.js';
import { startRedis, type TestRedis } from '../../../scripts/testRedis.mjs';
import { MODELS_DIR, startWorker, type WorkerProcess } from './fixtures/workers.js';
import { cosine } from '../../../scripts/cosine.mjs';
import referenceTexts from '../../../scripts/reference/useLiteTexts.json' with { type: 'json' };
import nodeReference from '../../../scripts/reference/use-lite-node.json' with { type: 'json' };
import browserReference from '../../../scripts/reference/use-lite-browser.json' with { type: 'json' };

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
  // Concurrency 8: each process holds up to 8 jobs, whose texts share model calls.
  workers = await Promise.all([0, 1].map(() => startWorker(redis.url, ['--models', MODELS_DIR, '--threads', '1', '--concurrency', '8'])));
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await server?.close();
  await redis?.stop();
});


async function transformers() {
  const t = await import('@huggingface/transformers');
  t.env.allowRemoteModels = false;
  t.env.localModelPath = MODELS_DIR;
  return t;
}

/** Tokens use-lite reads of `text`: its tokens (special ones included), at most model_max_length (128). */
async function tokensRead(text: string): Promise<number> {
  const tokenizer = await (await transformers()).AutoTokenizer.from_pretrained('use-lite');
  return Math.min(128, tokenizer.encode(text).length);
}

async function localVectors(): Promise<Float32Array[]> {
  const { pipeline } = await transformers();
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
  // The texts came faster than the workers embed them one at a time: jobs shared model calls.
  expect(Math.max(...results.map((r) => r.body.result.metrics.batchSize ?? 1))).toBeGreaterThan(1);
});

it('embeds the reference texts as the recorded Node runtime did (cosine ≥ 0.9999) and as the browser does (≥ 0.999)', async () => {
  // scripts/reference/: use-lite's vectors for fixed texts, recorded before a runtime change (see its scripts).
  const api = client(base, KEY);
  const ids = referenceTexts.texts.map(() => randomUUID());
  await pool(ids, 16, (id, i) => api.submit({ id, type: 'EmbeddingGeneration', modelId: 'use-lite', input: { kind: 'text', text: referenceTexts.texts[i] } }));
  const results = await pool(ids, 16, (id) => api.wait(id));
  const worst = { node: 1, browser: 1 };
  results.forEach((r, i) => {
    expect(r.body.status).toBe('Completed');
    worst.node = Math.min(worst.node, cosine(r.body.result.output.vector, nodeReference.vectors[i]!));
    worst.browser = Math.min(worst.browser, cosine(r.body.result.output.vector, browserReference.vectors[i]!));
  });
  console.log(`use-lite reference: worst cosine vs node ${nodeReference.transformers} ${worst.node.toFixed(6)}, vs browser ${browserReference.transformers} ${worst.browser.toFixed(6)}`);
  expect(worst.node).toBeGreaterThanOrEqual(0.9999);
  expect(worst.browser).toBeGreaterThanOrEqual(0.999);
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
  const tokens = (await tokensRead(texts[0]!)) + (await tokensRead(texts[1]!));
  expect(tokens).toBeGreaterThan(2);
  expect((body as unknown as { usage: unknown }).usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens, truncated_inputs: 0 });
  const bad = await fetch(`${base}/v1/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: JSON.stringify({ model: 'use-lite', input: [] }) });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('input');
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

describe('text longer than the model reads (use-lite: 128 tokens)', () => {
  const SENTENCE = 'The archive holds letters, maps and ledgers from the harbour office, sorted by year. ';
  /** About 200 KB: under the 256 KiB input limit, some 40,000 tokens. Uncut, its tokenizing alone would take hours. */
  const LONG = SENTENCE.repeat(Math.floor(200_000 / SENTENCE.length));
  /** Its start: already more than 128 tokens, so the model reads the same tokens of it. */
  const HEAD = LONG.slice(0, 3000);

  it('is cut before tokenizing and embedded as the part the model reads, with truncated: true', async () => {
    const api = client(base, KEY);
    const run = async (input: unknown) => {
      const id = randomUUID();
      expect((await api.submit({ id, type: 'EmbeddingGeneration', modelId: 'use-lite', input })).status).toBe(202);
      const r = await api.wait(id);
      expect(r.body.status, JSON.stringify(r.body.result?.error)).toBe('Completed');
      return r.body.result.output;
    };
    const long = await run({ kind: 'text', text: LONG });
    const head = await run({ kind: 'text', text: HEAD });
    const short = await run({ kind: 'text', text: texts[0] });
    expect(long.truncated).toBe(true);
    expect(head.truncated).toBe(true);
    expect(short.truncated).toBeUndefined();
    expect(cosine(long.vector, head.vector)).toBeGreaterThan(0.999);
    // Within the cut's budget (2,048 characters) but over 128 tokens: not cut, and its flag comes
    // from the tokenization the model call made (the attention mask full), not a count before it.
    const mid = await run({ kind: 'text', text: LONG.slice(0, 1000) });
    expect([mid.truncated, mid.tokens]).toEqual([true, 128]);
    expect(cosine(mid.vector, head.vector)).toBeGreaterThan(0.999);
    expect([long.tokens, head.tokens]).toEqual([128, 128]);
    expect(short.tokens).toBe(await tokensRead(texts[0]!));
    const list = await run({ kind: 'custom', value: { texts: [texts[0], LONG, texts[1]] } });
    expect(list.truncated).toBe(true);
    expect(list.truncatedIndices).toEqual([1]);
    expect(cosine(list.vectors[1], long.vector)).toBeGreaterThan(0.999);
    expect(list.tokens).toBe(short.tokens + 128 + (await tokensRead(texts[1]!)));
  });

  it('a 5 MB input is refused by the input size limit (400 naming input), even where the body limit lets it through', async () => {
    const big = SENTENCE.repeat(Math.ceil((5 * 1024 * 1024) / SENTENCE.length));
    const roomy = createTaskweaveServer({ redisUrl: redis.url, apiKeys: [KEY], maxBodyBytes: 8 << 20 });
    try {
      const roomyApi = client(await roomy.listen(), KEY);
      const task = await roomyApi.call('POST', '/v1/tasks', { type: 'EmbeddingGeneration', modelId: 'use-lite', input: { kind: 'text', text: big } });
      expect(task.status).toBe(400);
      expect(task.body.error.field).toBe('input');
      // /v1/embeddings' body limit (16 MiB) fits it: the per-input limit refuses it, in OpenAI's shape.
      const openai = await roomyApi.call('POST', '/v1/embeddings', { model: 'use-lite', input: ['short', big] });
      expect(openai.status).toBe(400);
      expect(openai.body.error).toMatchObject({ type: 'invalid_request_error', param: 'input' });
      expect(openai.body.error.message).toContain('input[1]');
      // With the default body limit of /v1/tasks (1 MiB) the same task stops earlier, at 413.
      expect((await client(base, KEY).call('POST', '/v1/tasks', { type: 'EmbeddingGeneration', modelId: 'use-lite', input: { kind: 'text', text: big } })).status).toBe(413);
    } finally {
      await roomy.close();
    }
  });
});
