import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTaskweaveServer, jobIdOf, mintToken, ownerOfKey, type TaskweaveServer } from '../src/index.js';
import { client, pool, jobTotal, jobsToRun } from './fixtures/client.js';
import { listenForEnds, type EndAnnouncements } from './fixtures/ends.js';
import { startRedis, type TestRedis } from '../../../scripts/testRedis.mjs';
import { startWorker, type WorkerProcess } from './fixtures/workers.js';

const SECRET = 'test-secret-0123456789';
const API_KEY = 'server-key-abc';
const ORIGIN = 'https://app.example.test';

let redis: TestRedis;
let server: TaskweaveServer;
let base: string;
let workers: WorkerProcess[] = [];
let inspect: Redis;
let ends: EndAnnouncements;

beforeAll(async () => {
  redis = await startRedis();
  server = createTaskweaveServer({ redisUrl: redis.url, secret: SECRET, apiKeys: [API_KEY], allowedOrigins: [ORIGIN], retryDelayMs: 50, maxBodyBytes: 64 * 1024, maxInputBytes: 16 * 1024 });
  base = await server.listen();
  inspect = new Redis(redis.url);
  ends = await listenForEnds(redis.url, server.board.endedChannel);
  workers = await Promise.all([startWorker(redis.url, ['--concurrency', '8']), startWorker(redis.url, ['--concurrency', '8'])]);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  ends?.close();
  inspect?.disconnect();
  await server?.close();
  await redis?.stop();
});

const api = () => client(base, API_KEY);

