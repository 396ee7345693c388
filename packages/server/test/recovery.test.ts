import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTaskweaveServer, jobIdOf, ownerOfKey, type TaskweaveServer } from '../src/index.js';
import { client, jobsToRun, pool } from './fixtures/client.js';
import { listenForEnds, type EndAnnouncements } from './fixtures/ends.js';
import { startRedis, type TestRedis } from '../../../scripts/testRedis.mjs';
import { startWorker, type WorkerProcess } from './fixtures/workers.js';

const KEY = 'k';
// Short locks, so a killed worker's job is taken back within seconds.
const FAST_STALL = ['--lock-ms', '1500', '--stalled-ms', '500'];

let redis: TestRedis;
let server: TaskweaveServer;
let base: string;
let inspect: Redis;
const started: WorkerProcess[] = [];
let ends: EndAnnouncements;

beforeAll(async () => {
  redis = await startRedis();
  server = createTaskweaveServer({ redisUrl: redis.url, apiKeys: [KEY] });
  base = await server.listen();
  inspect = new Redis(redis.url, { maxRetriesPerRequest: null });
  inspect.on('error', () => undefined);
  ends = await listenForEnds(redis.url, server.board.endedChannel);
});

afterAll(async () => {
  await Promise.all(started.filter((w) => w.proc.exitCode === null).map((w) => w.stop()));
  ends?.close();
  inspect?.disconnect();
  await server?.close();
  await redis?.stop();
});

async function worker(): Promise<WorkerProcess> {
  const w = await startWorker(redis.url, FAST_STALL);
  started.push(w);
  return w;
}

it('a worker killed with kill -9 mid-job: BullMQ takes the job back and it completes exactly once', async () => {
  const api = client(base, KEY);
  const victim = await worker();
  const id = randomUUID();
  await api.submit({ id, type: 'custom:sleep', input: { kind: 'custom', value: { ms: 1500 } } });
  await expect.poll(async () => (await api.get(id)).body.status, { timeout: 20_000, interval: 50 }).toBe('Running');
  await victim.kill9();
  const survivor = await worker();
  const done = await api.wait(id);
  expect(done.body.status).toBe('Completed');
  expect(done.body.result.output.value.pid).toBe(survivor.proc.pid);
  // Interrupted is not an attempt: the run that died does not count as a retry.
  expect(done.body.result.metrics.retryCount).toBe(0);
  expect(await inspect.get(`test:runs:${id}`)).toBe('2');
  // No worker is left to end it again; `heard()` has every end announced so far counted. No sleep.
  await survivor.stop();
  await ends.heard();
  expect(ends.count(jobIdOf(ownerOfKey(KEY), id))).toBe(1);
});

it('Redis restarted mid-run (AOF on): every task still ends, exactly once', async () => {
  const api = client(base, KEY);
  const workers = [await worker(), await worker()];
  const before = (await server.board.queue.getJobCounts('completed')).completed ?? 0;
  const ids = Array.from({ length: 200 }, () => randomUUID());
  await pool(ids, 16, (id, i) => api.submit({ id, type: i % 2 === 0 ? 'custom:echo' : 'custom:sleep', input: { kind: 'custom', value: { ms: 20, i } } }));
  await expect.poll(async () => (await server.board.queue.getJobCounts('completed')).completed ?? 0, { timeout: 20_000, interval: 25 }).toBeGreaterThanOrEqual(before + 40);
  await redis.restart(500);
  const results = await pool(ids, 32, (id) => api.wait(id));
  expect(results.map((r) => r.body.status)).toEqual(ids.map(() => 'Completed'));
  // No worker is left (a worker stops once its jobs are done) and nothing is left to run: no end
  // can come later, and `heard()` has every end announced so far counted. No sleep.
  await Promise.all(workers.map((w) => w.stop()));
  expect(await jobsToRun(server)).toBe(0);
  await ends.heard();
  const counts = await server.board.queue.getJobCounts('completed', 'failed', 'wait', 'active', 'prioritized');
  expect(counts.completed).toBe(before + 200);
  expect(counts.failed).toBe(0);
  // Pub/sub is not durable: an end announced while this listener re-subscribes is missed, so
  // announcements bound the ends from above; BullMQ's completed count (one per job) pins them.
  for (const id of ids) expect(ends.count(jobIdOf(ownerOfKey(KEY), id))).toBeLessThanOrEqual(1);
});
