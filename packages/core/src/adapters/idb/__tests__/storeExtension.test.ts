import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDB, type DBSchema } from 'idb';
import { PersistenceError, ValidationError } from '../../../errors.js';
import { TaskStatus } from '../../../task.js';
import { makeRecord } from '../../../__tests__/taskStoreContract.js';
import { TaskweaveConnection } from '../connection.js';
import { IdbTaskStore } from '../idbTaskStore.js';
import { DB_VERSION, databaseName, openTaskweaveDb, toTaskRow } from '../schema.js';
import { defineStoreExtension } from '../storeExtension.js';
import { createV2TaskStores } from '../../../__tests__/oldIdbLayouts.js';

let counter = 0;
const freshName = () => `ext-${process.pid}-${++counter}`;

/** The worker package's collections as they were stored at v3 (before store extensions). */
interface CollectionsDB extends DBSchema {
  documents: { key: [string, string]; value: { collection: string; id: string; text?: string; vector?: Float32Array; seq: number }; indexes: { collection: [string, number] } };
  collections: { key: string; value: { name: string; version: number; nextSeq: number; dims: number; count: number; changes: unknown[] } };
}

const collections = defineStoreExtension<CollectionsDB>({
  name: 'test/collections',
  stores: {
    documents: { keyPath: ['collection', 'id'], indexes: { collection: { keyPath: ['collection', 'seq'], unique: true } } },
    collections: { keyPath: 'name' },
  },
});

const doc = { collection: 'notes', id: 'a', text: 'hello', vector: new Float32Array([0.5, 0.25]), seq: 0 };
const colRow = { name: 'notes', version: 1, nextSeq: 1, dims: 2, count: 1, changes: [{ version: 1, upserts: ['a'], deletes: [] }] };

async function raw(name: string) {
  const db = await openDB(databaseName(name));
  const result = { version: db.version, stores: [...db.objectStoreNames].sort() };
  db.close();
  return result;
}

describe('store extensions: databases written before them', () => {
  it('a v3 database of the old layout opens with all its data: tasks, documents and collections kept, one upgrade (the retired seq index)', async () => {
    const name = freshName();
    const pending = makeRecord(TaskStatus.Pending, 1);
    const done = makeRecord(TaskStatus.Completed, 2);
    // The v3 layout exactly as the code before store extensions created it (core created all five stores).
    const old = await openDB(databaseName(name), 3, {
      upgrade(db) {
        createV2TaskStores(db);
        db.createObjectStore('documents', { keyPath: ['collection', 'id'] }).createIndex('collection', ['collection', 'seq'], { unique: true });
        db.createObjectStore('collections', { keyPath: 'name' });
      },
    });
    await old.put('tasks', toTaskRow(pending));
    await old.put('tasks', toTaskRow(done));
    await old.put('meta', { key: 'lastSeq', value: 2 });
    await old.put('documents', doc);
    await old.put('collections', colRow);
    old.close();

    // The page's task store, which does not know the collections, leaves them alone.
    const store = new IdbTaskStore({ name });
    expect((await store.load()).active).toEqual([pending]);
    expect(await store.get(done.task.id)).toEqual(done);
    await store.close();

    // The worker's side, with the extension: same layout, so nothing to create. The task store's
    // first open dropped its retired `seq` index (one version more), and nothing else.
    const db = await openTaskweaveDb<CollectionsDB>(name, { extensions: [collections] });
    expect(db.version).toBe(4);
    expect([...db.transaction('tasks').store.indexNames].sort()).toEqual(['active', 'done']);
    expect(await db.get('documents', ['notes', 'a'])).toEqual(doc);
    expect(await db.get('collections', 'notes')).toEqual(colRow);
    expect(await db.getAllFromIndex('documents', 'collection', IDBKeyRange.bound(['notes', -1], ['notes', Infinity]))).toEqual([doc]);
    db.close();
    expect(await raw(name)).toEqual({ version: 4, stores: ['collections', 'documents', 'meta', 'quarantine', 'tasks'] });
  });

  it('a v2 database gets the task store migration and the extension stores in one upgrade to v3', async () => {
    const name = freshName();
    const record = makeRecord(TaskStatus.Running, 4);
    const v2 = await openDB(databaseName(name), 2, {
      upgrade(db) {
        createV2TaskStores(db);
      },
    });
    await v2.put('tasks', toTaskRow(record));
    v2.close();

    const store = new IdbTaskStore({ name, extensions: [collections] });
    expect((await store.load()).active).toEqual([record]);
    await store.close();
    expect(await raw(name)).toEqual({ version: DB_VERSION, stores: ['collections', 'documents', 'meta', 'quarantine', 'tasks'] });
  });
});

