/**
 * Each caller's tasks are its own: another owner's task answers exactly as an unknown id, ids
 * name tasks within their owner, dependencies only reach the caller's own tasks, and an owner
 * can delete its task. Real Redis, the real API and real worker processes.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../../scripts/prng.mjs';
import { createTaskweaveServer, jobIdOf, mintToken, ownerOfClaims, type TaskweaveServer } from '../src/index.js';
import { client, pool, type Reply, jobTotal } from './fixtures/client.js';
import { listenForEnds, type EndAnnouncements } from './fixtures/ends.js';
import { startRedis, type TestRedis } from '../../../scripts/testRedis.mjs';
import { startWorker, type WorkerProcess } from './fixtures/workers.js';

const SECRET = 'owners-secret-0123456789';

let redis: TestRedis;
let server: TaskweaveServer;
let base: string;
let workers: WorkerProcess[] = [];
let ends: EndAnnouncements;

beforeAll(async () => {
  redis = await startRedis();
  server = createTaskweaveServer({ redisUrl: redis.url, secret: SECRET, apiKeys: { batch: 'key-of-the-batch-service' }, retryDelayMs: 50 });
  base = await server.listen();
  ends = await listenForEnds(redis.url, server.board.endedChannel);
  workers = await Promise.all([startWorker(redis.url, ['--concurrency', '16']), startWorker(redis.url, ['--concurrency', '16'])]);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  ends?.close();
  await server?.close();
  await redis?.stop();
});

const as = (sub: string) => client(base, mintToken(SECRET, { sub, exp: Math.floor(Date.now() / 1000) + 3600 }));
const echo = (value: unknown, extra: Record<string, unknown> = {}) => ({ type: 'custom:echo', input: { kind: 'custom', value }, ...extra });
const sleep = (ms: number, extra: Record<string, unknown> = {}) => ({ type: 'custom:sleep', input: { kind: 'custom', value: { ms } }, ...extra });

/** What an unknown id answers, with the id written as `<id>`, to compare with what another owner's id answers. */
function shape(r: Reply, id: string) {
  return { status: r.status, body: JSON.parse(JSON.stringify(r.body).replaceAll(id, '<id>')) };
}

async function pollStatus(c: ReturnType<typeof client>, id: string, status: string): Promise<void> {
  await expect.poll(async () => (await c.get(id)).body?.status, { timeout: 20_000, interval: 50 }).toBe(status);
}