describe('HTTP API on BullMQ', () => {
  it('runs 300 tasks submitted over HTTP, each ending exactly once; a resubmit changes nothing', async () => {
    const ids = Array.from({ length: 300 }, () => randomUUID());
    const submitted = await pool(ids, 16, (id, i) => api().submit({ id, type: 'custom:echo', input: { kind: 'custom', value: { i } }, priority: i % 4 }));
    expect(submitted.every((r) => r.status === 202)).toBe(true);
    const results = await pool(ids, 32, (id) => api().wait(id));
    results.forEach((r, i) => {
      expect(r.body.status).toBe('Completed');
      expect(r.body.result.output).toEqual({ kind: 'custom', value: { i } });
      expect(r.body.result.metrics.durationMs).toBeGreaterThanOrEqual(0);
    });
    const again = await api().submit({ id: ids[0], type: 'custom:echo', input: { kind: 'custom', value: { i: 'changed' } } });
    expect(again.status).toBe(200);
    expect(again.body.result.output.value).toEqual({ i: 0 });
    // Nothing is left to run (the resubmit enqueued nothing and sent no job back), so no end can
    // come later; `heard()` then has every end announced so far counted. No sleep.
    await expect.poll(() => jobsToRun(server), { timeout: 20_000 }).toBe(0);
    expect((await server.board.queue.getJobCounts('completed')).completed).toBe(ids.length);
    await ends.heard();
    for (const id of ids) {
      expect(ends.count(jobIdOf(ownerOfKey(API_KEY), id))).toBe(1);
      expect(await inspect.get(`test:runs:${id}`)).toBe('1');
    }
  });

  it('refuses bad input with 400 naming the field, and enqueues nothing', async () => {
    const before = await jobTotal(server.board.queue);
    const cases: Array<[unknown, string]> = [
      [{ type: 'EmbeddingGeneration', input: { kind: 'text', text: 'x' }, priority: 9 }, 'priority'],
      [{ type: 'Nope', input: { kind: 'text', text: 'x' } }, 'type'],
      [{ type: 'VectorSearch', input: { kind: 'text', text: 'x' } }, 'input.kind'],
      [{ type: 'custom:echo', input: { kind: 'custom', value: 1 }, dependencies: [randomUUID()] }, 'dependencies.0'],
      [{ id: 'not-a-uuid', type: 'custom:echo', input: { kind: 'custom', value: 1 } }, 'id'],
      [{ id: randomUUID(), task_type: 'TextProcessing', priority: 'Urgent', input: { Text: 'x' } }, 'priority'],
      [{ type: 'custom:echo', input: { kind: 'text', text: 'x'.repeat(20_000) } }, 'input'],
    ];
    for (const [body, field] of cases) {
      const r = await api().submit(body);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.field).toBe(field);
    }
    expect(await jobTotal(server.board.queue)).toBe(before);
  });

  it('answers 413 for a body over the limit', async () => {
    const r = await api().submit({ type: 'custom:echo', input: { kind: 'custom', value: 'y'.repeat(70 * 1024) } });
    expect(r.status).toBe(413);
  });

  it('wants a key or a valid token (401) and an allowed origin (403); answers CORS preflights', async () => {
    const task = { type: 'custom:echo', input: { kind: 'custom', value: 1 } };
    expect((await client(base, '').submit(task)).status).toBe(401);
    expect((await client(base, 'wrong-key').submit(task)).status).toBe(401);
    expect((await client(base, mintToken('other-secret', { sub: 'u1' })).submit(task)).status).toBe(401);
    const expired = mintToken(SECRET, { sub: 'u1', exp: Math.floor(Date.now() / 1000) - 1 });
    expect((await client(base, expired).submit(task)).status).toBe(401);
    const token = mintToken(SECRET, { sub: 'u1' });
    const ok = await client(base, token, ORIGIN).submit(task);
    expect(ok.status).toBe(202);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect((await client(base, token, 'https://evil.example').submit(task)).status).toBe(403);
    const pre = await fetch(`${base}/v1/tasks`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
    const badPre = await fetch(`${base}/v1/tasks`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    expect(badPre.status).toBe(403);
  });

  it('takes the seed serde JSON and answers in it', async () => {
    const id = randomUUID();
    const r = await api().submit({ id, task_type: { Custom: 'echo' }, priority: 'High', input: { Custom: { hello: 'seed' } }, model_id: null, deadline: null, retry_count: 0, max_retries: 1, dependencies: [], metadata: {} });
    expect(r.status).toBe(202);
    const done = await api().wait(id, 'format=seed');
    expect(done.body.result.task_id).toBe(id);
    expect(done.body.result.status).toBe('Completed');
    expect(done.body.result.output).toEqual({ Custom: { hello: 'seed' } });
    expect(done.body.result.metrics.duration).toHaveProperty('secs');
  });

  it('runs dependencies as a DAG, and cancels the dependents of a failed task', async () => {
    const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await api().submit({ id: a, type: 'custom:sleep', input: { kind: 'custom', value: { ms: 300 } } });
    await api().submit({ id: b, type: 'custom:echo', input: { kind: 'custom', value: 'b' }, dependencies: [a] });
    await api().submit({ id: c, type: 'custom:echo', input: { kind: 'custom', value: 'c' }, dependencies: [a] });
    await api().submit({ id: d, type: 'custom:echo', input: { kind: 'custom', value: 'd' }, dependencies: [b, c] });
    expect((await api().get(d)).body.status).toBe('Pending');
    const done = await api().wait(d);
    expect(done.body.status).toBe('Completed');
    const times = await Promise.all([a, b, c, d].map(async (id) => (await api().get(id)).body.result.timestamp as number));
    expect(times[1]).toBeGreaterThanOrEqual(times[0]!);
    expect(times[2]).toBeGreaterThanOrEqual(times[0]!);
    expect(times[3]).toBeGreaterThanOrEqual(Math.max(times[1]!, times[2]!));

    const [bad, child, grandchild] = [randomUUID(), randomUUID(), randomUUID()];
    await api().submit({ id: bad, type: 'custom:refuse', input: { kind: 'custom', value: 0 } });
    await api().submit({ id: child, type: 'custom:echo', input: { kind: 'custom', value: 0 }, dependencies: [bad] });
    await api().submit({ id: grandchild, type: 'custom:echo', input: { kind: 'custom', value: 0 }, dependencies: [child, a] });
    expect((await api().wait(bad)).body.status).toBe('Failed');
    const cancelled = await api().wait(grandchild);
    expect(cancelled.body.status).toBe('Cancelled');
    expect(cancelled.body.result.errorCode).toBe('dependency-failed');
    expect(await inspect.get(`test:runs:${child}`)).toBeNull();
    expect(await inspect.get(`test:runs:${bad}`)).toBe('1');
  });

  it("handlers read their dependencies' results, in the order the task lists them", async () => {
    const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const add = (id: string, n: number, dependencies: string[] = []) => api().submit({ id, type: 'custom:add', input: { kind: 'custom', value: { n } }, dependencies });
    await add(a, 1);
    await add(b, 10, [a]);
    await add(c, 100, [b]);
    await add(d, 1000, [c, a]);
    const done = await api().wait(d);
    expect(done.body.status).toBe('Completed');
    // a = 1, b = 11, c = 111, d = 1000 + 111 + 1
    expect(done.body.result.output.value).toEqual({ sum: 1112, from: [c, a] });
    expect((await api().get(b)).body.result.output.value).toEqual({ sum: 11, from: [a] });
    expect((await api().get(a)).body.result.output.value).toEqual({ sum: 1, from: [] });
  });

  it('a task whose dependencies ran elsewhere reads the results it was given; bad ones are refused naming the field', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const given = (taskId: string, sum: number) => ({
      taskId,
      status: 'Completed',
      output: { kind: 'custom', value: { sum } },
      metrics: { durationMs: 1, queueWaitMs: 0, memoryBytes: 0, cpuUsage: 0, networkBytes: 0, retryCount: 0 },
      timestamp: Date.now(),
    });
    await api().submit({ id: c, type: 'custom:add', input: { kind: 'custom', value: { n: 100 } }, dependencyResults: [given(a, 1), given(b, 11)] });
    const done = await api().wait(c);
    expect(done.body.status).toBe('Completed');
    expect(done.body.result.output.value).toEqual({ sum: 112, from: [a, b] });

    const bad = randomUUID();
    const refused = await api().submit({ id: bad, type: 'custom:add', input: { kind: 'custom', value: { n: 1 } }, dependencyResults: [{ ...given(a, 1), status: 'Failed' }] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.field).toBe('dependencyResults.0.status');
    const both = await api().submit({ id: bad, type: 'custom:add', input: { kind: 'custom', value: { n: 1 } }, dependencies: [c], dependencyResults: [given(a, 1)] });
    expect(both.status).toBe(400);
    expect(both.body.error.field).toBe('dependencyResults');
    expect((await api().get(bad)).status).toBe(404);
  });

  it('retries with backoff, and fails at once on a non-retryable error', async () => {
    const id = randomUUID();
    await api().submit({ id, type: 'custom:flaky', input: { kind: 'custom', value: { failures: 2 } }, maxRetries: 3 });
    const r = await api().wait(id);
    expect(r.body.status).toBe('Completed');
    expect(r.body.result.output.value).toEqual({ runs: 3, attempt: 3 });
    expect(r.body.result.metrics.retryCount).toBe(2);
    const out = randomUUID();
    await api().submit({ id: out, type: 'custom:flaky', input: { kind: 'custom', value: { failures: 5 } }, maxRetries: 1 });
    const failed = await api().wait(out);
    expect(failed.body.status).toBe('Failed');
    expect(await inspect.get(`test:runs:${out}`)).toBe('2');
  });

  it('cancels a running task: the handler sees its signal abort; a cancel before the handler starts means it never runs', async () => {
    const id = randomUUID();
    await api().submit({ id, type: 'custom:sleep', input: { kind: 'custom', value: { ms: 20_000 } } });
    // The handler itself has started (it counts its run first thing), not only BullMQ's job.
    await expect.poll(() => inspect.get(`test:runs:${id}`), { timeout: 20_000, interval: 20 }).toBe('1');
    const r = await api().cancel(id);
    expect(r.body.status).toBe('Cancelled');
    await expect.poll(() => inspect.get(`test:aborted:${id}`), { timeout: 20_000, interval: 20 }).toBe('CancelledError');
    const queued = randomUUID();
    await api().submit({ id: queued, type: 'custom:echo', input: { kind: 'custom', value: 0 }, dependencies: [id] });
    expect((await api().wait(queued)).body.status).toBe('Cancelled');
    // Cancelled the moment BullMQ hands it to a worker (Running), maybe before its handler started:
    // either the handler sees the abort, or it never runs at all; it never runs to its end.
    const early = await Promise.all(Array.from({ length: 8 }, async () => {
      const x = randomUUID();
      await api().submit({ id: x, type: 'custom:sleep', input: { kind: 'custom', value: { ms: 20_000 } } });
      await expect.poll(async () => (await api().get(x)).body.status, { timeout: 20_000, interval: 5 }).toBe('Running');
      expect((await api().cancel(x)).body.status).toBe('Cancelled');
      return x;
    }));
    for (const x of early) {
      // Once the worker has let go of the job, the handler either ran and saw the abort, or never ran.
      const job = () => server.board.queue.getJob(jobIdOf(ownerOfKey(API_KEY), x));
      await expect.poll(async () => (await (await job())?.getState()) ?? 'removed', { timeout: 20_000 }).not.toBe('active');
      const seen = [await inspect.get(`test:runs:${x}`), await inspect.get(`test:aborted:${x}`)];
      expect([[null, null], ['1', 'CancelledError']]).toContainEqual(seen);
    }
  });

  it('ends a task Timeout at its deadline while it runs', async () => {
    const id = randomUUID();
    await api().submit({ id, type: 'custom:sleep', input: { kind: 'custom', value: { ms: 10_000 } }, deadline: Date.now() + 600 });
    const r = await api().wait(id);
    expect(r.body.status).toBe('Timeout');
    expect(r.body.result.errorCode).toBe('timeout');
  });

  it('rate-limits submits per caller with 429 before enqueueing', async () => {
    const limited = createTaskweaveServer({ redisUrl: redis.url, secret: SECRET, queueName: 'limited', rateLimit: { requests: 3, windowMs: 60_000 } });
    const url = await limited.listen();
    try {
      const c = client(url, mintToken(SECRET, { sub: 'greedy' }));
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await c.submit({ type: 'custom:echo', input: { kind: 'custom', value: i } })).status);
      expect(codes).toEqual([202, 202, 202, 429, 429]);
      const other = client(url, mintToken(SECRET, { sub: 'polite' }));
      expect((await other.submit({ type: 'custom:echo', input: { kind: 'custom', value: 0 } })).status).toBe(202);
      expect((await limited.board.queue.getJobCounts('waiting', 'prioritized')).prioritized).toBe(4);
    } finally {
      await limited.close();
    }
  });
});
