import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDB } from 'idb';
import { PersistenceError, isTaskweaveError } from '../../../errors.js';
import { TaskStatus, type TaskId } from '../../../task.js';
import type { TaskRecord } from '../../../ports.js';
import { describeTaskStoreContract, makeRecord, makeTask } from '../../../__tests__/taskStoreContract.js';
import { IdbTaskStore } from '../idbTaskStore.js';
import { databaseName, DB_VERSION } from '../schema.js';
import { keyRuns } from '../bulkDelete.js';
import { createV2TaskStores } from '../../../__tests__/oldIdbLayouts.js';

let counter = 0;
const freshName = () => `test-${process.pid}-${++counter}`;

describeTaskStoreContract('IdbTaskStore (fake-indexeddb)', () => new IdbTaskStore({ name: freshName() }), {
  reopen: async (store) => {
    await store.close();
    return new IdbTaskStore({ name: (store as IdbTaskStore).name });
  },
  // A Proxy passes the submit schema (it holds no function) but structured clone refuses it.
  unstorable: () =>
    makeRecord(TaskStatus.Pending, 3, { task: makeTask({ type: 'custom:x', input: { kind: 'custom', value: { view: new Proxy({ a: 1 }, {}) } } }) }),
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Counts readwrite transactions opened on any connection, and whether each completed. */
function spyWriteTransactions() {
  const txs: { tx: IDBTransaction; completed: boolean }[] = [];
  const original = IDBDatabase.prototype.transaction;
  vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
    const tx = original.apply(this, args);
    if (args[1] === 'readwrite') {
      const entry = { tx, completed: false };
      tx.addEventListener('complete', () => {
        entry.completed = true;
      });
      txs.push(entry);
    }
    return tx;
  });
  return txs;
}

async function rawRows(name: string, store: 'tasks' | 'quarantine' = 'tasks') {
  const db = await openDB(databaseName(name));
  try {
    return await db.getAll(store);
  } finally {
    db.close();
  }
}

describe('IdbTaskStore group commit', () => {
  it('coalesces concurrent puts into far fewer transactions, each resolving after its own commit', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name }).open();
    const txs = spyWriteTransactions();
    const txOfTask = new Map<string, IDBTransaction>();
    const originalPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      const id = (value as { task?: { id: string } }).task?.id; // meta's lastSeq is written too
      if (id !== undefined) txOfTask.set(id, this.transaction);
      return originalPut.call(this, value, key);
    });
    const records = Array.from({ length: 200 }, (_, i) => makeRecord(TaskStatus.Pending, i + 1));
    const committedBeforeAck: boolean[] = [];
    await Promise.all(
      records.map((r) =>
        store.put([r]).then(() => {
          const tx = txOfTask.get(r.task.id);
          committedBeforeAck.push(txs.find((t) => t.tx === tx)?.completed === true);
        }),
      ),
    );
    // One transaction per put would be 200; group commit needs one (two if a flush splits).
    expect(txs.length).toBeGreaterThanOrEqual(1);
    expect(txs.length).toBeLessThanOrEqual(2);
    expect(committedBeforeAck).toHaveLength(200);
    expect(committedBeforeAck.every(Boolean)).toBe(true);
    expect(store.commitCount).toBe(txs.length);
    expect(await rawRows(name)).toHaveLength(200);
    await store.close();
  });

  it('bounds the batch size: more records than maxBatchRecords take several transactions', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name, maxBatchRecords: 50 }).open();
    const txs = spyWriteTransactions();
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.put([makeRecord(TaskStatus.Pending, i + 1)])));
    expect(txs.length).toBe(4);
    expect(await rawRows(name)).toHaveLength(200);
    await store.close();
  });

  it('puts made while a commit is in flight share the next transaction', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name }).open();
    const txs = spyWriteTransactions();
    const first = store.put([makeRecord(TaskStatus.Pending, 1)]);
    await Promise.resolve();
    await Promise.resolve(); // the first commit is now in flight
    const later: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      later.push(store.put([makeRecord(TaskStatus.Pending, i + 2)]));
      await Promise.resolve(); // each put in its own microtask turn
    }
    await Promise.all([first, ...later]);
    expect(txs.length).toBeLessThanOrEqual(3);
    expect(await rawRows(name)).toHaveLength(51);
    await store.close();
  });

  it('a record that cannot be cloned fails only its own put; the rest of the batch is written', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name }).open();
    const good = Array.from({ length: 5 }, (_, i) => makeRecord(TaskStatus.Pending, i + 1));
    const bad = makeRecord(TaskStatus.Pending, 6, { task: makeTask({ type: 'custom:x', input: { kind: 'custom', value: () => 1 } }) });
    const results = await Promise.allSettled([...good.slice(0, 2), bad, ...good.slice(2)].map((r) => store.put([r])));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    const error = (results[2] as PromiseRejectedResult).reason;
    // Named: the task and the field IndexedDB could not clone.
    expect(isTaskweaveError(error, 'validation')).toBe(true);
    expect(error).toMatchObject({ field: 'input.value', details: { taskId: bad.task.id } });
    expect(String(error.message)).toContain(bad.task.id);
    expect((await rawRows(name)).map((r) => r.seq).sort()).toEqual([1, 2, 3, 4, 5]);
    await store.close();
  });
});

