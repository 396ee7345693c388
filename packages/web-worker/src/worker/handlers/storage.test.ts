/**
 * DataStorage / DataRetrieval / VectorSearch against real IndexedDB in Chromium: the handlers
 * called directly (as the worker runtime calls them), and through real workers of the pool.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TaskScheduler, TaskStatus, type Task, type TaskId, type TaskInput, type TaskOutput } from '@taskweave/core';
import type { HandlerContext } from '../runtime/handler.js';
import { dataRetrievalHandler, dataStorageHandler } from './storage.js';
import { vectorSearchHandler } from './vector.js';
import { CollectionStore } from '../collections/collectionStore.js';
import { syncedIndex } from '../collections/collectionIndex.js';
import { naiveTopK } from '../search/naiveTopK.js';
import { createWorkerPool, type WorkerPool } from '../../index.js';
import { DB_VERSION, IdbTaskStore, databaseName } from '@taskweave/core/idb';
import { openDB } from 'idb';
import { prng } from '../../../../../scripts/prng.mjs';

let dbCounter = 0;
const freshDb = () => `storage-test-${Date.now()}-${++dbCounter}`;

function ctx(): HandlerContext & { transferred: Transferable[] } {
  const transferred: Transferable[] = [];
  return {
    signal: new AbortController().signal,
    backend: 'auto',
    reportMetrics() {},
    progress() {},
    transfer: (...buffers) => transferred.push(...buffers),
    dependencies: [],
    idempotencyKey: 'storage-test',
    emit() {},
    checkpoint: async () => undefined,
    resumeFrom: undefined,
    transferred,
  };
}

function task(type: Task['type'], input: TaskInput, database: string, extra: Partial<Task> = {}): Task {
  return {
    id: crypto.randomUUID() as TaskId,
    type,
    priority: 1,
    input,
    retryCount: 0,
    maxRetries: 0,
    dependencies: [],
    metadata: { database },
    createdAt: Date.now(),
    ...extra,
  };
}

const store = (db: string, value: unknown, extra: Partial<Task> = {}) => dataStorageHandler(task('DataStorage', { kind: 'custom', value }, db, extra), ctx());
const retrieve = async (db: string, value: unknown) => {
  const out = await dataRetrievalHandler(task('DataRetrieval', { kind: 'custom', value }, db), ctx());
  if (out.kind !== 'documents') throw new Error(`unexpected output ${out.kind}`);
  return out;
};
const search = async (db: string, query: Record<string, unknown>) => {
  const out = await vectorSearchHandler(task('VectorSearch', { kind: 'query', query: { topK: 10, ...query } as never }, db), ctx());
  if (out.kind !== 'searchResults') throw new Error(`unexpected output ${out.kind}`);
  return out.hits;
};
async function rejection(promise: Promise<unknown>): Promise<{ code?: string; field?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; field?: string };
  }
  throw new Error('expected a rejection');
}

const randomVectors = (n: number, dims: number, seed: number) => {
  const rand = prng(seed);
  return Array.from({ length: n }, () => Array.from({ length: dims }, () => Math.fround(rand() * 2 - 1)));
};

describe('DataStorage and DataRetrieval', () => {
  it('stores documents (ids kept or generated) and reads them back by id, vectors as Float32Array', async () => {
    const db = freshDb();
    const out = await store(db, {
      collection: 'notes',
      documents: [
        { id: 'a', text: 'alpha', vector: [1, 0, 0], metadata: { lang: 'en', n: 1 } },
        { text: 'beta', vector: new Float32Array([0, 1, 0]) },
        { id: 'c', text: 'gamma only text' },
      ],
    });
    expect(out.kind).toBe('stored');
    const ids = (out as Extract<TaskOutput, { kind: 'stored' }>).ids;
    expect(ids[0]).toBe('a');
    // No id given: `<task id>:<index>`, the same on every run of the task.
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}:1$/);
    expect(ids[2]).toBe('c');
    const got = await retrieve(db, { collection: 'notes', ids: ['c', 'missing', 'a', ids[1]] });
    expect(got.documents.map((d) => d.id)).toEqual(['c', 'a', ids[1]]);
    expect(got.documents[1]).toEqual({ id: 'a', text: 'alpha', vector: new Float32Array([1, 0, 0]), metadata: { lang: 'en', n: 1 } });
    expect(got.documents[1]!.vector).toBeInstanceOf(Float32Array);
    expect(got.documents[0]!.vector).toBeUndefined();
    const lean = await retrieve(db, { collection: 'notes', ids: ['a'], includeVectors: false });
    expect(lean.documents[0]!.vector).toBeUndefined();
  });

  it('lists a collection in pages with a cursor, with or without a metadata filter', async () => {
    const db = freshDb();
    const documents = Array.from({ length: 25 }, (_, i) => ({ id: `d${i}`, text: `doc ${i}`, metadata: { parity: i % 2 === 0 ? 'even' : 'odd', i } }));
    await store(db, { collection: 'c', documents });
    // Replacing a document keeps its place in the listing.
    await store(db, { collection: 'c', documents: [{ id: 'd3', text: 'doc 3 again', metadata: { parity: 'odd', i: 3 } }] });
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await retrieve(db, { collection: 'c', limit: 10, ...(cursor === undefined ? {} : { cursor }) });
      pages.push(page.documents.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(documents.map((d) => d.id));
    const filtered: string[] = [];
    cursor = undefined;
    let calls = 0;
    do {
      const page = await retrieve(db, { collection: 'c', limit: 4, filter: { parity: 'odd' }, ...(cursor === undefined ? {} : { cursor }) });
      filtered.push(...page.documents.map((d) => d.id));
      cursor = page.nextCursor;
      calls++;
    } while (cursor !== undefined);
    expect(filtered).toEqual(documents.filter((d) => d.metadata.parity === 'odd').map((d) => d.id));
    expect(calls).toBe(3); // 12 odd documents: 4 + 4 + 4, and no empty page after the last
    expect((await retrieve(db, { collection: 'c', ids: ['d3', 'd4'], filter: { parity: 'odd' } })).documents.map((d) => d.text)).toEqual(['doc 3 again']);
  });

  it('refuses bad input with a ValidationError naming the field, and writes nothing', async () => {
    const db = freshDb();
    await store(db, { collection: 'v', documents: [{ id: 'x', vector: [1, 2, 3] }] });
    const cases: [unknown, string][] = [
      [{ collection: '', documents: [] }, 'input.value.collection'],
      [{ collection: 'v', documents: [{ id: 'y', vector: [1, 2, 3] }, { id: 'z', vector: [1, 2] }] }, 'input.value.documents.1.vector'],
      [{ collection: 'v', documents: [{ id: 'y', vector: [1, 2, 3, 4] }] }, 'input.value.documents.0.vector'],
      [{ collection: 'v', documents: [{ id: 'y', vector: [0, 0, 0] }] }, 'input.value.documents.0.vector'],
      [{ collection: 'v', documents: [{ id: 'y' }] }, 'input.value.documents.0.text'],
      [{ collection: 'v', documents: [{ id: 'y', text: 't', metadata: { deep: { no: 1 } } }] }, 'input.value.documents.0.metadata.deep'],
      [{ collection: 'v', documnets: [] }, 'input.value'],
    ];
    for (const [value, field] of cases) {
      const error = await rejection(store(db, value));
      expect(error.code, field).toBe('validation');
      expect(error.field, JSON.stringify(value)).toBe(field);
    }
    const badCursor = await rejection(retrieve(db, { collection: 'v', cursor: 'abc' }));
    expect(badCursor.field).toBe('input.value.cursor');
    const wrongKind = await rejection(dataStorageHandler(task('DataStorage', { kind: 'binary', data: new Uint8Array(1) }, db), ctx()));
    expect(wrongKind.field).toBe('input.kind');
    expect((await retrieve(db, { collection: 'v' })).documents.map((d) => d.id)).toEqual(['x']);
  });

  it('refuses blank text that would need embedding, naming the document', async () => {
    const db = freshDb();
    const error = await rejection(store(db, { collection: 't', documents: [{ text: 'fine' }, { text: '   ' }] }, { modelId: 'use-lite' }));
    expect(error.code).toBe('validation');
    expect(error.field).toBe('input.value.documents.1.text');
    expect(await CollectionStore.for(db).info('t')).toBeUndefined();
  });
});

describe('DataStorage runs once per task', () => {
  it('a task run again (reload, crash after the commit) finds its receipt: same ids, nothing written twice', async () => {
    const db = freshDb();
    const t = task('DataStorage', { kind: 'custom', value: { collection: 'c', documents: [{ vector: [1, 0] }, { id: 'mine', vector: [0, 1] }] } }, db);
    const first = await dataStorageHandler(t, ctx());
    expect(first).toEqual({ kind: 'stored', ids: [`${t.id}:0`, 'mine'] });
    const before = await CollectionStore.for(db).info('c');
    const again = await dataStorageHandler({ ...t, retryCount: 1 }, ctx());
    expect(again).toEqual(first);
    const after = await CollectionStore.for(db).info('c');
    expect(after?.count).toBe(2);
    expect(after?.version).toBe(before?.version);
    expect((await CollectionStore.for(db).receipt(t.id))?.ids).toEqual(first.kind === 'stored' ? first.ids : []);
  });

  it('the receipt commits with the documents: a write that fails leaves neither', async () => {
    const db = freshDb();
    await store(db, { collection: 'c', documents: [{ vector: [1, 0, 0] }] });
    const t = task('DataStorage', { kind: 'custom', value: { collection: 'c', documents: [{ vector: [1, 0] }] } }, db);
    const failure = await rejection(dataStorageHandler(t, ctx()));
    expect(failure.code).toBe('validation');
    expect(await CollectionStore.for(db).receipt(t.id)).toBeUndefined();
    expect((await CollectionStore.for(db).info('c'))?.count).toBe(1);
  });
});

describe('VectorSearch', () => {
  it('returns the naive loop’s top-k and follows this worker’s own writes', async () => {
    const db = freshDb();
    const dims = 32;
    const vectors = randomVectors(400, dims, 3);
    const ids = vectors.map((_, i) => `v${String(i).padStart(3, '0')}`);
    await store(db, { collection: 'vec', documents: vectors.map((vector, i) => ({ id: ids[i], vector, text: `text ${i}`, metadata: { group: i % 4 } })) });
    const [q] = randomVectors(1, dims, 11) as [number[]];
    const hits = await search(db, { collection: 'vec', vector: q, topK: 10 });
    expect(hits.map((h) => h.id)).toEqual(naiveTopK(ids, vectors, q, 10).map((h) => h.id));
    expect(hits[0]!.text).toBe(`text ${ids.indexOf(hits[0]!.id)}`);
    const g2 = (await search(db, { collection: 'vec', vector: q, topK: 5, filter: { group: 2 } })).map((h) => h.id);
    expect(g2).toEqual(naiveTopK(ids.filter((_, i) => i % 4 === 2), vectors.filter((_, i) => i % 4 === 2), q, 5).map((h) => h.id));
    // Make a new best match and delete the old one: the next search sees both.
    const best = hits[0]!.id;
    await store(db, { collection: 'vec', documents: [{ id: 'new', vector: q, text: 'the query itself' }], delete: [best] });
    const after = await search(db, { collection: 'vec', vector: q, topK: 3 });
    expect(after[0]).toMatchObject({ id: 'new', text: 'the query itself' });
    expect(after[0]!.score).toBeCloseTo(1, 6);
    expect(after.map((h) => h.id)).not.toContain(best);
    expect((await search(db, { collection: 'vec', vector: q, topK: 50, minScore: 0.3 })).every((h) => h.score >= 0.3)).toBe(true);
  });

  it('catches up with writes made by another worker: by the change log, or by a reload when it is too far behind', async () => {
    const db = freshDb();
    await store(db, { collection: 'sync', documents: [{ id: 'a', vector: [1, 0, 0, 0] }, { id: 'b', vector: [0, 1, 0, 0] }] });
    expect((await syncedIndex(db, 'sync')).sync).toBe('reload');
    expect((await syncedIndex(db, 'sync')).sync).toBe('current');
    // Another worker's write: straight to IndexedDB, this worker's index is not told.
    const other = CollectionStore.for(db);
    await other.write('sync', [{ id: 'c', vector: new Float32Array([0, 0, 1, 0]) }], ['a'], () => {});
    await other.write('sync', [{ id: 'b', vector: new Float32Array([0, 0, 0, 1]) }], [], () => {});
    const caught = await syncedIndex(db, 'sync');
    expect(caught.sync).toBe('incremental');
    expect(caught.index?.size).toBe(2);
    expect((await search(db, { collection: 'sync', vector: [0, 0, 0.1, 1], topK: 5 })).map((h) => h.id)).toEqual(['b', 'c']);
    for (let i = 0; i < 70; i++) await other.write('sync', [{ id: `n${i}`, vector: new Float32Array([1, 1, i, 0]) }], [], () => {});
    const far = await syncedIndex(db, 'sync');
    expect(far.sync).toBe('reload'); // the change log keeps the last 64 writes only
    expect(far.index?.size).toBe(72);
  });

  it('refuses a query of the wrong size, a text query without a model, and an unknown collection', async () => {
    const db = freshDb();
    await store(db, { collection: 'q', documents: [{ id: 'a', vector: [1, 2, 3] }] });
    expect((await rejection(search(db, { collection: 'q', vector: [1, 2] }))).field).toBe('input.query.vector');
    expect((await rejection(search(db, { collection: 'q', text: 'hello' }))).field).toBe('modelId');
    expect((await rejection(search(db, { collection: 'q', topK: 0, vector: [1, 2, 3] }))).field).toBe('input.query.topK');
    const missing = await rejection(search(db, { collection: 'nope', vector: [1, 2, 3] }));
    expect(missing.code).toBe('not-found');
    // DataRetrieval with a query: the documents of the hits, best first.
    const out = await dataRetrievalHandler(task('DataRetrieval', { kind: 'query', query: { collection: 'q', vector: [1, 2, 3], topK: 1 } }, db), ctx());
    expect(out).toEqual({ kind: 'documents', documents: [{ id: 'a', vector: new Float32Array([1, 2, 3]) }] });
  });
});

describe('collections in a database another opener made', () => {
  async function version(db: string): Promise<{ version: number; stores: string[] }> {
    const raw = await openDB(databaseName(db));
    const out = { version: raw.version, stores: [...raw.objectStoreNames].sort() };
    raw.close();
    return out;
  }

  it('a v3 database of the layout before store extensions is read, searched and written as it is', async () => {
    const db = freshDb();
    // What the task store's own v3 upgrade created before the collections were declared here.
    const old = await openDB(databaseName(db), 3, {
      upgrade(raw) {
        const tasks = raw.createObjectStore('tasks', { keyPath: 'task.id' });
        tasks.createIndex('seq', 'seq');
        tasks.createIndex('active', 'activeSeq');
        tasks.createIndex('done', ['doneAt', 'seq']);
        raw.createObjectStore('quarantine', { keyPath: 'key' });
        raw.createObjectStore('meta', { keyPath: 'key' });
        raw.createObjectStore('documents', { keyPath: ['collection', 'id'] }).createIndex('collection', ['collection', 'seq'], { unique: true });
        raw.createObjectStore('collections', { keyPath: 'name' });
      },
    });
    await old.put('documents', { collection: 'old', id: 'a', text: 'kept', vector: new Float32Array([1, 0]), seq: 0 });
    await old.put('collections', { name: 'old', version: 1, nextSeq: 1, dims: 2, count: 1, changes: [{ version: 1, upserts: ['a'], deletes: [] }] });
    old.close();

    expect((await retrieve(db, { collection: 'old', ids: ['a'] })).documents).toEqual([{ id: 'a', text: 'kept', vector: new Float32Array([1, 0]) }]);
    await store(db, { collection: 'old', documents: [{ id: 'b', vector: [0, 1] }] });
    expect((await search(db, { collection: 'old', vector: [0.1, 1], topK: 2 })).map((h) => h.id)).toEqual(['b', 'a']);
    // Its data read and written as it was; the one store added since (receipts) came with one upgrade.
    expect(await version(db)).toEqual({ version: 4, stores: ['collections', 'documents', 'meta', 'quarantine', 'receipts', 'tasks'] });
  });

  it('a database a task store without the collections created gets them from the first storage task, tasks kept', async () => {
    const db = freshDb();
    const tasks = await new IdbTaskStore({ name: db }).open();
    const id = crypto.randomUUID() as TaskId;
    const record = { task: task('TextProcessing', { kind: 'text', text: 'x' }, db, { id }), status: TaskStatus.Pending, seq: 1, updatedAt: Date.now() };
    await tasks.put([record]);
    expect((await version(db)).stores).toEqual(['meta', 'quarantine', 'tasks']);

    // The task store keeps its connection open: it steps aside for the upgrade and reopens.
    await store(db, { collection: 'new', documents: [{ id: 'a', text: 'now here' }] });
    expect((await retrieve(db, { collection: 'new', ids: ['a'] })).documents).toEqual([{ id: 'a', text: 'now here' }]);
    expect(await tasks.get(id)).toEqual(record);
    await tasks.close();
    expect(await version(db)).toEqual({ version: DB_VERSION + 1, stores: ['collections', 'documents', 'meta', 'quarantine', 'receipts', 'tasks'] });
  });
});

describe('storage and search in real workers', () => {
  let pool: WorkerPool | undefined;
  let scheduler: TaskScheduler | undefined;
  afterEach(async () => {
    await scheduler?.close();
    scheduler = undefined;
    pool = undefined;
  });

  it('a write in one worker is seen by a search in the other', async () => {
    pool = createWorkerPool({
      size: 2,
      createWorker: () => new Worker(new URL('../entry.ts', import.meta.url), { type: 'module' }),
    });
    scheduler = new TaskScheduler({ executor: pool, concurrency: 2 });
    const db = freshDb();
    const metadata = { database: db };
    const s = scheduler;
    const submitStore = (documents: unknown[]) =>
      s.submit({ type: 'DataStorage', input: { kind: 'custom', value: { collection: 'shared', documents } }, metadata });
    const submitSearch = (vector: number[]) =>
      s.submit({ type: 'VectorSearch', input: { kind: 'query', query: { collection: 'shared', vector, topK: 2 } }, metadata });
    const first = await s.wait(await submitStore([{ id: 'x', vector: [1, 0] }, { id: 'y', vector: [0, 1] }]));
    expect(first.status, first.error).toBe(TaskStatus.Completed);
    // Four concurrent searches: both workers load the collection into their index.
    const warm = await Promise.all([0, 1, 2, 3].map(async () => s.wait(await submitSearch([1, 0.1]))));
    expect(warm.every((r) => r.status === TaskStatus.Completed && r.output.kind === 'searchResults' && r.output.hits[0]?.id === 'x')).toBe(true);
    await s.wait(await submitStore([{ id: 'z', vector: [1, 0.1] }]));
    const after = await Promise.all([0, 1, 2, 3].map(async () => s.wait(await submitSearch([1, 0.1]))));
    for (const r of after) {
      expect(r.status, r.error).toBe(TaskStatus.Completed);
      expect(r.output.kind === 'searchResults' && r.output.hits.map((h) => h.id)).toEqual(['z', 'x']);
    }
    const bad = await s.wait(await submitSearch([1, 0, 0]));
    expect(bad.status).toBe(TaskStatus.Failed);
    expect(bad.errorCode).toBe('validation');
  });
});

describe('storage → search round trip with use-lite embeddings (real model, real worker)', () => {
  it('embeds stored texts and a text query, and ranks the semantically right document first', { timeout: 120_000 }, async () => {
    const pool = createWorkerPool({ size: 1 });
    const scheduler = new TaskScheduler({ executor: pool });
    try {
      const metadata = { database: freshDb() };
      const documents = [
        { id: 'cat', text: 'a cat sits on the mat', metadata: { topic: 'pets' } },
        { id: 'stocks', text: 'stock markets fell sharply today', metadata: { topic: 'finance' } },
        { id: 'rain', text: 'heavy rain is expected tomorrow afternoon', metadata: { topic: 'weather' } },
        { id: 'compiler', text: 'the compiler reported a type error', metadata: { topic: 'code' } },
      ];
      const stored = await scheduler.wait(
        await scheduler.submit({ type: 'DataStorage', modelId: 'use-lite', input: { kind: 'custom', value: { collection: 'notes', documents } }, metadata }),
      );
      expect(stored.status, stored.error).toBe(TaskStatus.Completed);
      expect(stored.output).toEqual({ kind: 'stored', ids: ['cat', 'stocks', 'rain', 'compiler'] });
      const ask = async (text: string) => {
        const r = await scheduler.wait(
          await scheduler.submit({ type: 'VectorSearch', modelId: 'use-lite', input: { kind: 'query', query: { collection: 'notes', text, topK: 4 } }, metadata }),
        );
        expect(r.status, r.error).toBe(TaskStatus.Completed);
        if (r.output.kind !== 'searchResults') throw new Error(r.output.kind);
        return r.output.hits;
      };
      const kitten = await ask('a kitten is lying on the rug');
      expect(kitten[0]).toMatchObject({ id: 'cat', text: 'a cat sits on the mat', metadata: { topic: 'pets' } });
      expect(kitten).toHaveLength(4);
      expect((await ask('the weather forecast says it will pour'))[0]?.id).toBe('rain');
      expect((await ask('shares dropped on the exchange'))[0]?.id).toBe('stocks');
      // The stored vectors are the model's 512-d unit embeddings.
      const got = await scheduler.wait(
        await scheduler.submit({ type: 'DataRetrieval', input: { kind: 'custom', value: { collection: 'notes', ids: ['cat'] } }, metadata }),
      );
      const vector = got.output.kind === 'documents' ? got.output.documents[0]?.vector : undefined;
      expect(vector?.length).toBe(512);
      expect(Math.hypot(...(vector ?? []))).toBeCloseTo(1, 4);
    } finally {
      await scheduler.close();
    }
  });
});
