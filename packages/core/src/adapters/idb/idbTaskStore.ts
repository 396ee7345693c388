import { unwrap } from 'idb';
import { PersistenceError, TaskweaveError, ValidationError } from '../../errors.js';
import type { PruneOptions, StoreSnapshot, TaskRecord, TaskStore } from '../../ports.js';
import { isTerminalStatus, type TaskId, type TaskStatus } from '../../task.js';
import { ChangeFeed, type ChangedRecord, type StoreChange } from './changeFeed.js';
import { deleteInRuns } from './bulkDelete.js';
import { isDataCloneError, uncloneableRecordError } from './cloneError.js';
import { GroupCommit, RejectItems } from './groupCommit.js';
import { isUnfinishedSet, readMatches, type MatchRead } from './matchRead.js';
import { closedError, corruptError, describeError, toPersistenceError } from './persistenceError.js';
import { parseTaskRow } from './recordSchema.js';
import { readList } from './listRead.js';
import { planList, toPage, type TaskListPage, type TaskListQuery } from '../../store/taskList.js';
import { TaskweaveConnection } from './connection.js';
import { databaseName, toTaskRow, type TaskweaveDatabase } from './schema.js';
import type { StoreExtension } from './storeExtension.js';

/** Options of `IdbTaskStore`. */
export interface IdbTaskStoreOptions {
  /** Scheduler name; the database is `taskweave:<name>`. @default 'default' */
  name?: string;
  /**
   * Durability of write transactions. `'strict'` waits for the disk flush before `put`
   * resolves, which is what "durable before submit resolves" means across a crash of the
   * browser, not only of the page. @default 'strict'
   */
  durability?: IDBTransactionDurability;
  /** Most records one group-commit transaction takes from different callers. @default 2000 */
  maxBatchRecords?: number;
  /**
   * Longest stretch of main-thread work one write may take before it lets the page run: records
   * are put in slices of about this many ms, resumed from request callbacks within the same
   * transaction. @default 8
   */
  sliceMs?: number;
  /** Time source of `prune({ olderThanMs })`. @default Date.now */
  now?: () => number;
  /**
   * Also send the change feed (`subscribe`) to the stores of this name in other tabs over the
   * BroadcastChannel `taskweave:<name>:store`, and receive theirs. @default false
   */
  broadcastChanges?: boolean;
  /**
   * Stores other packages keep in the same database (`defineStoreExtension`), created with the
   * task store's when missing, e.g. the worker package's collections, so a page that opens the
   * database first creates them too. @default []
   */
  extensions?: readonly StoreExtension[];
}

/**
 * The IndexedDB `TaskStore`: one database per scheduler name, versioned schema with
 * migrations (`schema.ts`), records validated with zod when read back, corrupt ones moved to
 * the `quarantine` store with a `PersistenceError('corrupt')`.
 *
 * Writes use group commit (`GroupCommit`, the one write coalescer): the `put` and `putIfStatus`
 * calls made until one macrotask after the first (a transaction costs about as much as a few
 * hundred puts here, and the events right behind it — another worker's results, the starts they
 * free — then write in the same one) share one readwrite transaction; each call resolves when
 * that transaction's `complete` fires, and a failed transaction rejects every call in it with
 * nothing of it written. A call holding a value IndexedDB cannot clone is
 * refused alone (a `ValidationError` naming the task and the field, e.g. `input.value.port`) and
 * the other calls of the transaction are committed without it. `QuotaExceededError` becomes
 * `PersistenceError('quota')`.
 *
 * @example
 * import { IdbTaskStore } from '@taskweave/core/idb'
 * const scheduler = new TaskScheduler({ executor, store: new IdbTaskStore({ name: 'my-app' }) })
 */
export class IdbTaskStore implements TaskStore {
  readonly name: string;
  readonly #durability: IDBTransactionDurability;
  readonly #sliceMs: number;
  readonly #now: () => number;
  readonly #commit: GroupCommit<WriteItem>;
  readonly #feed: ChangeFeed;
  readonly #connection: TaskweaveConnection;
  /** Set by `close()`: no new calls are taken. */
  #closing = false;
  /** Set once the queued writes of `close()` are done: the connection is gone. */
  #closed = false;
  /** A seq that meta (`lastSeq` or `seqReserved`) is known to be at or above: writes up to it need not raise it. */
  #seqCovered = 0;