describe('IdbTaskStore quota errors', () => {
  it('a QuotaExceededError thrown by put rejects every caller of the batch with nothing written', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name }).open();
    await store.put([makeRecord(TaskStatus.Pending, 1)]);
    const records = Array.from({ length: 10 }, (_, i) => makeRecord(TaskStatus.Pending, i + 2));
    const victim = records[6]!.task.id;
    const originalPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if ((value as { task?: { id?: string } }).task?.id === victim) throw new DOMException('quota reached', 'QuotaExceededError');
      return originalPut.call(this, value, key);
    });
    const results = await Promise.allSettled(records.map((r) => store.put([r])));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const reason = (r as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(PersistenceError);
      expect((reason as PersistenceError).reason).toBe('quota');
    }
    vi.restoreAllMocks();
    expect((await rawRows(name)).map((r) => r.seq)).toEqual([1]);
    await store.put([makeRecord(TaskStatus.Pending, 20)]); // the store still works afterwards
    expect(await rawRows(name)).toHaveLength(2);
    await store.close();
  });

  it('a transaction aborted with QuotaExceededError at commit time maps to PersistenceError quota', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name }).open();
    const records = Array.from({ length: 8 }, (_, i) => makeRecord(TaskStatus.Pending, i + 1));
    const victim = records[3]!.task.id;
    const originalPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      const request = originalPut.call(this, value, key);
      if ((value as { task?: { id?: string } }).task?.id === victim) {
        const tx = this.transaction;
        // What a browser does when the disk quota is hit on commit: abort with tx.error set.
        queueMicrotask(() => {
          Object.defineProperty(tx, 'error', { get: () => new DOMException('quota reached', 'QuotaExceededError') });
          tx.abort();
        });
      }
      return request;
    });
    const results = await Promise.allSettled(records.map((r) => store.put([r])));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as PersistenceError).reason === 'quota')).toBe(true);
    vi.restoreAllMocks();
    expect(await rawRows(name)).toEqual([]);
    await store.close();
  });
});

