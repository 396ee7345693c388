/**
 * The behaviour every `TaskStore` must show, as a reusable Vitest suite. Run it against each
 * store: `describeTaskStoreContract('MemoryTaskStore', () => new MemoryTaskStore())`.
 */
import { describe, expect, it } from 'vitest';
import type { TaskRecord, TaskStore } from '../ports.js';
import type { TaskListQuery } from '../store/taskList.js';
import { emptyMetrics, TaskStatus, type Task, type TaskId, type TaskOutput, type TaskStatus as Status } from '../task.js';

/** Options of the contract: capabilities a store may lack. */
export interface TaskStoreContractOptions {
  /** Closes `store` and opens another on the same backing data (skips the durability test when absent). */
  reopen?: (store: TaskStore) => Promise<TaskStore>;
  /** A record this store cannot hold (IndexedDB: a value structured clone refuses); skips the isolation test when absent. */
  unstorable?: () => TaskRecord;
}

let seqCounter = 0;

const isEnded = (r: TaskRecord) => r.status !== TaskStatus.Pending && r.status !== TaskStatus.Running;

/** A valid Task with a fresh UUID v4. */
export function makeTask(overrides: Partial<Task> = {}): Task {
  return {
    id: crypto.randomUUID() as TaskId,
    type: 'TextProcessing',
    priority: 1,
    input: { kind: 'text', text: 'hello' },
    retryCount: 0,
    maxRetries: 3,
    dependencies: [],
    metadata: {},
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

/** A valid record; terminal statuses get a result (with `output`, default `{ kind: 'none' }`). */
export function makeRecord(
  status: Status,
  seq: number,
  options: { task?: Task; updatedAt?: number; output?: TaskOutput } = {},
): TaskRecord {
  const task = options.task ?? makeTask();
  const updatedAt = options.updatedAt ?? 1_700_000_000_000 + seq;
  const terminal = status !== TaskStatus.Pending && status !== TaskStatus.Running;
  return {
    task,
    status,
    seq,
    updatedAt,
    ...(terminal
      ? {
          result: {
            taskId: task.id,
            status,
            output: options.output ?? { kind: 'none' },
            ...(status === TaskStatus.Completed ? {} : { error: `ended ${status}`, errorCode: 'execution' }),
            metrics: emptyMetrics(),
            timestamp: updatedAt,
          },
        }
      : {}),
  };
}

/**
 * Declares the TaskStore contract suite for one store implementation.
 *
 * @param name shown in the test names
 * @param makeStore a new, empty store for each test
 */
export function describeTaskStoreContract(
  name: string,
  makeStore: () => TaskStore | Promise<TaskStore>,
  options: TaskStoreContractOptions = {},
): void {
  describe(`TaskStore contract: ${name}`, () => {
    const withStore = (fn: (store: TaskStore) => Promise<void>) => async () => {
      const store = await makeStore();
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    };

    it(
      'an empty store loads nothing, with lastSeq 0',
      withStore(async (store) => {
        const snapshot = await store.load();
        expect(snapshot.active).toEqual([]);
        expect(snapshot.lastSeq).toBe(0);
        expect(snapshot.quarantined).toEqual([]);
        expect(await store.get(makeTask().id)).toBeUndefined();
      }),
    );

    it(
      'get returns what put stored, binary data included',
      withStore(async (store) => {
        const bytes = new Uint8Array([0, 1, 2, 250, 255]);
        const pending = makeRecord(TaskStatus.Pending, 1, { task: makeTask({ type: 'ModelInference', input: { kind: 'binary', data: bytes } }) });
        const vector = new Float32Array([0.25, -1.5, 3e-8, 42]);
        const done = makeRecord(TaskStatus.Completed, 2, { output: { kind: 'embedding', vector, dims: 4 } });
        await store.put([pending, done]);
        const a = await store.get(pending.task.id);
        const b = await store.get(done.task.id);
        expect(a).toEqual(pending);
        expect(b).toEqual(done);
        const input = a?.task.input;
        expect(input?.kind === 'binary' && input.data).toBeInstanceOf(Uint8Array);
        expect(input?.kind === 'binary' && [...input.data]).toEqual([0, 1, 2, 250, 255]);
        const output = b?.result?.output;
        expect(output?.kind === 'embedding' && output.vector).toBeInstanceOf(Float32Array);
        expect(output?.kind === 'embedding' && [...output.vector]).toEqual([...vector]);
      }),
    );

    it(
      'load returns only unfinished records, in seq order, and the highest seq ever stored',
      withStore(async (store) => {
        const r3 = makeRecord(TaskStatus.Running, 3);
        const r1 = makeRecord(TaskStatus.Pending, 1);
        const r5 = makeRecord(TaskStatus.Completed, 5);
        const r2 = makeRecord(TaskStatus.Pending, 2);
        const r4 = makeRecord(TaskStatus.Failed, 4);
        await store.put([r3, r5]);
        await store.put([r1, r4, r2]);
        const snapshot = await store.load();
        expect(snapshot.active.map((r) => r.seq)).toEqual([1, 2, 3]);
        expect(snapshot.active[2]).toEqual(r3);
        expect(snapshot.lastSeq).toBe(5);
        expect(snapshot.quarantined).toEqual([]);
      }),
    );

    it(
      'writes to one id apply in call order, within a put and across concurrent puts',
      withStore(async (store) => {
        const task = makeTask();
        const other = makeTask();
        await Promise.all([
          store.put([makeRecord(TaskStatus.Pending, 1, { task })]),
          store.put([makeRecord(TaskStatus.Running, 1, { task }), makeRecord(TaskStatus.Pending, 2, { task: other })]),
          store.put([makeRecord(TaskStatus.Completed, 1, { task, updatedAt: 5 })]),
          store.put([makeRecord(TaskStatus.Running, 2, { task: other }), makeRecord(TaskStatus.Timeout, 2, { task: other })]),
        ]);
        expect((await store.get(task.id))?.status).toBe(TaskStatus.Completed);
        expect((await store.get(task.id))?.updatedAt).toBe(5);
        expect((await store.get(other.id))?.status).toBe(TaskStatus.Timeout);
        expect((await store.load()).active).toEqual([]);
        // Back to unfinished: the record leaves the finished set again.
        await store.put([makeRecord(TaskStatus.Pending, 1, { task })]);
        expect((await store.load()).active.map((r) => r.task.id)).toEqual([task.id]);
      }),
    );

    it(
      'many concurrent puts all resolve and are all stored',
      withStore(async (store) => {
        const records = Array.from({ length: 300 }, (_, i) => makeRecord(i % 3 === 0 ? TaskStatus.Completed : TaskStatus.Pending, i + 1));
        await Promise.all(records.map((r) => store.put([r])));
        const snapshot = await store.load();
        expect(snapshot.active.map((r) => r.seq)).toEqual(records.filter((r) => r.status === TaskStatus.Pending).map((r) => r.seq));
        expect(snapshot.lastSeq).toBe(300);
        for (const r of records.filter((r) => r.status === TaskStatus.Completed)) expect(await store.get(r.task.id)).toEqual(r);
      }),
    );

    it(
      'getMany reads several records in the order asked, undefined where there is none',
      withStore(async (store) => {
        const a = makeRecord(TaskStatus.Pending, 1);
        const b = makeRecord(TaskStatus.Completed, 2);
        await store.put([a, b]);
        const missing = makeTask().id;
        expect(await store.getMany([b.task.id, missing, a.task.id])).toEqual([b, undefined, a]);
        expect(await store.getMany([])).toEqual([]);
      }),
    );

    it(
      'putIfStatus writes only where the stored status is expected (compare-and-set), in call order with put',
      withStore(async (store) => {
        const pending = makeRecord(TaskStatus.Pending, 1);
        const running = makeRecord(TaskStatus.Running, 2);
        const done = makeRecord(TaskStatus.Completed, 3);
        await store.put([pending, running, done]);
        const absent = makeTask();
        const cancel = (r: TaskRecord) => makeRecord(TaskStatus.Cancelled, r.seq, { task: r.task });
        const written = await store.putIfStatus(
          [cancel(pending), cancel(running), cancel(done), makeRecord(TaskStatus.Cancelled, 4, { task: absent })],
          [TaskStatus.Pending],
        );
        expect(written).toEqual([true, false, false, false]);
        expect((await store.get(pending.task.id))?.status).toBe(TaskStatus.Cancelled);
        expect(await store.get(running.task.id)).toEqual(running);
        expect(await store.get(done.task.id)).toEqual(done);
        expect(await store.get(absent.id)).toBeUndefined();
        // The second CAS sees the first one's write: only one of two racing writers wins.
        const task = makeTask();
        await store.put([makeRecord(TaskStatus.Pending, 5, { task })]);
        const [start, cancelled, after] = await Promise.all([
          store.putIfStatus([makeRecord(TaskStatus.Running, 5, { task })], [TaskStatus.Pending, TaskStatus.Running]),
          store.putIfStatus([makeRecord(TaskStatus.Cancelled, 5, { task })], [TaskStatus.Pending]),
          // A plain put queued after both lands after both.
          store.put([makeRecord(TaskStatus.Completed, 5, { task, updatedAt: 9 })]),
        ]);
        expect(start).toEqual([true]);
        expect(cancelled).toEqual([false]);
        expect(after).toBeUndefined();
        expect((await store.get(task.id))?.status).toBe(TaskStatus.Completed);
        expect(await store.putIfStatus([], [TaskStatus.Pending])).toEqual([]);
      }),
    );

    it(
      'putIfStatus decides each record of a large batch by its own stored status (neighbours, gaps, moved seqs, absent ids)',
      withStore(async (store) => {
        // 40 tasks with neighbouring seqs, as a batch started together has; every fourth was
        // cancelled meanwhile, one is stored under another seq, one id was never stored, and a
        // task that is not in the batch sits inside the seq range.
        const stored = Array.from({ length: 40 }, (_, i) => makeRecord(i % 4 === 3 ? TaskStatus.Cancelled : TaskStatus.Pending, 100 + i));
        const moved = makeRecord(TaskStatus.Pending, 900);
        const bystander = makeRecord(TaskStatus.Pending, 141);
        await store.put([...stored, moved, bystander]);
        const absent = makeTask();
        const start = (r: TaskRecord, seq = r.seq) => makeRecord(TaskStatus.Running, seq, { task: r.task });
        const batch = [...stored.map((r) => start(r)), start(moved, 120), makeRecord(TaskStatus.Running, 142, { task: absent })];
        const written = await store.putIfStatus(batch, [TaskStatus.Pending]);
        expect(written).toEqual([...stored.map((r) => r.status === TaskStatus.Pending), true, false]);
        const after = await store.getMany([...stored.map((r) => r.task.id), moved.task.id, bystander.task.id, absent.id]);
        stored.forEach((r, i) => expect(after[i]?.status).toBe(r.status === TaskStatus.Pending ? TaskStatus.Running : TaskStatus.Cancelled));
        expect(after[40]?.status).toBe(TaskStatus.Running);
        expect(after[41]).toEqual(bystander);
        expect(after[42]).toBeUndefined();
      }),
    );

    it(
      'putIfStatus expecting "not finished" (the scheduler\'s start and end) decides each task alone, also when many calls share a transaction',
      withStore(async (store) => {
        // Pending, Running and finished tasks side by side; one stored under another seq, one
        // never stored, and an unfinished bystander inside the seq range that no call names.
        const statuses = [TaskStatus.Pending, TaskStatus.Running, TaskStatus.Completed, TaskStatus.Cancelled, TaskStatus.Failed, TaskStatus.Timeout];
        const stored = Array.from({ length: 30 }, (_, i) => makeRecord(statuses[i % statuses.length] as Status, 500 + i));
        const moved = makeRecord(TaskStatus.Running, 950);
        const bystander = makeRecord(TaskStatus.Pending, 531);
        await store.put([...stored, moved, bystander]);
        const absent = makeTask();
        const unfinished = [TaskStatus.Pending, TaskStatus.Running];
        const start = (r: TaskRecord, seq = r.seq) => makeRecord(TaskStatus.Running, seq, { task: r.task });
        const isUnfinished = (r: TaskRecord) => r.status === TaskStatus.Pending || r.status === TaskStatus.Running;
        // One call per task, all in the same tick (one transaction in a store with group commit),
        // and one call of several records among them.
        const outcomes = await Promise.all([
          ...stored.slice(0, 20).map((r) => store.putIfStatus([start(r)], unfinished)),
          store.putIfStatus([...stored.slice(20).map((r) => start(r)), start(moved, 512), makeRecord(TaskStatus.Running, 532, { task: absent })], unfinished),
        ]);
        expect(outcomes.slice(0, 20)).toEqual(stored.slice(0, 20).map((r) => [isUnfinished(r)]));
        expect(outcomes[20]).toEqual([...stored.slice(20).map(isUnfinished), true, false]);
        const after = await store.getMany([...stored.map((r) => r.task.id), moved.task.id, bystander.task.id, absent.id]);
        stored.forEach((r, i) => expect(after[i]?.status).toBe(isUnfinished(r) ? TaskStatus.Running : r.status));
        expect(after[30]?.seq).toBe(512);
        expect(after[31]).toEqual(bystander);
        expect(after[32]).toBeUndefined();
        // Alone, one record: a finished task is not started again.
        const done = stored[2] as TaskRecord;
        expect(await store.putIfStatus([start(done)], unfinished)).toEqual([false]);
        expect(await store.putIfStatus([start(moved, 950)], unfinished)).toEqual([true]);
      }),
    );

    it(
      'putIfStatus queued in the same tick as puts sees those puts, whether or not they touch its ids',
      withStore(async (store) => {
        const batch = Array.from({ length: 12 }, (_, i) => makeRecord(TaskStatus.Pending, 200 + i));
        const other = makeRecord(TaskStatus.Pending, 300);
        await store.put([...batch, other]);
        const first = batch[0] as TaskRecord;
        const [, written, , second] = await Promise.all([
          // Ahead of the compare-and-set: one of its own ids cancelled, and an unrelated end.
          store.put([makeRecord(TaskStatus.Cancelled, first.seq, { task: first.task }), makeRecord(TaskStatus.Completed, other.seq, { task: other.task })]),
          store.putIfStatus(batch.map((r) => makeRecord(TaskStatus.Running, r.seq, { task: r.task })), [TaskStatus.Pending]),
          store.put([makeRecord(TaskStatus.Cancelled, 400)]),
          store.putIfStatus(batch.slice(1).map((r) => makeRecord(TaskStatus.Cancelled, r.seq, { task: r.task })), [TaskStatus.Pending]),
        ]);
        expect(written).toEqual([false, ...batch.slice(1).map(() => true)]);
        // The second compare-and-set comes after the first, which started them all.
        expect(second).toEqual(batch.slice(1).map(() => false));
        expect((await store.get(first.task.id))?.status).toBe(TaskStatus.Cancelled);
        expect((await store.get((batch[5] as TaskRecord).task.id))?.status).toBe(TaskStatus.Running);
      }),
    );

    it(
      'prune keeps the newest N finished records and never touches unfinished ones',
      withStore(async (store) => {
        const finished = [1, 2, 3, 4, 5].map((i) => makeRecord(TaskStatus.Completed, i, { updatedAt: 1000 * i }));
        const active = [makeRecord(TaskStatus.Pending, 6, { updatedAt: 1 }), makeRecord(TaskStatus.Running, 7, { updatedAt: 2 })];
        await store.put([...finished, ...active]);
        expect(await store.prune({})).toBe(0);
        expect(await store.prune({ keepLast: 2 })).toBe(3);
        for (const r of finished.slice(0, 3)) expect(await store.get(r.task.id)).toBeUndefined();
        for (const r of finished.slice(3)) expect(await store.get(r.task.id)).toEqual(r);
        expect((await store.load()).active.map((r) => r.seq)).toEqual([6, 7]);
        expect(await store.prune({ keepLast: 2 })).toBe(0);
      }),
    );

    it(
      'prune by age removes finished records older than the cutoff; lastSeq does not go back',
      withStore(async (store) => {
        const now = Date.now();
        const old = [1, 2].map((i) => makeRecord(TaskStatus.Failed, i, { updatedAt: now - 10 * 86_400_000 }));
        const oldestActive = makeRecord(TaskStatus.Pending, 3, { updatedAt: now - 20 * 86_400_000 });
        const fresh = makeRecord(TaskStatus.Cancelled, 4, { updatedAt: now + 86_400_000 });
        const newestOld = makeRecord(TaskStatus.Completed, 9, { updatedAt: now - 10 * 86_400_000 });
        await store.put([...old, oldestActive, fresh, newestOld]);
        expect(await store.prune({ olderThanMs: 86_400_000 })).toBe(3);
        expect(await store.get(fresh.task.id)).toEqual(fresh);
        expect(await store.get(oldestActive.task.id)).toEqual(oldestActive);
        expect(await store.get(newestOld.task.id)).toBeUndefined();
        expect((await store.load()).lastSeq).toBe(9);
      }),
    );

    it(
      'prune with both rules removes what either rule removes',
      withStore(async (store) => {
        const now = Date.now();
        const ages = [9, 8, 1, 1, 1, 1].map((days) => now - days * 86_400_000); // oldest first
        const finished = ages.map((updatedAt, i) => makeRecord(TaskStatus.Completed, i + 1, { updatedAt }));
        await store.put(finished);
        expect(await store.prune({ keepLast: 5, olderThanMs: 7 * 86_400_000 })).toBe(2); // age wins
        expect(await store.prune({ keepLast: 3, olderThanMs: 7 * 86_400_000 })).toBe(1); // count wins
        expect((await Promise.all(finished.map((r) => store.get(r.task.id)))).map((r) => r?.seq)).toEqual([undefined, undefined, undefined, 4, 5, 6]);
      }),
    );

    /** Every page of `query`, following `nextCursor` to the end. */
    const listAll = async (store: TaskStore, query: TaskListQuery): Promise<{ seqs: number[]; pages: number }> => {
      const seqs: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list({ ...query, ...(cursor === undefined ? {} : { cursor }) });
        expect(page.tasks.length).toBeLessThanOrEqual(query.limit ?? 50);
        seqs.push(...page.tasks.map((r) => r.seq));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined);
      return { seqs, pages };
    };

    it(
      'list pages through unfinished tasks newest first, then finished ones most recently ended first, each once',
      withStore(async (store) => {
        const t = 1_700_000_000_000;
        // Finished seqs 1..6 ended in another order than submitted; two ended in the same ms.
        const endedAt = [t + 50, t + 10, t + 30, t + 30, t + 5, t + 70];
        const finished = endedAt.map((updatedAt, i) => makeRecord(i % 2 === 0 ? TaskStatus.Completed : TaskStatus.Failed, i + 1, { updatedAt }));
        const unfinished = [7, 8, 9, 10, 11].map((seq) => makeRecord(seq % 2 === 0 ? TaskStatus.Running : TaskStatus.Pending, seq));
        await store.put([...finished, ...unfinished]);
        const order = [11, 10, 9, 8, 7, 6, 1, 4, 3, 2, 5];
        expect((await store.list()).tasks.map((r) => r.seq)).toEqual(order);
        expect((await store.list()).nextCursor).toBeUndefined();
        for (const limit of [1, 2, 3, 5, 11]) {
          const { seqs, pages } = await listAll(store, { limit });
          expect(seqs).toEqual(order);
          expect(pages).toBe(Math.ceil(order.length / limit));
        }
        // A page's records are the stored ones.
        expect((await store.list({ limit: 1 })).tasks[0]).toEqual(unfinished[4]);
      }),
    );

    it(
      'list filters by status, type and model, and pages the filtered list',
      withStore(async (store) => {
        const records = Array.from({ length: 30 }, (_, i) => {
          const seq = i + 1;
          const status = [TaskStatus.Pending, TaskStatus.Running, TaskStatus.Completed, TaskStatus.Cancelled][i % 4]!;
          const task = makeTask({ type: i % 3 === 0 ? 'EmbeddingGeneration' : 'TextProcessing', ...(i % 5 === 0 ? { modelId: 'use-lite' } : {}) });
          return makeRecord(status, seq, { task, updatedAt: 1_700_000_000_000 + seq });
        });
        await store.put(records);
        const expected = (keep: (r: TaskRecord) => boolean) =>
          records
            .filter(keep)
            .sort((a, b) => Number(isEnded(a)) - Number(isEnded(b)) || b.seq - a.seq)
            .map((r) => r.seq);
        expect((await listAll(store, { status: TaskStatus.Running, limit: 3 })).seqs).toEqual(expected((r) => r.status === TaskStatus.Running));
        const ended: Status[] = [TaskStatus.Completed, TaskStatus.Cancelled];
        expect((await listAll(store, { status: ended, limit: 4 })).seqs).toEqual(expected((r) => ended.includes(r.status)));
        expect((await listAll(store, { type: 'EmbeddingGeneration', limit: 2 })).seqs).toEqual(expected((r) => r.task.type === 'EmbeddingGeneration'));
        expect((await listAll(store, { model: 'use-lite', status: [TaskStatus.Pending, TaskStatus.Completed], limit: 1 })).seqs).toEqual(
          expected((r) => r.task.modelId === 'use-lite' && (r.status === TaskStatus.Pending || r.status === TaskStatus.Completed)),
        );
        expect((await store.list({ model: 'nothing' })).tasks).toEqual([]);
      }),
    );

    it(
      'list refuses a bad query with a ValidationError naming the field',
      withStore(async (store) => {
        await store.put([makeRecord(TaskStatus.Pending, 1)]);
        for (const [query, field] of [
          [{ limit: 0 }, 'limit'],
          [{ limit: 1001 }, 'limit'],
          [{ limit: 2.5 }, 'limit'],
          [{ cursor: 'page-2' }, 'cursor'],
          [{ status: 'Done' }, 'status'],
          [{ status: [] }, 'status'],
          [{ type: '' }, 'type'],
        ] as [TaskListQuery, string][]) {
          await expect(store.list(query)).rejects.toMatchObject({ name: 'ValidationError', field });
        }
      }),
    );

    it.skipIf(options.unstorable === undefined)(
      'a put the store refuses writes none of its records and fails no other put of the same moment',
      withStore(async (store) => {
        const bad = options.unstorable!();
        const a = makeRecord(TaskStatus.Pending, 1);
        const b = makeRecord(TaskStatus.Pending, 2);
        const c = makeRecord(TaskStatus.Completed, 4);
        const outcomes = await Promise.allSettled([store.put([a]), store.put([b, bad]), store.put([c])]);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        const error = (outcomes[1] as PromiseRejectedResult).reason as { code?: string; details?: Record<string, unknown> };
        expect(['validation', 'persistence']).toContain(error.code);
        expect(error.details?.['taskId']).toBe(bad.task.id);
        expect(await store.get(a.task.id)).toEqual(a);
        expect(await store.get(c.task.id)).toEqual(c);
        expect(await store.get(b.task.id)).toBeUndefined();
        expect(await store.get(bad.task.id)).toBeUndefined();
      }),
    );

    it.skipIf(options.reopen === undefined)('what put resolved is there after the store is reopened', async () => {
      let store = await makeStore();
      const records = Array.from({ length: 20 }, (_, i) => makeRecord(i < 10 ? TaskStatus.Pending : TaskStatus.Completed, i + 1));
      await Promise.all(records.map((r) => store.put([r])));
      store = await options.reopen!(store);
      try {
        const snapshot = await store.load();
        expect(snapshot.active).toEqual(records.slice(0, 10));
        expect(snapshot.lastSeq).toBe(20);
        expect(await store.get(records[15]!.task.id)).toEqual(records[15]);
      } finally {
        await store.close();
      }
    });
  });
}
