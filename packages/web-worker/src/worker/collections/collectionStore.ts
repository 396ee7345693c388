/**
 * The storage collections of the storage and vector-search task types, in IndexedDB.
 *
 * Where: the scheduler's own database (`taskweave:<name>`), stores `documents` (key
 * `[collection, id]`) and `collections` (per-collection version and change log), which this
 * package declares (`collectionSchema`, a store extension of `@taskweave/core/idb`; core's
 * adapter keeps the one version and creates them when missing). One database per scheduler name
 * holds its tasks, results and collections. The database name comes from the task's
 * `metadata.database` when set, else from `configureCollections({ database })` (default
 * `'default'`, the same default as `IdbTaskStore`).
 */
import { PersistenceError, TaskweaveError, type FilterValue } from '@taskweave/core';
import { TaskweaveConnection, toPersistenceError, type TaskweaveDatabase } from '@taskweave/core/idb';
import {
  collectionSchema,
  type CollectionChange,
  type CollectionRow,
  type StorageReceiptRow,
  type CollectionsDB,
  type DocumentRow,
} from '../../shared/collectionSchema.js';
import { matchesFilter } from '../search/metadataFilter.js';

/** A document ready to write: id decided, vector (if any) checked. */
export interface PreparedDocument {
  id: string;
  text?: string;
  vector?: Float32Array;
  metadata?: Record<string, FilterValue>;
}

/** What a committed write did. */
export interface WriteOutcome {
  ids: string[];
  /** The collection's version before and after this write. */
  from: number;
  to: number;
  dims: number;
  /** True when the task's write had committed before: nothing was written this time. */
  replayed: boolean;
}

/**
 * How long a storage receipt is kept. A task that runs again later than this (say a task left
 * Running in a tab closed for a week) writes again; its documents' ids derive from the task id,
 * so that rewrite overwrites the same documents instead of adding copies.
 */
export const RECEIPT_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Most change-log entries and touched ids kept per collection. */
const MAX_CHANGES = 64;
const MAX_CHANGED_IDS = 8192;

let defaultDatabase = 'default';

/**
 * Sets the scheduler name whose database the storage handlers of this worker use when a task
 * does not name one in `metadata.database`.
 * @default { database: 'default' }
 */
export function configureCollections(options: { database: string }): void {
  defaultDatabase = options.database;
}

/** The scheduler name a task's collections live under. */
export function databaseOf(metadata: Record<string, string>): string {
  return metadata['database'] ?? defaultDatabase;
}

const stores = new Map<string, CollectionStore>();

/**
 * Access to the collections of one database (one per database name per worker, shared by the
 * handlers). Reads and writes are IndexedDB transactions; writes use strict durability.
 */
export class CollectionStore {
  readonly database: string;
  readonly #connection: TaskweaveConnection<CollectionsDB>;

  /** The store of `database`, created on first use. */
  static for(database: string): CollectionStore {
    let store = stores.get(database);
    if (store === undefined) {
      store = new CollectionStore(database);
      stores.set(database, store);
    }
    return store;
  }

