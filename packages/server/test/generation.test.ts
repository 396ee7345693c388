/**
 * Text generation on the fleet: a taskweave-worker runs the ModelInference `text-generation`
 * pipeline with core's generateText, streams its tokens through the events endpoint, and ends
 * with the same `{ kind: 'text', text, tokens, finishReason }` as the browser; bad generation
 * options are refused at submit, naming the field. Real Redis, real worker processes, the real
 * generative model (sotu-gen).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTaskweaveServer, type TaskweaveServer } from '../src/index.js';
import { client } from './fixtures/client.js';
import { readEvents } from './fixtures/sse.js';
import { startRedis, type TestRedis } from '../../../scripts/testRedis.mjs';
import { TEST_MODELS_DIR, startWorker, type WorkerProcess } from './fixtures/workers.js';

const ALICE = 'key-of-alice';
let redis: TestRedis;
let server: TaskweaveServer;
let base: string;
let worker: WorkerProcess;

beforeAll(async () => {
  redis = await startRedis();
  server = createTaskweaveServer({ redisUrl: redis.url, apiKeys: { alice: ALICE } });
  base = await server.listen();
  worker = await startWorker(redis.url, ['--models', TEST_MODELS_DIR, '--threads', '1']);
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await server?.close();
  await redis?.stop();
});

const generate = (prompt: string, options: Record<string, unknown>) => ({
  id: randomUUID(),
  type: 'ModelInference',
  modelId: 'sotu-gen',
  input: { kind: 'modelInput', input: { format: 'pipeline', pipeline: 'text-generation', inputs: prompt, options } },
});

it('streams the tokens of a greedy generation and ends with the text and finishReason the browser gives', async () => {
  const api = client(base, ALICE);
  const task = generate('I want to thank', { max_new_tokens: 40 });
  expect((await api.submit(task)).status).toBe(202);
  const events = await (await readEvents(base, ALICE, task.id)).done;
  const tokens = events.filter((e) => e.event === 'chunk').map((e) => e.data.chunk as string);
  const end = events.at(-1);
  expect(end?.event).toBe('end');
  expect(end?.data.result.output).toEqual({ kind: 'text', text: ' so many of the world.', tokens: 7, finishReason: 'stop' });
  expect(tokens.join('')).toBe(' so many of the world.');
  const long = generate('If you', { max_new_tokens: 30 });
  await api.submit(long);
  const longEnd = (await (await readEvents(base, ALICE, long.id)).done).at(-1);
  expect(longEnd?.data.result.output).toMatchObject({ kind: 'text', tokens: 30, finishReason: 'length' });
}, 120_000);

it('refuses bad generation options at submit, naming the field', async () => {
  const api = client(base, ALICE);
  const bad = await api.submit(generate('x', { max_new_tokens: 0 }));
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain('input.input.options.max_new_tokens');
  const misspelt = await api.submit(generate('x', { maxNewTokens: 5 }));
  expect(misspelt.status).toBe(400);
  expect(JSON.stringify(misspelt.body)).toContain('input.input.options.maxNewTokens');
});
