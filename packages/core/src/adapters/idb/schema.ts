/**
 * The IndexedDB schema of a taskweave database, its version history and the migrations
 * between versions. One database per scheduler name (`databaseName(name)`); the task store
 * and the worker-side collections (storage / vector-search tasks) live in it side by side.
 *
 * Versions:
 * - v1: `tasks` (key `task.id`) holding bare `TaskRecord`s, index `seq`.
 * - v2: rows gain the sparse fields `activeSeq` (set only while not terminal) and `doneAt`
 *   (set only once terminal), indexed as `active` and `done` so `load()` and `prune()` touch
 *   only the rows they need; stores `quarantine` and `meta` added.
 * - v3: `documents` (key `[collection, id]`, index `collection`) and `collections`
 *   (per-collection version counters) for the storage and vector-search handlers.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { TaskRecord } from '../../ports.js';
import type { FilterValue } from '../../task.js';

/** The schema version this code writes. */
export const DB_VERSION = 3;

/** A task row: the record plus the sparse index fields. */
export interface TaskRow extends TaskRecord {
  /** `seq` while the record is not terminal; absent once terminal (sparse index `active`). */
  activeSeq?: number;
  /** `updatedAt` once terminal; absent before (sparse compound index `done` = [doneAt, seq]). */
  doneAt?: number;
}

/** A row set aside by validation: the raw value, why, and when. */
export interface QuarantineRow {
  key: string;
  value: unknown;
  error: string;
  at: number;
}

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

/** The typed schema, for `idb`. */
export interface TaskweaveDB extends DBSchema {
  tasks: {
    key: string;
    value: TaskRow;
    indexes: { seq: number; active: number; done: [number, number] };
  };
  quarantine: { key: string; value: QuarantineRow };
  meta: { key: string; value: { key: string; value: number } };
  documents: {
    key: [string, string];
    value: DocumentRow;
    indexes: { collection: [string, number] };
  };
  collections: { key: string; value: CollectionRow };
}

export type TaskweaveDatabase = IDBPDatabase<TaskweaveDB>;
type UpgradeTx = IDBPTransaction<TaskweaveDB, StoreNames<TaskweaveDB>[], 'versionchange'>;

/** Prefix of every taskweave database name. */
export const DB_PREFIX = 'taskweave:';

/**
 * The IndexedDB database name for a scheduler name.
 * @example databaseName('default') // 'taskweave:default'
 */
export function databaseName(name: string): string {
  return `${DB_PREFIX}${name}`;
}

/** Adds the sparse index fields for a record's status. */
export function toTaskRow(record: TaskRecord): TaskRow {
  return !isTerminal(record.status)
    ? { ...record, activeSeq: record.seq }
    : { ...record, doneAt: record.updatedAt };
}

function isTerminal(status: string): boolean {
  return status === 'Completed' || status === 'Failed' || status === 'Cancelled' || status === 'Timeout';
}

/**
 * Brings a database from `oldVersion` to `DB_VERSION`, one step at a time, inside the
 * versionchange transaction (so a failed migration leaves the old version intact).
 */
export function migrate(db: IDBPDatabase<TaskweaveDB>, oldVersion: number, tx: UpgradeTx): void {
  // The typed wrapper only knows the current schema; older shapes are handled untyped.
  const raw = db as unknown as IDBPDatabase;
  if (oldVersion < 1) {
    const tasks = raw.createObjectStore('tasks', { keyPath: 'task.id' });
    tasks.createIndex('seq', 'seq');
  }
  if (oldVersion < 2) {
    const tasks = tx.objectStore('tasks');
    tasks.createIndex('active', 'activeSeq');
    tasks.createIndex('done', ['doneAt', 'seq']);
    raw.createObjectStore('quarantine', { keyPath: 'key' });
    raw.createObjectStore('meta', { keyPath: 'key' });
    // v1 rows are bare records: give each its sparse index fields.
    void (async () => {
      let cursor = await tasks.openCursor();
      while (cursor) {
        const value = cursor.value as unknown as Record<string, unknown>;
        const row: Record<string, unknown> = { ...value };
        delete row['activeSeq'];
        delete row['doneAt'];
        if (isTerminal(String(value['status']))) row['doneAt'] = value['updatedAt'];
        else row['activeSeq'] = value['seq'];
        await cursor.update(row as unknown as TaskRow);
        cursor = await cursor.continue();
      }
    })().catch(() => {
      // The failed request aborts the versionchange transaction; the open rejects with it.
    });
  }
  if (oldVersion < 3) {
    const docs = raw.createObjectStore('documents', { keyPath: ['collection', 'id'] });
    docs.createIndex('collection', ['collection', 'seq'], { unique: true });
    raw.createObjectStore('collections', { keyPath: 'name' });
  }
}

/** Callbacks of `openTaskweaveDb`. */
export interface OpenCallbacks {
  /** Another connection wants a newer version: close this one (it is reopened on next use). */
  onBlocking?: () => void;
  /** The browser closed the connection abnormally. */
  onTerminated?: () => void;
}

/**
 * Opens (creating or migrating) the database of a scheduler name at `DB_VERSION`.
 *
 * @example const db = await openTaskweaveDb('default')
 */
export function openTaskweaveDb(name: string, callbacks: OpenCallbacks = {}): Promise<TaskweaveDatabase> {
  return openDB<TaskweaveDB>(databaseName(name), DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, tx) {
      migrate(db, oldVersion, tx);
    },
    blocking() {
      callbacks.onBlocking?.();
    },
    terminated() {
      callbacks.onTerminated?.();
    },
  });
}