  constructor(options: IdbTaskStoreOptions = {}) {
    this.name = options.name ?? 'default';
    this.#connection = new TaskweaveConnection(
      this.name,
      (error) =>
        error instanceof TaskweaveError
          ? error
          : new PersistenceError('unavailable', `Cannot open IndexedDB database ${databaseName(this.name)}: ${describeError(error)}`, { cause: error }),
      { extensions: options.extensions ?? [] },
    );
    this.#feed = new ChangeFeed(this.name, options.broadcastChanges ?? false);
    this.#durability = options.durability ?? 'strict';
    this.#sliceMs = options.sliceMs ?? 8;
    this.#now = options.now ?? Date.now;
    this.#commit = new GroupCommit<WriteItem>({
      commit: async (items) => {
        await this.#write(items);
        this.#announce(items);
      },
      maxBatchWeight: options.maxBatchRecords ?? 2000,
      weight: (item) => item.records.length,
    });
  }

  /** The IndexedDB database name this store uses. */
  get databaseName(): string {
    return databaseName(this.name);
  }

  /** Write transactions committed or attempted so far (group commit keeps this far below the puts). */
  get commitCount(): number {
    return this.#commit.commits;
  }

  /**
   * Listens to committed changes: this store's own writes (`origin: 'local'`, after they are
   * durable) and, with `broadcastChanges`, those of the same-named stores of other tabs
   * (`'remote'`). Returns the unsubscribe function.
   *
   * @example const off = store.subscribe((c) => c.type === 'put' && c.records.forEach(r => console.log(r.id, r.status)))
   */
  subscribe(listener: (change: StoreChange) => void): () => void {
    return this.#feed.subscribe(listener);
  }

  /**
   * Reserves `count` consecutive submission numbers no other store of this database (in any tab)
   * has used or will be given, and returns the first. For a tab that writes tasks while another
   * tab's scheduler runs them: its records continue the shared submission order.
   */
  async reserveSeq(count: number): Promise<number> {
    if (!Number.isInteger(count) || count < 1) {
      throw new ValidationError('reserveSeq: count must be a whole number ≥ 1', [{ path: ['count'], field: 'count', message: 'must be ≥ 1' }]);
    }
    if (this.#closing) throw closedError();
    const db = await this.#database();
    try {
      // relaxed is enough: records written later with strict durability flush this commit too.
      const tx = db.transaction(['tasks', 'meta'], 'readwrite', { durability: 'relaxed' });
      const meta = tx.objectStore('meta');
      const [reserved, stored, active] = await Promise.all([
        meta.get('seqReserved'),
        meta.get('lastSeq'),
        tx.objectStore('tasks').index('active').openKeyCursor(null, 'prev'),
      ]);
      const first = Math.max(reserved?.value ?? 0, stored?.value ?? 0, active?.key ?? 0) + 1;
      await meta.put({ key: 'seqReserved', value: first + count - 1 });
      await tx.done;
      this.#cover(first + count - 1);
      return first;
    } catch (error) {
      throw toPersistenceError(error, 'reserving submission numbers');
    }
  }

  /** Opens the database now (it is otherwise opened on first use); rejects with `PersistenceError('unavailable')`. */
  async open(): Promise<this> {
    await this.#database();
    return this;
  }

  async load(): Promise<StoreSnapshot> {
    if (this.#closing) throw closedError();
    const db = await this.#database();
    const tx = db.transaction(['tasks', 'meta'], 'readonly');
    const tasks = tx.objectStore('tasks');
    const [rows, keys, metaSeq, reservedSeq] = await Promise.all([
      tasks.index('active').getAll(),
      tasks.index('active').getAllKeys(),
      tx.objectStore('meta').get('lastSeq'),
      tx.objectStore('meta').get('seqReserved'),
    ]).catch((error: unknown) => {
      throw toPersistenceError(error, 'reading the task store');
    });
    // Meta holds the highest seq ever written (see `#write`); the unfinished rows are read anyway.
    let lastSeq = Math.max(0, metaSeq?.value ?? 0, reservedSeq?.value ?? 0);
    this.#cover(lastSeq);
    for (const row of rows) if (typeof row.seq === 'number' && row.seq > lastSeq) lastSeq = row.seq;
    const active: TaskRecord[] = [];
    const bad: { key: string; value: unknown; error: ValidationError }[] = [];
    rows.forEach((value, i) => {
      const key = String(keys[i]);
      const parsed = parseTaskRow(value);
      // A finished record left in the active index (an older writer's bug) is not active.
      if (parsed.ok) {
        if (!isTerminalStatus(parsed.record.status)) active.push(parsed.record);
      } else bad.push({ key, value, error: parsed.error });
    });
    const quarantined = bad.length === 0 ? [] : await this.#quarantine(bad);
    return { active, lastSeq, quarantined };
  }

  put(records: readonly TaskRecord[]): Promise<void> {
    if (this.#closing) return Promise.reject(closedError());
    if (records.length === 0) return Promise.resolve();
    return this.#commit.enqueue({ records, expected: undefined, written: [] });
  }

  /**
   * Compare-and-set on the status (see `TaskStore.putIfStatus`): the stored records are read and
   * the matching ones written in one readwrite transaction, which IndexedDB runs alone on the
   * `tasks` store, so no other tab's write lands in between. Shares group commit with `put`,
   * in call order.
   */
  async putIfStatus(records: readonly TaskRecord[], expected: readonly TaskStatus[]): Promise<boolean[]> {
    if (this.#closing) throw closedError();
    if (records.length === 0) return [];
    const item: WriteItem = { records, expected: new Set(expected), written: [] };
    await this.#commit.enqueue(item);
    return item.written;
  }

  async get(id: TaskId): Promise<TaskRecord | undefined> {
    if (this.#closing) throw closedError();
    const db = await this.#database();
    const value = await db.get('tasks', id).catch((error: unknown) => {
      throw toPersistenceError(error, `reading task ${id}`);
    });
    if (value === undefined) return undefined;
    const parsed = parseTaskRow(value);
    if (parsed.ok) return parsed.record;
    const [entry] = await this.#quarantine([{ key: id, value, error: parsed.error }]);
    throw entry?.error ?? corruptError(id, parsed.error);
  }

  async getMany(ids: readonly TaskId[]): Promise<(TaskRecord | undefined)[]> {
    if (this.#closing) throw closedError();
    if (ids.length === 0) return [];
    const db = await this.#database();
    const values = await (async () => {
      const store = db.transaction('tasks', 'readonly').store;
      return Promise.all(ids.map((id) => store.get(id)));
    })().catch((error: unknown) => {
      throw toPersistenceError(error, `reading ${ids.length} tasks`);
    });
    const out: (TaskRecord | undefined)[] = [];
    const bad: { key: string; value: unknown; error: ValidationError }[] = [];
    values.forEach((value, i) => {
      if (value === undefined) return out.push(undefined);
      const parsed = parseTaskRow(value);
      if (parsed.ok) return out.push(parsed.record);
      bad.push({ key: String(ids[i]), value, error: parsed.error });
      return out.push(undefined);
    });
    if (bad.length === 0) return out;
    // Like get(): a corrupt record is moved aside and reported; read again, it is absent.
    const [entry] = await this.#quarantine(bad);
    throw entry?.error ?? corruptError(bad[0]!.key, bad[0]!.error);
  }

  /** A page of tasks (see `TaskStore.list`); a corrupt row on the way is set aside and left out. */
  async list(query?: TaskListQuery): Promise<TaskListPage> {
    const plan = planList(query);
    if (this.#closing) throw closedError();
    const db = await this.#database();
    const { records, bad } = await readList(db, plan).catch((error: unknown) => {
      throw toPersistenceError(error, 'listing tasks');
    });
    if (bad.length > 0) await this.#quarantine(bad);
    return toPage(records, plan);
  }

  async prune(options: PruneOptions): Promise<number> {
    const { olderThanMs, keepLast } = options;
    if (olderThanMs !== undefined && !(olderThanMs >= 0)) {
      throw new ValidationError('prune: olderThanMs must be a number ≥ 0', [
        { path: ['olderThanMs'], field: 'olderThanMs', message: 'must be a number ≥ 0' },
      ]);
    }
    if (keepLast !== undefined && !(Number.isInteger(keepLast) && keepLast >= 0)) {
      throw new ValidationError('prune: keepLast must be a whole number ≥ 0', [
        { path: ['keepLast'], field: 'keepLast', message: 'must be a whole number ≥ 0' },
      ]);
    }
    if (this.#closing) throw closedError();
    if (olderThanMs === undefined && keepLast === undefined) return 0;
    // Writes queued before this call land first, so a just-finished task is pruned by its real age.
    await this.#commit.settled();
    const db = await this.#database();
    const cutoff = olderThanMs === undefined ? undefined : this.#now() - olderThanMs;
    try {
      const tx = db.transaction('tasks', 'readwrite', { durability: this.#durability });
      const tasks = tx.objectStore('tasks');
      // No seq is lost with the rows: meta `lastSeq` already holds the highest one ever written.
      // Finished records sort by [doneAt, seq] in the `done` index, so both rules remove a prefix of
      // it: everything up to the newest record that goes. Its primary keys in one request, then
      // bulk deletes by key range, never a cursor step (or a read of the value) per record.
      const done = tasks.index('done');
      let bound: [number, number] | undefined;
      if (keepLast !== undefined) {
        let cursor = await done.openKeyCursor(null, 'prev');
        if (cursor !== null && keepLast > 0) cursor = await cursor.advance(keepLast);
        if (cursor !== null) bound = cursor.key;
      }
      if (cutoff !== undefined) {
        const older = await done.openKeyCursor(IDBKeyRange.upperBound([cutoff], true), 'prev');
        if (older !== null && (bound === undefined || indexedDB.cmp(older.key, bound) > 0)) bound = older.key;
      }
      const doomed = bound === undefined ? [] : await done.getAllKeys(IDBKeyRange.upperBound(bound));
      await deleteInRuns(unwrap(tasks) as unknown as IDBObjectStore, doomed);
      const removed = doomed.length;
      await tx.done;
      if (removed > 0) this.#feed.publish({ type: 'prune', removed });
      return removed;
    } catch (error) {
      throw toPersistenceError(error, 'pruning the task store');
    }
  }

  /** Waits for queued writes, then closes the connection. Later calls reject with `unavailable`. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await this.#commit.settled();
    this.#closed = true;
    this.#feed.close();
    await this.#connection.close();
  }

  #database(): Promise<TaskweaveDatabase> {
    if (this.#closed) return Promise.reject(closedError());
    return this.#connection.get();
  }


  #cover(seq: number): void {
    if (seq > this.#seqCovered) this.#seqCovered = seq;
  }

  #announce(items: readonly WriteItem[]): void {
    const records: ChangedRecord[] = [];
    for (const item of items) {
      item.records.forEach((r, i) => {
        if (item.expected !== undefined && item.written[i] !== true) return;
        const changed: ChangedRecord = { id: r.task.id, status: r.status, seq: r.seq, updatedAt: r.updatedAt };
        if (r.wrote === 'checkpoint') changed.checkpoint = { ...r.checkpoint?.progress };
        records.push(changed);
      });
    }
    if (records.length > 0) this.#feed.publish({ type: 'put', records });
  }

  /**
   * One readwrite transaction for all records of `items`, in order; resolves on `complete`.
   * A conditional item reads its stored records first and places its writes once they are read;
   * later items wait for that, so writes to one id still land in call order.
   */
  async #write(items: readonly WriteItem[]): Promise<void> {
    // The highest seq stored is kept in meta `lastSeq` (there is no index on seq): a write that
    // stores a higher one raises it in the same transaction, so the two commit together.
    let top = 0;
    for (const item of items) for (const record of item.records) if (record.seq > top) top = record.seq;
    const raise = top > this.#seqCovered;
    const scope: string[] = raise ? ['tasks', 'meta'] : ['tasks'];
    let db = unwrap(await this.#database());
    let tx: IDBTransaction;
    try {
      tx = db.transaction(scope, 'readwrite', { durability: this.#durability });
    } catch (error) {
      // The connection was closed under us (another connection upgraded or deleted the
      // database): open a new one once and go on.
      if ((error as { name?: unknown } | null)?.name !== 'InvalidStateError') {
        throw toPersistenceError(error, 'starting a write');
      }
      this.#connection.reset();
      db = unwrap(await this.#database());
      try {
        tx = db.transaction(scope, 'readwrite', { durability: this.#durability });
      } catch (again) {
        throw toPersistenceError(again, 'starting a write');
      }
    }
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      tx.oncomplete = () => {
        settled = true;
        if (raise) this.#cover(top);
        resolve();
      };
      tx.onabort = () => {
        if (settled) return;
        settled = true;
        reject(toPersistenceError(tx.error ?? new DOMException('The write transaction was aborted', 'AbortError'), 'writing tasks'));
      };
      const store = tx.objectStore('tasks');
      if (raise) {
        // Read and raised inside this transaction: never lowered by a writer that knew less.
        const meta = tx.objectStore('meta');
        const stored = meta.get('lastSeq') as IDBRequest<{ value: number } | undefined>;
        stored.onsuccess = () => {
          if (!settled && (stored.result?.value ?? 0) < top) meta.put({ key: 'lastSeq', value: top });
        };
      }
      const fail = (i: number, record: TaskRecord, error: unknown): void => {
        if (settled) return;
        // Thrown synchronously (DataCloneError, or a quota error some engines raise here):
        // drop the whole transaction; only the offending call fails unless it is the quota.
        settled = true;
        try {
          tx.abort();
        } catch {
          // already finished
        }
        if (isDataCloneError(error)) {
          reject(new RejectItems(new Map([[i, uncloneableRecordError(record, error)]])));
          return;
        }
        const mapped = toPersistenceError(error, `writing task ${String(record.task?.id)}`);
        reject(mapped.reason === 'quota' ? mapped : new RejectItems(new Map([[i, mapped]])));
      };
      const sliceMs = this.#sliceMs;
      // Puts go in slices of about sliceMs: cloning 20,000 records in one loop would hold the main
      // thread for seconds. The next slice starts from a request's success event, where the
      // transaction is still active, so the write stays one transaction (all or nothing).
      // A conditional item reads its stored records first and places its writes once they are
      // read; later items wait for that, so writes to one id still land in call order. Its reads
      // go first, before the puts of the items ahead of it, when none of those touches its ids:
      // the engine then answers them while this thread still clones those puts.
      // Those of them that expect "not finished" (the scheduler's starts) share one read.
      const reads = new Map<WriteItem, MatchRead>();
      const ahead = new Set<TaskId>();
      const shared: WriteItem[] = [];
      for (const item of items) {
        if (item.expected !== undefined && item.records.length > 0 && item.records.every((r) => !ahead.has(r.task.id))) {
          if (isUnfinishedSet(item.expected)) shared.push(item);
          else reads.set(item, readMatches(store, item.records, item.expected));
        }
        for (const record of item.records) ahead.add(record.task.id);
      }
      if (shared.length > 0) {
        const first = shared[0] as WriteItem;
        const records = shared.length === 1 ? first.records : shared.flatMap((item) => item.records);
        const read = readMatches(store, records, first.expected as ReadonlySet<TaskStatus>);
        let offset = 0;
        for (const item of shared) {
          const from = offset;
          const to = (offset += item.records.length);
          reads.set(item, shared.length === 1 ? read : (callback) => read((matches) => callback(matches.slice(from, to))));
        }
      }
      const run = (fromItem: number, fromRecord: number): void => {
        if (settled) return;
        const started = performance.now();
        let count = 0;
        for (let i = fromItem; i < items.length; i++) {
          const item = items[i] as WriteItem;
          if (item.expected !== undefined) {
            item.written = [];
            const expected = item.expected;
            if (item.records.length === 0) continue;
            (reads.get(item) ?? readMatches(store, item.records, expected))((matches) => {
              if (settled) return;
              // Every stored record of this item is read: decide, write, then go on with the rest.
              for (let r = 0; r < matches.length; r++) {
                const match = matches[r] === true;
                item.written.push(match);
                if (!match) continue;
                const record = item.records[r] as TaskRecord;
                try {
                  store.put(toTaskRow(record));
                } catch (error) {
                  return fail(i, record, error);
                }
              }
              run(i + 1, 0);
            });
            return;
          }
          for (let j = i === fromItem ? fromRecord : 0; j < item.records.length; j++) {
            const record = item.records[j] as TaskRecord;
            let request: IDBRequest;
            try {
              request = store.put(toTaskRow(record));
            } catch (error) {
              return fail(i, record, error);
            }
            if (++count % 32 === 0 && performance.now() - started >= sliceMs) {
              // The backend works on what was queued meanwhile; go on from this request's success.
              request.addEventListener('success', () => run(i, j + 1), { once: true });
              return;
            }
          }
        }
      };
      run(0, 0);
    });
  }

  async #quarantine(
    bad: { key: string; value: unknown; error: ValidationError }[],
  ): Promise<{ key: string; error: PersistenceError }[]> {
    const out = bad.map(({ key, error }) => ({ key, error: corruptError(key, error) }));
    try {
      const db = await this.#database();
      const tx = db.transaction(['tasks', 'quarantine'], 'readwrite', { durability: this.#durability });
      const at = this.#now();
      for (const { key, error } of bad) {
        // Re-read inside the transaction: a write may have replaced the row since.
        const current = await tx.objectStore('tasks').get(key);
        if (current === undefined || parseTaskRow(current).ok) continue;
        await tx.objectStore('quarantine').put({ key, value: current, error: error.message, at });
        await tx.objectStore('tasks').delete(key);
      }
      await tx.done;
    } catch (error) {
      // Could not move them: they stay where they are and are reported again next time.
      for (const entry of out) entry.error.details!['quarantineFailed'] = describeError(error);
    }
    return out;
  }
}

/** One caller's part of a group commit: plain records, or a compare-and-set on their status. */
interface WriteItem {
  records: readonly TaskRecord[];
  /** Statuses the stored record must have for the write; `undefined`: write unconditionally. */
  expected: ReadonlySet<TaskStatus> | undefined;
  /** Filled by the commit for a conditional item: which records were written. */
  written: boolean[];
}