describe('store extensions: a database first opened without them', () => {
  it('gets the stores from the next opener that declares them (one version up), with its tasks kept', async () => {
    const name = freshName();
    // A page without the worker package creates the database and keeps its connection open.
    const page = new IdbTaskStore({ name });
    await page.put([makeRecord(TaskStatus.Pending, 1)]);
    expect(await raw(name)).toEqual({ version: DB_VERSION, stores: ['meta', 'quarantine', 'tasks'] });

    // The worker opens with the extension: the page's connection steps aside instead of blocking the upgrade.
    const worker = await openTaskweaveDb<CollectionsDB>(name, { extensions: [collections] });
    expect(worker.version).toBe(DB_VERSION + 1);
    await worker.put('documents', doc);
    await worker.put('collections', colRow);

    // The page goes on writing (it reopens at the new version) and sees every task.
    await page.put([makeRecord(TaskStatus.Pending, 2)]);
    expect((await page.load()).active.map((r) => r.seq)).toEqual([1, 2]);
    await page.close();

    // Neither another opener without the extension nor one with it changes the version again.
    await new IdbTaskStore({ name }).open().then((s) => s.close());
    worker.close();
    const again = await openTaskweaveDb<CollectionsDB>(name, { extensions: [collections] });
    expect(again.version).toBe(DB_VERSION + 1);
    expect(await again.get('documents', ['notes', 'a'])).toEqual(doc);
    again.close();
    expect(await raw(name)).toEqual({ version: DB_VERSION + 1, stores: ['collections', 'documents', 'meta', 'quarantine', 'tasks'] });
  });

  it('adds an index a later declaration of the same store has, keeping the rows', async () => {
    const name = freshName();
    interface NotesDB extends DBSchema {
      notes: { key: string; value: { id: string; tag: string }; indexes: { byTag: string } };
    }
    const before = defineStoreExtension({ name: 'test/notes', stores: { notes: { keyPath: 'id' } } });
    const after = defineStoreExtension<NotesDB>({ name: 'test/notes', stores: { notes: { keyPath: 'id', indexes: { byTag: { keyPath: 'tag' } } } } });
    const first = await openTaskweaveDb<NotesDB>(name, { extensions: [before] });
    await first.put('notes', { id: 'n1', tag: 'red' });
    first.close();
    const second = await openTaskweaveDb<NotesDB>(name, { extensions: [after] });
    expect(second.version).toBe(DB_VERSION + 1);
    expect(await second.getAllFromIndex('notes', 'byTag', 'red')).toEqual([{ id: 'n1', tag: 'red' }]);
    second.close();
  });

  it('two openers with different extensions at once both get their stores', async () => {
    const name = freshName();
    const a = defineStoreExtension({ name: 'test/a', stores: { a: { keyPath: 'id' } } });
    const b = defineStoreExtension({ name: 'test/b', stores: { b: { keyPath: 'id' } } });
    const refuse = (error: unknown) => error as Error;
    // Connections that step aside on versionchange, as every opener of the packages does.
    const connA = new TaskweaveConnection(name, refuse, { extensions: [a] });
    const connB = new TaskweaveConnection(name, refuse, { extensions: [b] });
    await Promise.all([connA.get(), connB.get()]);
    // Whichever was handed out first may have been closed by the other's upgrade: a reopen has everything.
    const [dbA, dbB] = await Promise.all([connA.get(), connB.get()]);
    expect([...dbA.objectStoreNames]).toContain('a');
    expect([...dbB.objectStoreNames]).toContain('b');
    await connA.close();
    await connB.close();
    expect((await raw(name)).stores).toEqual(['a', 'b', 'meta', 'quarantine', 'tasks']);
  });
});

describe('store extensions: refused declarations', () => {
  it('defineStoreExtension names the bad field', () => {
    const declare = (stores: Record<string, unknown>) => () =>
      defineStoreExtension({ name: 'test/bad', stores } as Parameters<typeof defineStoreExtension>[0]);
    expect(declare({ tasks: { keyPath: 'id' } })).toThrow(ValidationError);
    expect(declare({ tasks: { keyPath: 'id' } })).toThrow(/stores\.tasks/);
    expect(declare({ notes: { keyPath: '' } })).toThrow(/stores\.notes\.keyPath/);
    expect(declare({ notes: { keyPath: 'id', indexes: { byTag: { keyPath: [] } } } })).toThrow(/stores\.notes\.indexes\.byTag\.keyPath/);
  });

  it('two extensions that declare one store differently are refused at open', async () => {
    const a = defineStoreExtension({ name: 'test/a', stores: { shared: { keyPath: 'id' } } });
    const b = defineStoreExtension({ name: 'test/b', stores: { shared: { keyPath: 'key' } } });
    await expect(openTaskweaveDb(freshName(), { extensions: [a, b] })).rejects.toBeInstanceOf(ValidationError);
    await expect(openTaskweaveDb(freshName(), { extensions: [a, a] })).resolves.toBeDefined();
  });

  it('a store that exists with another key path is a corrupt database, not silently reused', async () => {
    const name = freshName();
    const a = defineStoreExtension({ name: 'test/a', stores: { shared: { keyPath: 'id' } } });
    const b = defineStoreExtension({ name: 'test/b', stores: { shared: { keyPath: 'key' } } });
    (await openTaskweaveDb(name, { extensions: [a] })).close();
    await expect(openTaskweaveDb(name, { extensions: [b] })).rejects.toMatchObject({ code: 'persistence', reason: 'corrupt' });
    const store = new IdbTaskStore({ name, extensions: [b] });
    await expect(store.load()).rejects.toBeInstanceOf(PersistenceError);
    await expect(store.load()).rejects.toMatchObject({ reason: 'corrupt', message: expect.stringMatching(/shared/) });
    await store.close();
  });
});