describe('IdbTaskStore migrations', () => {
  it('opens a v1 database written with the old schema and keeps its data usable', async () => {
    const name = freshName();
    const pending = makeRecord(TaskStatus.Pending, 2);
    const running = makeRecord(TaskStatus.Running, 1);
    const done = makeRecord(TaskStatus.Completed, 7, { output: { kind: 'binary', data: new Uint8Array([9, 8, 7]) } });
    // The v1 layout, by hand: bare records keyed by task.id, one seq index, nothing else.
    const v1 = await openDB(databaseName(name), 1, {
      upgrade(db) {
        db.createObjectStore('tasks', { keyPath: 'task.id' }).createIndex('seq', 'seq', { unique: true });
      },
    });
    for (const r of [pending, running, done]) await v1.put('tasks', r);
    v1.close();

    const store = new IdbTaskStore({ name });
    const snapshot = await store.load();
    expect(snapshot.active).toEqual([running, pending]);
    expect(snapshot.lastSeq).toBe(7);
    expect(await store.get(done.task.id)).toEqual(done);
    expect(await store.prune({ keepLast: 0 })).toBe(1); // the migrated finished row is in the `done` index
    await store.close();

    const db = await openDB(databaseName(name));
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['meta', 'quarantine', 'tasks']); // other packages declare their own
    // The v1 `seq` index is retired in the same upgrade; the highest seq lives in meta.
    expect([...db.transaction('tasks').store.indexNames].sort()).toEqual(['active', 'done']);
    expect(await db.get('meta', 'lastSeq')).toEqual({ key: 'lastSeq', value: 7 });
    db.close();
  });

  it('retires the seq index of a v3 database, its highest seq kept in meta, at one version more', async () => {
    const name = freshName();
    // The v3 layout as it was: three indexes, meta without lastSeq (nothing pruned yet), and the
    // highest seq on a finished row, so only the index knew it.
    const v3 = await openDB(databaseName(name), DB_VERSION, {
      upgrade(db) {
        createV2TaskStores(db);
      },
    });
    const pending = makeRecord(TaskStatus.Pending, 3);
    const done = makeRecord(TaskStatus.Completed, 41, { updatedAt: 5 });
    await v3.put('tasks', { ...pending, activeSeq: 3 });
    await v3.put('tasks', { ...done, doneAt: 5 });
    v3.close();

    const store = new IdbTaskStore({ name });
    const snapshot = await store.load();
    expect(snapshot.active).toEqual([pending]);
    expect(snapshot.lastSeq).toBe(41);
    expect(await store.prune({ keepLast: 0 })).toBe(1);
    expect((await store.load()).lastSeq).toBe(41); // the row that held it is gone; meta keeps it
    expect(await store.reserveSeq(2)).toBe(42);
    await store.close();

    const db = await openDB(databaseName(name));
    expect(db.version).toBe(DB_VERSION + 1);
    expect([...db.transaction('tasks').store.indexNames].sort()).toEqual(['active', 'done']);
    db.close();
    // Opened again, nothing is left to change: no further version.
    const again = new IdbTaskStore({ name });
    expect((await again.load()).lastSeq).toBe(43);
    await again.close();
    const reopened = await openDB(databaseName(name));
    expect(reopened.version).toBe(DB_VERSION + 1);
    reopened.close();
  });

  it('keeps the highest seq it writes in meta, in the write that stores it (never lowering it)', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name }).open();
    await store.put([makeRecord(TaskStatus.Completed, 9, { updatedAt: 1 })]);
    const raw = await openDB(databaseName(name));
    expect(await raw.get('meta', 'lastSeq')).toEqual({ key: 'lastSeq', value: 9 });
    // Another writer (a tab) already went further: a lower seq written here does not lower it.
    await raw.put('meta', { key: 'lastSeq', value: 50 });
    const other = await new IdbTaskStore({ name }).open();
    await other.put([makeRecord(TaskStatus.Pending, 12)]);
    expect(await raw.get('meta', 'lastSeq')).toEqual({ key: 'lastSeq', value: 50 });
    raw.close();
    await store.prune({ keepLast: 0 });
    expect((await store.load()).lastSeq).toBe(50);
    await other.close();
    await store.close();
  });
});

describe('IdbTaskStore corrupt records', () => {
  it('quarantines rows that fail validation with a typed error and loads the others', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name }).open();
    const good = [makeRecord(TaskStatus.Pending, 1), makeRecord(TaskStatus.Running, 3)];
    await store.put(good);
    const raw = await openDB(databaseName(name));
    // A row with an invalid task and one whose status is not one of the six.
    await raw.put('tasks', { task: { id: 'broken-1', type: 'TextProcessing' }, status: 'Pending', seq: 2, updatedAt: 1, activeSeq: 2 });
    const bogus = { ...makeRecord(TaskStatus.Pending, 4), status: 'Paused', activeSeq: 4 };
    await raw.put('tasks', bogus);
    raw.close();

    const snapshot = await store.load();
    expect(snapshot.active).toEqual(good);
    expect(snapshot.quarantined.map((q) => q.key).sort()).toEqual(['broken-1', bogus.task.id].sort());
    for (const q of snapshot.quarantined) {
      expect(q.error).toBeInstanceOf(PersistenceError);
      expect((q.error as PersistenceError).reason).toBe('corrupt');
    }
    const statusError = snapshot.quarantined.find((q) => q.key === bogus.task.id)!.error as PersistenceError;
    expect(statusError.details?.['field']).toBe('status');
    const quarantined = await rawRows(name, 'quarantine');
    expect(quarantined.map((q) => q.key).sort()).toEqual(['broken-1', bogus.task.id].sort());
    expect((await store.load()).quarantined).toEqual([]); // moved, not reported twice
    expect(await store.get(bogus.task.id)).toBeUndefined();
    await store.close();
  });

  it('get of a corrupt row throws PersistenceError corrupt and quarantines it', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name }).open();
    const done = makeRecord(TaskStatus.Completed, 1);
    const raw = await openDB(databaseName(name));
    await raw.put('tasks', { ...done, result: { ...done.result, metrics: 'lost' }, doneAt: 1 });
    raw.close();
    await expect(store.get(done.task.id)).rejects.toMatchObject({ code: 'persistence', reason: 'corrupt' });
    expect(await store.get(done.task.id)).toBeUndefined();
    expect((await rawRows(name, 'quarantine')).map((q) => q.key)).toEqual([done.task.id]);
    await store.close();
  });
});

