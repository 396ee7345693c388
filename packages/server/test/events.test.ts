/**
 * `GET /v1/tasks/:id/events`: a handler's chunks and progress, streamed by real worker processes
 * through BullMQ's job progress to Server-Sent Events. Real Redis, the real API and workers.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTaskweaveServer, type TaskweaveServer } from '../src/index.js';
import { client } from './fixtures/client.js';
import { chunkIndices, readEvents } from './fixtures/sse.js';
import { startRedis, type TestRedis } from '../../../scripts/testRedis.mjs';
import { startWorker, type WorkerProcess } from './fixtures/workers.js';

const ALICE = 'key-of-alice';
const MALLORY = 'key-of-mallory';
// Short locks, so a killed worker's job is taken back within seconds.
const FAST_STALL = ['--lock-ms', '1500', '--stalled-ms', '500'];

let redis: TestRedis;
let server: TaskweaveServer;
let base: string;
const started: WorkerProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  server = createTaskweaveServer({ redisUrl: redis.url, apiKeys: { alice: ALICE, mallory: MALLORY }, retryDelayMs: 50 });
  base = await server.listen();
  started.push(await startWorker(redis.url, FAST_STALL));
});

afterAll(async () => {
  await Promise.all(started.filter((w) => w.proc.exitCode === null).map((w) => w.stop()));
  await server?.close();
  await redis?.stop();
});

const stream = (n: number, extra: Record<string, unknown> = {}, task: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  type: 'custom:stream',
  input: { kind: 'custom', value: { n, ...extra } },
  ...task,
});
const range = (n: number, from = 0) => Array.from({ length: n - from }, (_, i) => from + i);

it('a handler that emits 300 chunks with progress: a reader gets them all, in order, once each, then end', async () => {
  const api = client(base, ALICE);
  const task = stream(300, { every: 10, ms: 5 });
  expect((await api.submit(task)).status).toBe(202);
  const reader = await readEvents(base, ALICE, task.id);
  expect(reader.status).toBe(200);
  expect(reader.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(reader.headers.get('cache-control')).toMatch(/no-cache/);
  const events = await reader.done;
  expect(chunkIndices(events)).toEqual(range(300));
  for (const e of events.filter((x) => x.event === 'chunk')) {
    expect(e.data.chunk).toEqual({ i: e.data.index });
    expect(e.id).toBe(String(e.data.index));
  }
  const progress = events.filter((e) => e.event === 'progress');
  expect(progress.length).toBeGreaterThan(0);
  // Coalesced: far fewer than one per chunk, the latest value, done never going back.
  expect(progress.length).toBeLessThan(300);
  expect(progress.map((e) => e.data.done)).toEqual([...progress.map((e) => e.data.done)].sort((a, b) => a - b));
  expect(progress.at(-1)?.data).toMatchObject({ total: 300 });
  const end = events.at(-1);
  expect(end?.event).toBe('end');
  expect(end?.data).toEqual((await api.get(task.id)).body);
  expect(end?.data.result.output.value.n).toBe(300);
  expect(events.filter((e) => e.event === 'end')).toHaveLength(1);
});

it('a late reader gets the chunks from the start, then live ones; Last-Event-ID resumes after the id', async () => {
  const api = client(base, ALICE);
  const task = stream(200, { every: 5, ms: 10 });
  await api.submit(task);
  const first = await readEvents(base, ALICE, task.id);
  await expect.poll(() => chunkIndices(first.events).length, { timeout: 20_000, interval: 10 }).toBeGreaterThanOrEqual(50);
  const late = await readEvents(base, ALICE, task.id);
  const resumed = await readEvents(base, ALICE, task.id, { 'last-event-id': '119' });
  const [a, b, c] = await Promise.all([first.done, late.done, resumed.done]);
  expect(chunkIndices(a)).toEqual(range(200));
  expect(chunkIndices(b)).toEqual(range(200));
  expect(chunkIndices(c)).toEqual(range(200, 120));
  for (const events of [a, b, c]) expect(events.at(-1)?.event).toBe('end');
  // Still in the API's memory after the end (its gc time): a reader after the end gets them too.
  const after = await (await readEvents(base, ALICE, task.id)).done;
  expect(chunkIndices(after)).toEqual(range(200));
  expect(after.at(-1)?.data.status).toBe('Completed');
});

it("another owner's task answers the events endpoint exactly as an unknown id: 404", async () => {
  const api = client(base, ALICE);
  const task = stream(20, { every: 1, ms: 50 });
  await api.submit(task);
  const unknown = randomUUID();
  const theirs = await readEvents(base, MALLORY, task.id);
  const none = await readEvents(base, MALLORY, unknown);
  expect(theirs.status).toBe(404);
  expect(JSON.stringify(theirs.body).replaceAll(task.id, '<id>')).toBe(JSON.stringify(none.body).replaceAll(unknown, '<id>'));
  expect(theirs.body.error.code).toBe('not-found');
  expect((await (await readEvents(base, ALICE, task.id)).done).at(-1)?.data.status).toBe('Completed');
});

it('an ended task answers end at once', async () => {
  const api = client(base, ALICE);
  const id = randomUUID();
  await api.submit({ id, type: 'custom:echo', input: { kind: 'custom', value: { hello: 1 } } });
  const done = await api.wait(id);
  const t0 = Date.now();
  const events = await (await readEvents(base, ALICE, id)).done;
  expect(Date.now() - t0).toBeLessThan(1000);
  expect(events.map((e) => e.event)).toEqual(['status', 'end']);
  expect(events[1]?.data).toEqual(done.body);
});

it('a checkpoint over 64 KiB fails the task with a validation error naming checkpoint', async () => {
  const api = client(base, ALICE);
  const task = stream(5, { hugeCheckpoint: true }, { maxRetries: 3 });
  await api.submit(task);
  const done = await api.wait(task.id);
  expect(done.body.status).toBe('Failed');
  expect(done.body.result.errorCode).toBe('validation');
  expect(done.body.result.error).toMatch(/checkpoint/);
  // Not retried: a validation error is not retryable.
  expect(done.body.result.metrics.retryCount).toBe(0);
});

it('a worker killed mid-task: the re-run resumes from its last checkpoint, and a reader gets every chunk once, in order', async () => {
  const api = client(base, ALICE);
  const victim = started[0] as WorkerProcess;
  const task = stream(60, { checkpoint: true, every: 1, ms: 40 });
  await api.submit(task);
  const reader = await readEvents(base, ALICE, task.id);
  await expect.poll(() => chunkIndices(reader.events).length, { timeout: 20_000, interval: 10 }).toBeGreaterThanOrEqual(15);
  await victim.kill9();
  const survivor = await startWorker(redis.url, FAST_STALL);
  started.push(survivor);
  const events = await reader.done;
  expect(chunkIndices(events)).toEqual(range(60));
  events.filter((e) => e.event === 'chunk').forEach((e) => expect(e.data.chunk).toEqual({ i: e.data.index }));
  const end = events.at(-1);
  expect(end?.data.status).toBe('Completed');
  expect(end?.data.result.output.value.pid).toBe(survivor.proc.pid);
  expect(end?.data.result.output.value.resumedFrom.next).toBeGreaterThanOrEqual(15);
});

it('an API process that drains closes its events streams at once (no end): the reader reads on elsewhere with Last-Event-ID', async () => {
  const other = createTaskweaveServer({ redisUrl: redis.url, apiKeys: { alice: ALICE } });
  const otherBase = await other.listen();
  const api = client(base, ALICE);
  const task = stream(100, { every: 1, ms: 30 });
  await api.submit(task);
  const reader = await readEvents(otherBase, ALICE, task.id);
  await expect.poll(() => chunkIndices(reader.events).length, { timeout: 20_000, interval: 10 }).toBeGreaterThanOrEqual(5);
  const t0 = Date.now();
  await other.close();
  const cut = await reader.done;
  expect(Date.now() - t0).toBeLessThan(2000);
  expect(cut.some((e) => e.event === 'end')).toBe(false);
  const last = chunkIndices(cut).at(-1) as number;
  const rest = await (await readEvents(base, ALICE, task.id, { 'last-event-id': String(last) })).done;
  expect([...chunkIndices(cut), ...chunkIndices(rest)]).toEqual(range(100));
  expect(rest.at(-1)?.event).toBe('end');
});