  private constructor(database: string) {
    this.database = database;
    this.#connection = new TaskweaveConnection<CollectionsDB>(
      database,
      (error) =>
        error instanceof TaskweaveError
          ? error
          : new PersistenceError('unavailable', `Cannot open the collections of ${database}`, { cause: error }),
      { extensions: [collectionSchema] },
    );
  }

  #open(): Promise<TaskweaveDatabase<CollectionsDB>> {
    return this.#connection.get();
  }


  /** The receipt of `taskId`'s committed write, if it committed (and is younger than `RECEIPT_TTL_MS`). */
  async receipt(taskId: string): Promise<StorageReceiptRow | undefined> {
    const db = await this.#open();
    return db.get('receipts', taskId).catch((error: unknown) => {
      throw toPersistenceError(error, `reading the receipt of task ${taskId}`);
    });
  }

  /**
   * Upserts `documents` and deletes `deletes` in one transaction; bumps the collection's version
   * and logs the change. An existing id keeps its listing position. Vectors must all have the
   * collection's dimension (fixed by its first vector): a mismatch rejects the whole write with
   * the error `checkDims` returns.
   *
   * With `receiptFor` (a task id) the same transaction writes that task's receipt — unless the
   * task's receipt is there already, in which case nothing is written and the earlier write's
   * outcome is returned (`replayed: true`): a task's write commits once.
   *
   * With `signal`, an abort before the commit aborts the transaction (nothing is written, the
   * signal's reason is thrown); once the write committed, it stands and its outcome is returned.
   */
  async write(
    collection: string,
    documents: readonly PreparedDocument[],
    deletes: readonly string[],
    checkDims: (dims: number) => void,
    receiptFor?: string,
    signal?: AbortSignal,
  ): Promise<WriteOutcome> {
    const db = await this.#open();
    const tx = db.transaction(['documents', 'collections', 'receipts'], 'readwrite', { durability: 'strict' });
    try {
      const docs = tx.objectStore('documents');
      const cols = tx.objectStore('collections');
      if (receiptFor !== undefined) {
        const receipts = tx.objectStore('receipts');
        const earlier = await receipts.get(receiptFor);
        if (earlier !== undefined) {
          const row = await cols.get(earlier.collection);
          await tx.done;
          const version = row?.version ?? 0;
          return { ids: earlier.ids, from: version, to: version, dims: row?.dims ?? 0, replayed: true };
        }
      }
      const row: CollectionRow = (await cols.get(collection)) ?? {
        name: collection,
        version: 0,
        nextSeq: 0,
        dims: 0,
        count: 0,
        changes: [],
      };
      const from = row.version;
      const firstVector = documents.find((d) => d.vector !== undefined)?.vector;
      if (row.dims === 0 && firstVector !== undefined) row.dims = firstVector.length;
      if (row.dims !== 0) checkDims(row.dims);
      const [existing, existingDeletes] = await Promise.all([
        Promise.all(documents.map((d) => docs.get([collection, d.id]))),
        Promise.all(deletes.map((id) => docs.getKey([collection, id]))),
      ]);
      const seqOf = new Map<string, number>();
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < documents.length; i++) {
        const d = documents[i] as PreparedDocument;
        let seq = seqOf.get(d.id);
        if (seq === undefined) {
          const before = existing[i];
          seq = before === undefined ? row.nextSeq++ : before.seq;
          if (before === undefined) row.count++;
          seqOf.set(d.id, seq);
        }
        const stored: DocumentRow = { collection, id: d.id, seq };
        if (d.text !== undefined) stored.text = d.text;
        if (d.vector !== undefined) stored.vector = d.vector;
        if (d.metadata !== undefined) stored.metadata = d.metadata;
        writes.push(docs.put(stored));
      }
      const deleted: string[] = [];
      deletes.forEach((id, i) => {
        if (existingDeletes[i] === undefined || seqOf.has(id)) return;
        deleted.push(id);
        row.count--;
        writes.push(docs.delete([collection, id]));
      });
      await Promise.all(writes);
      // The last point before the commit: a cancel that came first leaves nothing written.
      signal?.throwIfAborted();
      row.version++;
      const change: CollectionChange = { version: row.version, upserts: [...seqOf.keys()], deletes: deleted };
      row.changes = trimChanges([...row.changes, change]);
      await cols.put(row);
      const ids = documents.map((d) => d.id);
      if (receiptFor !== undefined) {
        const receipts = tx.objectStore('receipts');
        const now = Date.now();
        await receipts.put({ taskId: receiptFor, collection, ids, at: now });
        // Receipts leave by age, a few at a time with each write.
        let cursor = await receipts.index('at').openCursor(IDBKeyRange.upperBound(now - RECEIPT_TTL_MS));
        for (let n = 0; cursor !== null && n < 32; n++) {
          await cursor.delete();
          cursor = await cursor.continue();
        }
      }
      await tx.done;
      return { ids, from, to: row.version, dims: row.dims, replayed: false };
    } catch (error) {
      try {
        tx.abort();
      } catch {
        // already finished
      }
      await tx.done.catch(() => undefined);
      if (error instanceof TaskweaveError) throw error;
      if (signal?.aborted === true && error === signal.reason) throw error;
      throw toPersistenceError(error, `writing to collection ${collection}`);
    }
  }

  /** The collection's counters, or undefined when nothing was ever written to it. */
  async info(collection: string): Promise<CollectionRow | undefined> {
    const db = await this.#open();
    return db.get('collections', collection).catch((error: unknown) => {
      throw toPersistenceError(error, `reading collection ${collection}`);
    });
  }

  /** Documents by id, in the order asked (undefined where absent), and the counters, read together. */
  async getMany(collection: string, ids: readonly string[]): Promise<{ row: CollectionRow | undefined; docs: (DocumentRow | undefined)[] }> {
    const db = await this.#open();
    try {
      const tx = db.transaction(['documents', 'collections'], 'readonly');
      const docsStore = tx.objectStore('documents');
      const [row, docs] = await Promise.all([
        tx.objectStore('collections').get(collection),
        Promise.all(ids.map((id) => docsStore.get([collection, id]))),
      ]);
      return { row, docs };
    } catch (error) {
      throw toPersistenceError(error, `reading collection ${collection}`);
    }
  }

  /** Every document of the collection in insertion order, and its counters, from one snapshot. */
  async readAll(collection: string): Promise<{ row: CollectionRow | undefined; docs: DocumentRow[] }> {
    const db = await this.#open();
    try {
      const tx = db.transaction(['documents', 'collections'], 'readonly');
      const [row, docs] = await Promise.all([
        tx.objectStore('collections').get(collection),
        tx.objectStore('documents').index('collection').getAll(seqRange(collection, -1)),
      ]);
      return { row, docs };
    } catch (error) {
      throw toPersistenceError(error, `reading collection ${collection}`);
    }
  }

  /**
   * Up to `limit` documents matching `filter`, in insertion order, after listing position
   * `afterSeq`; `more` tells whether another page follows.
   */
  async list(
    collection: string,
    options: { filter?: Record<string, FilterValue>; limit: number; afterSeq: number },
  ): Promise<{ docs: DocumentRow[]; more: boolean }> {
    const db = await this.#open();
    try {
      const tx = db.transaction('documents', 'readonly');
      const range = seqRange(collection, options.afterSeq);
      const filter = options.filter;
      const out: DocumentRow[] = [];
      if (filter === undefined || Object.keys(filter).length === 0) {
        const docs = await tx.store.index('collection').getAll(range, options.limit + 1);
        return { docs: docs.slice(0, options.limit), more: docs.length > options.limit };
      }
      let cursor = await tx.store.index('collection').openCursor(range);
      while (cursor) {
        if (matchesFilter(cursor.value.metadata, filter)) {
          if (out.length === options.limit) return { docs: out, more: true };
          out.push(cursor.value);
        }
        cursor = await cursor.continue();
      }
      return { docs: out, more: false };
    } catch (error) {
      throw toPersistenceError(error, `listing collection ${collection}`);
    }
  }
}

/** Index range of a collection's documents whose seq is greater than `afterSeq`. */
function seqRange(collection: string, afterSeq: number): IDBKeyRange {
  return IDBKeyRange.bound([collection, afterSeq], [collection, Infinity], true, false);
}

function trimChanges(changes: CollectionChange[]): CollectionChange[] {
  let ids = 0;
  let keepFrom = changes.length;
  while (keepFrom > 0 && changes.length - keepFrom < MAX_CHANGES) {
    const c = changes[keepFrom - 1] as CollectionChange;
    ids += c.upserts.length + c.deletes.length;
    if (ids > MAX_CHANGED_IDS && keepFrom < changes.length) break;
    keepFrom--;
  }
  return changes.slice(keepFrom);
}