describe('IdbTaskStore lifecycle', () => {
  it('close waits for queued writes; later calls reject with unavailable', async () => {
    const name = freshName();
    const store = new IdbTaskStore({ name });
    const puts = Array.from({ length: 30 }, (_, i) => store.put([makeRecord(TaskStatus.Pending, i + 1)]));
    await store.close();
    await Promise.all(puts);
    expect(await rawRows(name)).toHaveLength(30);
    await expect(store.put([makeRecord(TaskStatus.Pending, 99)])).rejects.toMatchObject({ reason: 'unavailable' });
    await expect(store.load()).rejects.toMatchObject({ reason: 'unavailable' });
  });

  it('refuses bad prune options with a ValidationError naming the field', async () => {
    const store = new IdbTaskStore({ name: freshName() });
    await expect(store.prune({ keepLast: -1 })).rejects.toMatchObject({ code: 'validation', field: 'keepLast' });
    await expect(store.prune({ olderThanMs: Number.NaN })).rejects.toMatchObject({ code: 'validation', field: 'olderThanMs' });
    await store.close();
  });
});

describe('IdbTaskStore support for several tabs', () => {
  it('reserveSeq hands out disjoint blocks after everything stored, and load continues after them', async () => {
    const name = freshName();
    const a = new IdbTaskStore({ name });
    const b = new IdbTaskStore({ name });
    await a.put([makeRecord(TaskStatus.Pending, 1), makeRecord(TaskStatus.Completed, 40)]);
    const blocks = await Promise.all([a.reserveSeq(10), b.reserveSeq(5), a.reserveSeq(1), b.reserveSeq(3)]);
    const ranges = blocks.map((first, i) => [first, first + [10, 5, 1, 3][i]! - 1] as const).sort((x, y) => x[0] - y[0]);
    expect(ranges[0]![0]).toBe(41);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBe(ranges[i - 1]![1] + 1);
    expect((await b.load()).lastSeq).toBe(59);
    expect(await b.prune({ keepLast: 0 })).toBe(1);
    expect(await a.reserveSeq(1)).toBe(60);
    await expect(a.reserveSeq(0)).rejects.toMatchObject({ code: 'validation', field: 'count' });
    await a.close();
    await b.close();
  });

  it('subscribe reports durable writes here and, with broadcastChanges, in the other tab’s store', async () => {
    const name = freshName();
    const writer = new IdbTaskStore({ name, broadcastChanges: true });
    const watcher = new IdbTaskStore({ name, broadcastChanges: true });
    const local: unknown[] = [];
    const remote: { records: { id: string; status: string }[] }[] = [];
    writer.subscribe((c) => local.push(c));
    const got = new Promise<void>((resolve) => {
      watcher.subscribe((c) => {
        if (c.type !== 'put') return;
        expect(c.origin).toBe('remote');
        remote.push(c);
        if (remote.flatMap((r) => r.records).length === 3) resolve();
      });
    });
    const done = makeRecord(TaskStatus.Completed, 2);
    await Promise.all([writer.put([makeRecord(TaskStatus.Pending, 1)]), writer.put([done, makeRecord(TaskStatus.Running, 3)])]);
    await got;
    expect(local).toHaveLength(1); // one group commit, one announcement
    expect(local[0]).toMatchObject({ type: 'put', origin: 'local' });
    const summary = remote.flatMap((r) => r.records).find((r) => r.id === done.task.id);
    expect(summary).toEqual({ id: done.task.id, status: 'Completed', seq: 2, updatedAt: done.updatedAt });
    // What the feed announced is durable: the other tab reads it.
    expect(await watcher.get(done.task.id)).toEqual(done);
    await writer.close();
    await watcher.close();
  });
});

