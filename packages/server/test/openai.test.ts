/**
 * The official `openai` npm client against the server, its defaults untouched (it asks for
 * base64): real Redis, the real API and two real worker processes with use-lite.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { NotFoundError, BadRequestError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosine } from '../../../scripts/cosine.mjs';
import { createTaskweaveServer, type TaskweaveServer } from '../src/index.js';
import { startRedis, type TestRedis } from '../../../scripts/testRedis.mjs';
import { jobTotal } from './fixtures/client.js';
import { MODELS_DIR, TEST_MODELS_DIR, startWorker, type WorkerProcess } from './fixtures/workers.js';

const KEY = 'openai-test-key';

let redis: TestRedis;
let server: TaskweaveServer;
let workers: WorkerProcess[] = [];
let openai: OpenAI;
let models: string;

beforeAll(async () => {
  // The shipped model and the test model, and use-lite once more as `use-lite-mrl`, whose folder
  // declares two shorter sizes (taskweave.json) so `dimensions` is honoured for it.
  models = mkdtempSync(join(tmpdir(), 'tw-openai-models-'));
  symlinkSync(join(MODELS_DIR, 'use-lite'), join(models, 'use-lite'));
  symlinkSync(join(TEST_MODELS_DIR, 'tiny-random-bert'), join(models, 'tiny-random-bert'));
  mkdirSync(join(models, 'use-lite-mrl'));
  for (const file of readdirSync(join(MODELS_DIR, 'use-lite'))) symlinkSync(join(MODELS_DIR, 'use-lite', file), join(models, 'use-lite-mrl', file));
  writeFileSync(join(models, 'use-lite-mrl', 'taskweave.json'), JSON.stringify({ dimensions: [256, 128] }));
  redis = await startRedis();
  server = createTaskweaveServer({ redisUrl: redis.url, apiKeys: { tests: KEY } });
  const base = await server.listen();
  workers = await Promise.all([0, 1].map(() => startWorker(redis.url, ['--models', models, '--threads', '1', '--concurrency', '8'])));
  openai = new OpenAI({ apiKey: KEY, baseURL: `${base}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await server?.close();
  await redis?.stop();
  rmSync(models, { recursive: true, force: true });
});

const texts = ['a cat sits on the mat', 'a kitten is on the rug', 'stock markets fell sharply'];

describe('the official openai client', () => {
  it('embeds with its defaults (base64 on the wire), and float agrees to the last bit', async () => {
    const viaBase64 = await openai.embeddings.create({ model: 'use-lite', input: texts });
    const viaFloat = await openai.embeddings.create({ model: 'use-lite', input: texts, encoding_format: 'float' });
    expect(viaBase64.data.map((d) => [d.index, d.embedding.length])).toEqual([[0, 512], [1, 512], [2, 512]]);
    expect(viaBase64.data.map((d) => d.embedding)).toEqual(viaFloat.data.map((d) => d.embedding));
    const [cat, kitten, stocks] = viaFloat.data.map((d) => d.embedding);
    expect(cosine(cat!, kitten!) - cosine(cat!, stocks!)).toBeGreaterThan(0.3);
    expect(viaFloat.usage.prompt_tokens).toBeGreaterThan(3);
    expect(viaFloat.model).toBe('use-lite');
  });

  it('a raw base64 answer is little-endian float32, as OpenAI sends it', async () => {
    const raw = (await openai.embeddings.create({ model: 'use-lite', input: texts[0]!, encoding_format: 'base64' })) as unknown as { data: Array<{ embedding: string }> };
    const bytes = Buffer.from(raw.data[0]!.embedding, 'base64');
    expect(bytes.length).toBe(512 * 4);
    const floats = await openai.embeddings.create({ model: 'use-lite', input: texts[0]!, encoding_format: 'float' });
    expect(Array.from({ length: 512 }, (_, i) => bytes.readFloatLE(i * 4))).toEqual(floats.data[0]!.embedding);
  });

  it('honours dimensions a model folder declares (cut and re-normalised), and refuses the rest', async () => {
    const full = await openai.embeddings.create({ model: 'use-lite-mrl', input: texts[0]! });
    const short = await openai.embeddings.create({ model: 'use-lite-mrl', input: texts[0]!, dimensions: 256 });
    const v = short.data[0]!.embedding;
    expect(v.length).toBe(256);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    expect(cosine(v, full.data[0]!.embedding.slice(0, 256))).toBeGreaterThan(0.99999);
    const undeclared = openai.embeddings.create({ model: 'use-lite-mrl', input: texts[0]!, dimensions: 300 });
    await expect(undeclared).rejects.toBeInstanceOf(BadRequestError);
    const none = await openai.embeddings.create({ model: 'use-lite', input: texts[0]!, dimensions: 256 }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(BadRequestError);
    expect((none as BadRequestError).param).toBe('dimensions');
    expect((none as BadRequestError).message).toContain('declares no other sizes');
  });

  it('takes 2,048 inputs of about 1 KB in one request (OpenAI limit), and refuses 2,049', async () => {
    const input = Array.from({ length: 2048 }, (_, i) => `Note ${i}: ${'the harbour office kept letters, maps and ledgers. '.repeat(20)}`.slice(0, 1000));
    const r = await openai.embeddings.create({ model: 'use-lite', input, encoding_format: 'float' });
    expect(r.data.length).toBe(2048);
    expect(r.data.map((d) => d.index)).toEqual(input.map((_, i) => i));
    expect(r.data.every((d) => d.embedding.length === 512)).toBe(true);
    // Over-length inputs are cut by taskweave's rule, and the answer says so.
    expect((r.usage as unknown as { truncated_inputs: number }).truncated_inputs).toBe(2048);
    expect((r.data[0] as unknown as { truncated?: boolean }).truncated).toBe(true);
    const tooMany = await openai.embeddings.create({ model: 'use-lite', input: [...input, 'one more'] }).catch((e: unknown) => e);
    expect(tooMany).toBeInstanceOf(BadRequestError);
    expect((tooMany as BadRequestError).param).toBe('input');
  }, 240_000);

  it('an unknown model is a 404 model_not_found before anything is enqueued; a missing model is a 400', async () => {
    const before = await jobTotal(server.board.queue);
    const unknown = await openai.embeddings.create({ model: 'use-light', input: 'x' }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect((unknown as NotFoundError).code).toBe('model_not_found');
    expect((unknown as NotFoundError).error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'model_not_found' });
    const missing = await openai.embeddings.create({ input: 'x' } as never).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(BadRequestError);
    expect((missing as BadRequestError).param).toBe('model');
    expect(await jobTotal(server.board.queue)).toBe(before);
  });

  it('lists the fleet models, as OpenAI does', async () => {
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids.sort()).toEqual(['tiny-random-bert', 'use-lite', 'use-lite-mrl']);
  });

  it('a bad key is 401 in OpenAI shape', async () => {
    const bad = new OpenAI({ apiKey: 'nope', baseURL: openai.baseURL, maxRetries: 0 });
    const e = await bad.embeddings.create({ model: 'use-lite', input: 'x' }).catch((error: unknown) => error);
    expect((e as { status?: number }).status).toBe(401);
    expect((e as { error?: unknown }).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
  });
});