describe('two owners', () => {
  it("another owner's task answers read, wait, cancel and delete exactly as an unknown id, and is left alone", async () => {
    const alice = as('alice');
    const mallory = as('mallory');
    const id = randomUUID();
    const unknown = randomUUID();
    expect((await alice.submit(sleep(3000, { id }))).status).toBe(202);
    await pollStatus(alice, id, 'Running');

    const probes: Array<[string, (c: ReturnType<typeof client>, id: string) => Promise<Reply>]> = [
      ['read', (c, x) => c.get(x)],
      ['wait', (c, x) => c.call('GET', `/v1/tasks/${x}/wait?timeoutMs=10`)],
      ['cancel', (c, x) => c.cancel(x)],
      ['delete', (c, x) => c.call('DELETE', `/v1/tasks/${x}`)],
    ];
    for (const [what, probe] of probes) {
      const theirs = shape(await probe(mallory, id), id);
      const none = shape(await probe(mallory, unknown), unknown);
      expect(theirs, what).toEqual(none);
      expect(theirs.status, what).toBe(404);
      expect(theirs.body.error.code, what).toBe('not-found');
    }
    const done = await alice.wait(id);
    expect(done.body.status).toBe('Completed');
    expect(done.body.result.output.value.slept).toBe(3000);
  });

  it('an id names a task within its owner: the same id is two tasks, and a resubmit answers 200 only to its owner', async () => {
    const alice = as('alice');
    const bob = as('bob');
    const id = randomUUID();
    expect((await alice.submit(echo('from alice', { id }))).status).toBe(202);
    expect((await alice.wait(id)).body.result.output.value).toBe('from alice');
    const bobs = await bob.submit(echo('from bob', { id }));
    expect(bobs.status).toBe(202);
    expect((await bob.wait(id)).body.result.output.value).toBe('from bob');
    const again = await alice.submit(echo('changed', { id }));
    expect(again.status).toBe(200);
    expect(again.body.result.output.value).toBe('from alice');
    await ends.heard();
    expect(ends.count(jobIdOf('user:alice', id))).toBe(1);
    expect(ends.count(jobIdOf('user:bob', id))).toBe(1);
  });

  it("a dependency on another owner's task is the 400 of an unknown id, and nothing is enqueued", async () => {
    const alice = as('alice');
    const mallory = as('mallory');
    const hers = randomUUID();
    await alice.submit(echo(1, { id: hers }));
    await alice.wait(hers);
    const before = await jobTotal(server.board.queue);
    const id = randomUUID();
    const r = await mallory.submit(echo(2, { id, dependencies: [hers] }));
    const unknown = randomUUID();
    const r2 = await mallory.submit(echo(2, { id, dependencies: [unknown] }));
    expect(shape(r, hers)).toEqual(shape(r2, unknown));
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe('dependencies.0');
    expect(await jobTotal(server.board.queue)).toBe(before);
    expect((await mallory.get(id)).status).toBe(404);
    // The owner's own dependency works.
    const mine = await alice.submit(echo(3, { dependencies: [hers] }));
    expect(mine.status).toBe(202);
    expect((await alice.wait(mine.body.id)).body.status).toBe('Completed');
  });

  it('an owner deletes its task: running is cancelled first; job, result and edges go; the id is free again', async () => {
    const alice = as('alice');
    const id = randomUUID();
    await alice.submit(sleep(20_000, { id }));
    const child = randomUUID();
    await alice.submit(echo('child', { id: child, dependencies: [id] }));
    await pollStatus(alice, id, 'Running');
    const deleted = await alice.call('DELETE', `/v1/tasks/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id, deleted: true });
    expect((await alice.get(id)).status).toBe(404);
    expect((await alice.call('DELETE', `/v1/tasks/${id}`)).status).toBe(404);
    // The task that waited on it is cancelled, as for any cancel.
    const c = await alice.wait(child);
    expect(c.body.status).toBe('Cancelled');
    expect(c.body.result.errorCode).toBe('dependency-failed');
    // The running job's worker saw the abort and let go; the job (its input) is removed then.
    const jobId = jobIdOf('user:alice', id);
    await expect.poll(async () => (await server.board.queue.getJob(jobId)) ?? null, { timeout: 20_000, interval: 100 }).toBeNull();
    const keys = await server.board.redis.keys(`${server.board.keyPrefix}*${jobId}*`);
    expect(keys.filter((k) => !k.includes(':result:'))).toEqual([]);
    // The id names a new task now.
    expect((await alice.submit(echo('again', { id }))).status).toBe(202);
    expect((await alice.wait(id)).body.result.output.value).toBe('again');
  });

  it('a finished task is deleted too, and tasks placed by API keys are owned by the key name', async () => {
    const batch = client(base, 'key-of-the-batch-service');
    const id = randomUUID();
    await batch.submit(echo('batch', { id }));
    expect((await batch.wait(id)).body.status).toBe('Completed');
    expect((await server.board.queue.getJob(jobIdOf('key:batch', id))) ?? null).not.toBeNull();
    expect((await as('batch').get(id)).status).toBe(404);
    expect((await batch.call('DELETE', `/v1/tasks/${id}`)).status).toBe(200);
    expect((await server.board.queue.getJob(jobIdOf('key:batch', id))) ?? null).toBeNull();
    expect((await batch.get(id)).status).toBe(404);
  });
});

describe('four owners at once', () => {
  it('400 tasks, 64 in flight, with seeded cross-owner reads, waits, cancels and deletes: only 404/400 across owners, each own task ends once with its own result', async () => {
    const random = prng(25);
    const owners = ['ann', 'ben', 'cat', 'dan'];
    const clients = new Map(owners.map((o) => [o, as(o)]));
    // Half the ids are shared by every owner (a different task each), half are one owner's own.
    const shared = Array.from({ length: 50 }, () => randomUUID());
    const own = new Map(owners.map((o) => [o, Array.from({ length: 50 }, () => randomUUID())]));
    const jobs = owners.flatMap((owner) => [...shared, ...own.get(owner)!].map((id) => ({ owner, id })));
    jobs.sort(() => random() - 0.5);
    const crossAnswers: number[] = [];
    await pool(jobs, 64, async ({ owner, id }, i) => {
      const r = await clients.get(owner)!.submit(echo({ owner, id }, { id, priority: i % 4 }));
      expect(r.status).toBe(202);
      if (random() < 0.5) {
        const other = owners.filter((o) => o !== owner)[Math.floor(random() * 3)]!;
        const victim = own.get(owner)![Math.floor(random() * 50)]!;
        const c = clients.get(other)!;
        const op = Math.floor(random() * 5);
        const reply =
          op === 0 ? await c.get(victim)
          : op === 1 ? await c.call('GET', `/v1/tasks/${victim}/wait?timeoutMs=5`)
          : op === 2 ? await c.cancel(victim)
          : op === 3 ? await c.call('DELETE', `/v1/tasks/${victim}`)
          : await c.submit(echo('stolen', { dependencies: [victim] }));
        crossAnswers.push(reply.status);
      }
    });
    expect(crossAnswers.length).toBeGreaterThan(100);
    expect(crossAnswers.filter((s) => s !== 404 && s !== 400)).toEqual([]);
    const results = await pool(jobs, 64, ({ owner, id }) => clients.get(owner)!.wait(id));
    results.forEach((r, i) => {
      expect(r.body.status).toBe('Completed');
      expect(r.body.result.output.value).toEqual(jobs[i]);
    });
    await expect.poll(() => jobs.filter(({ owner, id }) => ends.count(jobIdOf(ownerOfClaims({ sub: owner, exp: 0 }), id)) !== 1).length).toBe(0);
  });
});
