/**
 * Running the server as operators do: the CLIs' help and refusals, health and readiness, metrics,
 * Redis going away and coming back, a worker killed or stopped mid-job with the default lock
 * intervals, and BullMQ's own view of the results. Real Redis and real processes.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_OPTIONS, WORKER_OPTIONS } from '../src/cli/specs.js';
import { createTaskweaveServer, jobIdOf, ownerOfKey, type TaskweaveServer } from '../src/index.js';
import { client, pool } from './fixtures/client.js';
import { startRedis, type TestRedis } from '../../../scripts/testRedis.mjs';
import { runCli, startServer, startWorker, type WorkerProcess } from './fixtures/workers.js';

const KEY = 'ops-key';

let redis: TestRedis;
let server: TaskweaveServer;
let base: string;
const started: WorkerProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  server = createTaskweaveServer({ redisUrl: redis.url, apiKeys: { ops: KEY }, retryDelayMs: 50 });
  base = await server.listen();
});

afterAll(async () => {
  await Promise.all(started.filter((w) => w.proc.exitCode === null).map((w) => w.stop()));
  await server?.close();
  await redis?.stop();
});

// Each test starts the workers it needs; none outlives it.
afterEach(async () => {
  await Promise.all(started.splice(0).filter((w) => w.proc.exitCode === null).map((w) => w.stop()));
});

async function worker(extra: string[] = []): Promise<WorkerProcess> {
  const w = await startWorker(redis.url, ['--concurrency', '4', ...extra]);
  started.push(w);
  return w;
}

const api = () => client(base, KEY);
const sleepTask = (id: string, ms: number) => ({ id, type: 'custom:sleep', input: { kind: 'custom', value: { ms } } });

describe('the command lines', () => {
  it('--help lists every option with its environment variable, and exits 0', async () => {
    for (const [which, spec] of [['server', SERVER_OPTIONS], ['worker', WORKER_OPTIONS]] as const) {
      const r = await runCli(which, ['--help']);
      expect(r.code, r.stderr).toBe(0);
      for (const o of spec) {
        expect(r.stdout).toContain(`--${o.name}`);
        expect(r.stdout).toContain(o.env);
      }
    }
  });

  it('refuses unknown flags and bad values with a message (exit 2), and a models folder that is not one (exit 1)', async () => {
    const cases: Array<['server' | 'worker', string[], RegExp]> = [
      ['server', ['--api-keys', 'k', '--nope'], /Unknown option '--nope'/],
      ['server', ['--api-keys', 'k', '--port', 'eighty'], /--port must be an integer/],
      ['server', ['--api-keys', 'k', 'stray'], /positional/],
      ['server', [], /no credentials are accepted/],
      ['worker', ['--models', '/tmp', '--concurrency', '0'], /--concurrency must be an integer ≥ 1/],
      ['worker', ['--models'], /argument missing|requires? a value|Option '--models <value>' argument missing/i],
    ];
    for (const [which, args, message] of cases) {
      const r = await runCli(which, args);
      expect(r.code, `${which} ${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const missing = await runCli('worker', ['--models', '/nonexistent/models', '--redis', redis.url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('/nonexistent/models is not a folder');
    const env = await runCli('server', [], { TASKWEAVE_API_KEYS: 'k', PORT: '-3' });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('PORT must be an integer');
  });
});

describe('health, readiness and metrics', () => {
  it('/healthz answers without credentials; /readyz is 503 until a worker is seen, 200 after', async () => {
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const before = await fetch(`${base}/readyz`);
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({ redis: 'ok', workers: 0 });
    const w = await worker();
    const after = await fetch(`${base}/readyz`);
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ redis: 'ok', workers: 1 });
    await w.stop();
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status).toBe(503);
  });

  it('/metrics answers Prometheus text to an API key: queue depth by state, ends by status, durations', async () => {
    const w = await worker();
    const ids = Array.from({ length: 5 }, () => randomUUID());
    await pool(ids, 5, (id) => api().submit({ id, type: 'custom:echo', input: { kind: 'custom', value: 1 } }));
    await pool(ids, 5, (id) => api().wait(id));
    const refused = await api().submit({ type: 'custom:refuse', input: { kind: 'custom', value: 1 } });
    await api().wait(refused.body.id);
    const r = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await r.text();
    expect(text).toMatch(/^taskweave_queue_jobs\{queue="taskweave",state="waiting"\} \d+$/m);
    expect(text).toMatch(/^taskweave_tasks_ended_total\{queue="taskweave",status="Completed"\} ([5-9]|\d\d+)$/m);
    expect(text).toMatch(/^taskweave_tasks_ended_total\{queue="taskweave",status="Failed"\} [1-9]\d*$/m);
    expect(text).toMatch(/^taskweave_task_duration_seconds_bucket\{queue="taskweave",le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^taskweave_task_duration_seconds_count\{queue="taskweave"\} \d+$/m);
    expect(text).toMatch(/^taskweave_workers\{queue="taskweave"\} 1$/m);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    await w.stop();
  });

  it("results are the BullMQ job's returnvalue too, under the documented queue name and prefix", async () => {
    const w = await worker();
    const id = randomUUID();
    await api().submit({ id, type: 'custom:echo', input: { kind: 'custom', value: { hello: 'bull-board' } } });
    const done = await api().wait(id);
    const queue = new Queue('taskweave', { connection: { url: redis.url }, prefix: 'bull' });
    try {
      const job = await queue.getJob(jobIdOf(ownerOfKey(KEY, 'ops'), id));
      expect(job?.returnvalue).toEqual(done.body.result);
      expect(job?.returnvalue.output.value).toEqual({ hello: 'bull-board' });
    } finally {
      await queue.close();
    }
    await w.stop();
  });
});

describe('failures', () => {
  it('Redis stopped: requests answer 503 with Retry-After, at once; Redis back: they succeed again by themselves', async () => {
    const w = await worker();
    const stopped = redis.restart(3_000);
    await expect.poll(() => server.board.redisReady, { interval: 20 }).toBe(false);
    const t0 = performance.now();
    const replies = await Promise.all([api().get(randomUUID()), api().submit({ type: 'custom:echo', input: { kind: 'custom', value: 1 } }), fetch(`${base}/readyz`)]);
    const answeredMs = performance.now() - t0;
    for (const r of replies) {
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('2');
    }
    console.log(`503 answered ${answeredMs.toFixed(0)} ms after the API saw Redis go`);
    await stopped;
    const id = randomUUID();
    await expect.poll(async () => (await api().submit({ id, type: 'custom:echo', input: { kind: 'custom', value: 'back' } })).status, { timeout: 20_000, interval: 100 }).toBe(202);
    expect((await api().wait(id)).body.result.output.value).toBe('back');
    await w.stop();
  });

  it('a worker killed with kill -9 mid-job, default lock and stalled intervals: its jobs complete on another worker', async () => {
    const victim = await worker();
    const ids = Array.from({ length: 4 }, () => randomUUID());
    await pool(ids, 4, (id) => api().submit(sleepTask(id, 6_000)));
    await expect.poll(async () => (await Promise.all(ids.map(async (id) => (await api().get(id)).body.status))).every((s) => s === 'Running'), { timeout: 20_000 }).toBe(true);
    const killedAt = performance.now();
    await victim.kill9();
    // Started after the kill (its start is part of the wait, as when an orchestrator replaces it).
    const survivor = await worker();
    const done = await pool(ids, 4, (id) => api().wait(id));
    const resumedMs = performance.now() - killedAt;
    for (const r of done) {
      expect(r.body.status).toBe('Completed');
      expect(r.body.result.output.value.pid).toBe(survivor.proc.pid);
    }
    console.log(`kill -9: the dead worker's 4 jobs (6 s each) completed ${(resumedMs / 1000).toFixed(1)} s after the kill (lock 8 s, stalled check 3 s)`);
    await survivor.stop();
  }, 60_000);

  it('SIGTERM mid-job: the worker finishes what it runs, takes nothing new, exits; nothing is lost or run twice', async () => {
    const leaving = await worker();
    const ids = Array.from({ length: 12 }, () => randomUUID());
    await pool(ids, 12, (id) => api().submit(sleepTask(id, 1_000)));
    await expect.poll(async () => (await Promise.all(ids.map(async (id) => (await api().get(id)).body.status))).filter((s) => s === 'Running').length).toBe(4);
    const running = (await Promise.all(ids.map(async (id) => [id, (await api().get(id)).body.status] as const))).filter(([, s]) => s === 'Running').map(([id]) => id);
    await leaving.stop();
    // Those it held ended Completed on it before it exited.
    for (const id of running) {
      const r = await api().get(id);
      expect(r.body.status).toBe('Completed');
      expect(r.body.result.output.value.pid).toBe(leaving.proc.pid);
    }
    const other = await worker();
    const all = await pool(ids, 12, (id) => api().wait(id));
    expect(all.map((r) => r.body.status)).toEqual(ids.map(() => 'Completed'));
    const runs = await server.board.redis.mget(ids.map((id) => `test:runs:${id}`));
    expect(runs).toEqual(ids.map(() => '1'));
    await other.stop();
  }, 60_000);

  it('the API process drains on SIGTERM: a long-poll in flight is answered, then it exits', async () => {
    const proc = await startServer(['--redis', redis.url, '--api-keys', `ops=${KEY}`]);
    const w = await worker();
    const id = randomUUID();
    const c = client(proc.url, KEY);
    await c.submit(sleepTask(id, 3_000));
    const poll = c.call('GET', `/v1/tasks/${id}/wait?timeoutMs=20000`);
    await expect.poll(async () => (await c.get(id)).body.status).toBe('Running');
    await proc.stop();
    const r = await poll;
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('Running');
    expect(proc.log()).toContain('draining');
    expect((await api().wait(id)).body.status).toBe('Completed');
    await w.stop();
  });
});