describe('IdbTaskStore reads and compare-and-set', () => {
  it('getMany reads in one transaction; putIfStatus shares the group commit and announces only what it wrote', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name }).open();
    const records = Array.from({ length: 100 }, (_, i) => makeRecord(TaskStatus.Pending, i + 1));
    await store.put(records);
    const original = IDBDatabase.prototype.transaction;
    let reads = 0;
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      if (args[1] !== 'readwrite') reads++;
      return original.apply(this, args);
    });
    const got = await store.getMany(records.map((r) => r.task.id));
    expect(reads).toBe(1);
    expect(got).toEqual(records);
    vi.restoreAllMocks();

    const txs = spyWriteTransactions();
    const changes: { id: string; status: string }[][] = [];
    store.subscribe((c) => c.type === 'put' && changes.push(c.records));
    const [a, b] = records as [TaskRecord, TaskRecord];
    const [first, second, third] = await Promise.all([
      store.putIfStatus([makeRecord(TaskStatus.Cancelled, 1, { task: a.task })], [TaskStatus.Pending]),
      store.putIfStatus([makeRecord(TaskStatus.Cancelled, 1, { task: a.task }), makeRecord(TaskStatus.Running, 2, { task: b.task })], [TaskStatus.Pending]),
      store.put([makeRecord(TaskStatus.Completed, 2, { task: b.task })]),
    ]);
    expect(first).toEqual([true]);
    expect(second).toEqual([false, true]);
    expect(third).toBeUndefined();
    expect(txs).toHaveLength(1);
    expect(changes.flat().map((c) => [c.id, c.status])).toEqual([
      [a.task.id, 'Cancelled'],
      [b.task.id, 'Running'],
      [b.task.id, 'Completed'],
    ]);
    expect((await store.get(b.task.id))?.status).toBe(TaskStatus.Completed);
    await store.close();
  });

  it('getMany quarantines a corrupt record and rejects; read again, it is absent', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name }).open();
    const good = makeRecord(TaskStatus.Pending, 1);
    await store.put([good]);
    const db = await openDB(databaseName(name));
    await db.put('tasks', { task: { id: 'not-a-uuid' }, status: 'Weird', seq: 2 });
    db.close();
    const bad = 'not-a-uuid' as TaskId;
    await expect(store.getMany([good.task.id, bad])).rejects.toMatchObject({ code: 'persistence', reason: 'corrupt' });
    expect(await store.getMany([good.task.id, bad])).toEqual([good, undefined]);
    await store.close();
  });
});

describe('IdbTaskStore and other connections', () => {
  it('steps aside when the database is deleted elsewhere, and writes again afterwards', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name }).open();
    await store.put([makeRecord(TaskStatus.Pending, 1)]);
    // Would wait forever if the store kept its connection open through versionchange.
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.deleteDatabase(databaseName(name));
      req.onsuccess = () => resolve();
      req.onerror = () => reject(req.error);
    });
    await store.put([makeRecord(TaskStatus.Pending, 2)]);
    expect((await store.load()).active.map((r) => r.seq)).toEqual([2]);
    await store.close();
  });
});

