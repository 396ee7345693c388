/**
 * The stores of the storage and vector-search collections, declared by this package as a store
 * extension of the taskweave database (`taskweave:<name>`, shared with the task store so that
 * one transaction can span a task and the documents it writes). The worker's collections open
 * the database with it; `createTaskweave` passes it to the page's task store as well, so the
 * database usually has the stores from its first upgrade. The layout is the one the task store
 * created itself at schema v3, before store extensions: databases of that time open unchanged.
 */
import type { FilterValue } from '@taskweave/core';
import { defineStoreExtension } from '@taskweave/core/idb';
import type { DBSchema } from 'idb';

/** A document of a collection as stored. */
export interface DocumentRow {
  collection: string;
  id: string;
  text?: string;
  vector?: Float32Array;
  metadata?: Record<string, FilterValue>;
  /** Insertion order within the collection (stable listing and tie-breaking). */
  seq: number;
}

/** One committed write to a collection: what it touched. */
export interface CollectionChange {
  /** The collection's `version` after this write. */
  version: number;
  upserts: string[];
  deletes: string[];
}

/**
 * Per-collection counters and a short change log. `version` grows by one with every committed
 * write, and `changes` keeps the latest writes (bounded), so a worker whose in-memory index is a
 * few versions behind reads only the documents those writes touched instead of the collection.
 */
export interface CollectionRow {
  name: string;
  version: number;
  /** Next document `seq`. */
  nextSeq: number;
  /** Vector length of the collection, fixed by its first vector (0 = none yet). */
  dims: number;
  /** Number of documents. */
  count: number;
  /** The latest writes, oldest first (each write adds one entry; old ones are dropped). */
  changes: CollectionChange[];
}

/**
 * Proof that a DataStorage task's write committed: written in the same transaction as its
 * documents, so a task that runs again (after a reload, or a crash after the commit) finds it and
 * answers with what it stored instead of writing twice.
 */
export interface StorageReceiptRow {
  taskId: string;
  collection: string;
  /** The ids the write stored, in the order of its documents. */
  ids: string[];
  /** Epoch ms of the commit (receipts older than `RECEIPT_TTL_MS` are dropped by later writes). */
  at: number;
}

/** The collections' stores, typed for `idb` (`TaskweaveDatabase<CollectionsDB>`). */
export interface CollectionsDB extends DBSchema {
  /** Key `[collection, id]`; index `collection` = `[collection, seq]` lists a collection in insertion order. */
  documents: {
    key: [string, string];
    value: DocumentRow;
    indexes: { collection: [string, number] };
  };
  /** Key `name`. */
  collections: { key: string; value: CollectionRow };
  /** Key `taskId`; index `at` (age, for dropping old receipts). */
  receipts: { key: string; value: StorageReceiptRow; indexes: { at: number } };
}

/**
 * The store extension to pass to every opener of a taskweave database that uses the collections.
 * @example new IdbTaskStore({ name: 'my-app', extensions: [collectionSchema] })
 */
export const collectionSchema = defineStoreExtension<CollectionsDB>({
  name: '@taskweave/web-worker collections',
  stores: {
    documents: { keyPath: ['collection', 'id'], indexes: { collection: { keyPath: ['collection', 'seq'], unique: true } } },
    collections: { keyPath: 'name' },
    receipts: { keyPath: 'taskId', indexes: { at: { keyPath: 'at' } } },
  },
});
