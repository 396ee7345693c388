/**
 * The IndexedDB schema of a taskweave database, its version history and the migrations
 * between versions. One database per scheduler name (`databaseName(name)`): the task store's
 * stores, and the stores other packages declare as store extensions (storeExtension.ts; the
 * worker package's storage and vector-search collections), side by side, so one transaction
 * can span them.
 *
 * Versions:
 * - v1: `tasks` (key `task.id`) holding bare `TaskRecord`s, index `seq`.
 * - v2: rows gain the sparse fields `activeSeq` (set only while not terminal) and `doneAt`
 *   (set only once terminal), indexed as `active` and `done` so `load()` and `prune()` touch
 *   only the rows they need; stores `quarantine` and `meta` added.
 * - v3: the version a database is created at. (Before store extensions, v3 added `documents`
 *   and `collections` here; @taskweave/web-worker declares them now, with the same layout, so
 *   a v3 database of that time opens as it is.)
 * - v4 and later: each one is an open that found a declared extension store or index missing
 *   (see `openTaskweaveDb`). From v3 on the version counts schema changes; it no longer names a
 *   layout, so a later change of the task store's own stores must be found by what the
 *   database holds, like an extension's, not by `oldVersion`.
 * - Found by what the database holds: the `seq` index of v1–v3 is retired. It cost one index
 *   entry on every put (three puts per task) and only ever answered "the highest seq stored",
 *   which meta `lastSeq` now holds: every write that stores a higher seq raises it in the same
 *   transaction. The upgrade that drops the index first moves its highest key there.
 */