describe('IdbTaskStore prune in bulk', () => {
  it('keyRuns groups the keys to delete into runs with nothing kept between them', () => {
    expect(keyRuns(['a', 'b', 'c', 'd', 'e'], new Set(['a', 'b', 'd']))).toEqual([['a', 'b'], ['d', 'd']]);
    expect(keyRuns(['a', 'b'], new Set(['a', 'b']))).toEqual([['a', 'b']]);
    expect(keyRuns(['a', 'b'], new Set<string>())).toEqual([]);
  });

  it('removes hundreds of finished records in one transaction, by key ranges, reading no record', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name }).open();
    const finished = Array.from({ length: 400 }, (_, i) => makeRecord(TaskStatus.Completed, i + 1, { updatedAt: 1_000 + i }));
    const active = Array.from({ length: 20 }, (_, i) => makeRecord(TaskStatus.Pending, 401 + i));
    await store.put([...finished, ...active]);
    const txs = spyWriteTransactions();
    const deletes = vi.spyOn(IDBObjectStore.prototype, 'delete');
    const valueCursors = vi.spyOn(IDBIndex.prototype, 'openCursor');
    const storeCursors = vi.spyOn(IDBObjectStore.prototype, 'openCursor');
    const gets = vi.spyOn(IDBObjectStore.prototype, 'get');
    expect(await store.prune({ keepLast: 100 })).toBe(300);
    expect(txs).toHaveLength(1);
    // At most one delete per gap between kept records (120 kept), far fewer than 300.
    expect(deletes.mock.calls.length).toBeLessThanOrEqual(121);
    expect(valueCursors).not.toHaveBeenCalled();
    expect(storeCursors).not.toHaveBeenCalled();
    expect(gets.mock.calls.filter(([key]) => key !== 'lastSeq')).toEqual([]);
    vi.restoreAllMocks();
    const left = await rawRows(name);
    expect(left).toHaveLength(120);
    expect(left.filter((r) => r.status === 'Completed').map((r) => r.seq).sort((a, b) => a - b)).toEqual(finished.slice(300).map((r) => r.seq));
    expect((await store.load()).active.map((r) => r.seq)).toEqual(active.map((r) => r.seq));
    await store.close();
  });

  it('only finished records in the store: one delete request for all of them', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name }).open();
    await store.put(Array.from({ length: 500 }, (_, i) => makeRecord(TaskStatus.Failed, i + 1, { updatedAt: 1 + i })));
    const deletes = vi.spyOn(IDBObjectStore.prototype, 'delete');
    expect(await store.prune({ olderThanMs: 0 })).toBe(500);
    expect(deletes).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
    expect(await rawRows(name)).toEqual([]);
    expect((await store.load()).lastSeq).toBe(500);
    await store.close();
  });
});

describe('IdbTaskStore writes in slices', () => {
  /** Records 'p' for each IndexedDB put and 't' for each turn of the event loop, in order. */
  function traceTurns() {
    const trace: string[] = [];
    let stopped = false;
    const originalPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      trace.push('p');
      return originalPut.call(this, value, key);
    });
    const tick = () => {
      if (stopped) return;
      trace.push('t');
      setImmediate(tick);
    };
    setImmediate(tick);
    return {
      trace,
      stop: () => (stopped = true),
      /** How many runs of puts the trace has: 1 = all puts in one task. */
      get putRuns() {
        return trace.join('').split(/t+/).filter((run) => run.includes('p')).length;
      },
    };
  }

  it('a put of thousands of records lets the event loop run between slices, in one transaction', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name, sliceMs: 0 }).open();
    const txs = spyWriteTransactions();
    const turns = traceTurns();
    const records = Array.from({ length: 2_000 }, (_, i) => makeRecord(TaskStatus.Pending, i + 1));
    await store.put(records);
    turns.stop();
    expect(txs).toHaveLength(1);
    expect(txs[0]?.completed).toBe(true);
    // Slices of 32 puts (sliceMs 0): dozens of tasks, each followed by a turn of the loop.
    expect(turns.putRuns).toBeGreaterThanOrEqual(2_000 / 32 / 2);
    vi.restoreAllMocks();
    expect(await rawRows(name)).toHaveLength(2_000);
    await store.close();
  });

  it('stays all or nothing: a bad record in a late slice leaves none of its put written, and other puts commit', async () => {
    const name = freshName();
    const store = await new IdbTaskStore({ name, sliceMs: 0 }).open();
    const records = Array.from({ length: 1_500 }, (_, i) => makeRecord(TaskStatus.Pending, i + 1));
    records[1_400] = makeRecord(TaskStatus.Pending, 1_401, { task: makeTask({ type: 'custom:x', input: { kind: 'custom', value: { p: new Proxy({}, {}) } } }) });
    const other = makeRecord(TaskStatus.Completed, 2_000);
    const [bulk, single] = await Promise.allSettled([store.put(records), store.put([other])]);
    expect(bulk.status).toBe('rejected');
    expect((bulk as PromiseRejectedResult).reason).toMatchObject({ code: 'validation', field: 'input.value.p', details: { taskId: records[1_400]!.task.id } });
    expect(single.status).toBe('fulfilled');
    expect((await rawRows(name)).map((r) => r.seq)).toEqual([2_000]);
    await store.close();
  });
});