import { openDB, unwrap, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { PersistenceError } from '../../errors.js';
import type { TaskRecord } from '../../ports.js';
import type { TaskRow, TaskweaveDB } from './taskweaveDB.js';
import { combineExtensions, createMissingStores, missingStores, type StoreExtension } from './storeExtension.js';

/** The version this code creates a database at, and the least it opens one at (see the history above). */
export const DB_VERSION = 3;

/**
 * An open taskweave database, typed for `idb` with the task store's stores and, when given, an
 * extension's (`TaskweaveDatabase<CollectionsDB>`).
 */
export type TaskweaveDatabase<X extends DBSchema = TaskweaveDB> = IDBPDatabase<TaskweaveDB & X>;
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
 * Brings the task store's own stores from `oldVersion` to their v3 layout, one step at a time,
 * inside the versionchange transaction (so a failed migration leaves the old version intact).
 * Extension stores are created next to it by `openTaskweaveDb`.
 */
export function migrate(db: IDBPDatabase<TaskweaveDB>, oldVersion: number, tx: UpgradeTx): void {
  // The typed wrapper only knows the current schema; older shapes are handled untyped.
  const raw = db as unknown as IDBPDatabase;
  if (oldVersion < 1) {
    // v1 had a `seq` index too; `retireSeqIndex` is why a new database never gets it.
    raw.createObjectStore('tasks', { keyPath: 'task.id' });
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
  // v3 changes nothing of the task store's own stores (it added stores now declared elsewhere).
}

/** The task store's own indexes that this code no longer keeps (found by what the database holds). */
const RETIRED_TASK_INDEXES = ['seq'] as const;

/** What of the task store's own layout an open must still change: retired indexes still there (`tasks.seq (retired)`). */
export function retiredIndexesPresent(db: IDBDatabase): string[] {
  if (!db.objectStoreNames.contains('tasks')) return [];
  // A transaction without requests: it only gives access to the store's schema.
  const indexNames = db.transaction('tasks', 'readonly').objectStore('tasks').indexNames;
  return RETIRED_TASK_INDEXES.filter((name) => indexNames.contains(name)).map((name) => `tasks.${name} (retired)`);
}

/**
 * Drops the retired `seq` index inside the versionchange transaction, after moving its highest
 * key into meta `lastSeq` (never lowering it), so `load().lastSeq` does not go back.
 */
export function retireSeqIndex(tx: IDBTransaction): void {
  const tasks = tx.objectStore('tasks');
  if (!tasks.indexNames.contains('seq')) return;
  const meta = tx.objectStore('meta');
  const highest = tasks.index('seq').openKeyCursor(null, 'prev');
  const stored = meta.get('lastSeq') as IDBRequest<{ value: number } | undefined>;
  let left = 2;
  const moved = () => {
    if (--left > 0) return;
    const key = highest.result?.key;
    const last = Math.max(typeof key === 'number' ? key : 0, stored.result?.value ?? 0);
    if (last > (stored.result?.value ?? 0)) meta.put({ key: 'lastSeq', value: last });
    tasks.deleteIndex('seq');
  };
  // A failed request aborts the versionchange transaction; the open rejects with it.
  highest.onsuccess = moved;
  stored.onsuccess = moved;
}

/** Callbacks of `openTaskweaveDb`. */
export interface OpenCallbacks {
  /** Another connection wants a newer version: close this one (it is reopened on next use). */
  onBlocking?: () => void;
  /** The browser closed the connection abnormally. */
  onTerminated?: () => void;
}

/** Options of `openTaskweaveDb`. */
export interface OpenOptions extends OpenCallbacks {
  /**
   * Stores other packages keep in this database (`defineStoreExtension`); created when the
   * database lacks them. Stores not named here are left as they are. Name their schema as the
   * type argument of `openTaskweaveDb` to type the connection. @default []
   */
  extensions?: readonly StoreExtension[];
}

/** Most version bumps one open makes before it gives up (each one races other openers). */
const MAX_BUMPS = 8;

/**
 * The highest version this realm has seen per database, so that an open after someone bumped it
 * asks for that version at once instead of failing with a VersionError first.
 */
const seenVersion = new Map<string, number>();

/**
 * Opens (creating or migrating) the database of a scheduler name with the task store's stores
 * and those of `extensions`.
 *
 * When the extension stores are created. A database can be created or upgraded by code that
 * does not know an extension (a page whose bundle has no worker package, an older tab), and only
 * a versionchange transaction may create stores. So each open asks for at least `DB_VERSION`
 * (running the task store's migrations, and creating the declared stores and indexes that are
 * missing, in one upgrade) and then looks at what the database holds: when a declared store or
 * index is still missing — the database was already at that version — it reopens at the next
 * version, whose upgrade creates exactly what is missing (and drops the task store's retired
 * indexes, found the same way: `retiredIndexesPresent`). Nothing an opener does not declare is
 * touched, so openers that know fewer stores never take any away. The alternative, every opener
 * creating every store any package might declare, would make the task store own the worker
 * package's layout again.
 *
 * A bump fires `versionchange` at the other connections; `TaskweaveConnection` (and so
 * `IdbTaskStore` and the worker's collections) closes on it and reopens on its next use.
 *
 * @example const db = await openTaskweaveDb('default')
 * @example const db = await openTaskweaveDb<CollectionsDB>('default', { extensions: [collectionSchema] })
 */
export async function openTaskweaveDb<X extends DBSchema = TaskweaveDB>(
  name: string,
  options: OpenOptions = {},
): Promise<TaskweaveDatabase<X>> {
  const declared = combineExtensions(options.extensions ?? []);
  const dbName = databaseName(name);
  let version: number | undefined = Math.max(DB_VERSION, seenVersion.get(dbName) ?? 0);
  for (let bumps = 0; ; ) {
    let db: IDBPDatabase<TaskweaveDB>;
    try {
      db = await openDB<TaskweaveDB>(dbName, version, {
        upgrade(db, oldVersion, _newVersion, tx) {
          migrate(db, oldVersion, tx);
          retireSeqIndex(unwrap(tx));
          createMissingStores(unwrap(db), unwrap(tx), declared);
        },
        blocking() {
          options.onBlocking?.();
        },
        terminated() {
          options.onTerminated?.();
        },
      });
    } catch (error) {
      // Someone bumped the database past what this realm has seen: open it at its version.
      if (version !== undefined && isVersionError(error)) {
        version = undefined;
        continue;
      }
      throw error;
    }
    seenVersion.set(dbName, Math.max(db.version, seenVersion.get(dbName) ?? 0));
    let missing: string[];
    try {
      // Synchronous (schema only): no versionchange can reach this connection before it is handed out or closed.
      missing = [...missingStores(unwrap(db), declared), ...retiredIndexesPresent(unwrap(db))];
    } catch (error) {
      db.close();
      throw error;
    }
    if (missing.length === 0) return db as unknown as TaskweaveDatabase<X>;
    db.close();
    if (++bumps > MAX_BUMPS) {
      throw new PersistenceError('unavailable', `${dbName} still lacks ${missing.join(', ')} after ${MAX_BUMPS} upgrades`);
    }
    version = db.version + 1;
  }
}

function isVersionError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'VersionError';
}
