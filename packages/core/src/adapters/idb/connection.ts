import type { DBSchema } from 'idb';
import { openTaskweaveDb, type TaskweaveDatabase } from './schema.js';
import type { TaskweaveDB } from './taskweaveDB.js';
import type { StoreExtension } from './storeExtension.js';

/** Options of `TaskweaveConnection`. */
export interface TaskweaveConnectionOptions {
  /**
   * Stores of other packages this connection needs (created when missing); name their schema as
   * the class's type argument to type `get()`. @default []
   */
  extensions?: readonly StoreExtension[];
}

/**
 * A lazily opened connection to the database `taskweave:<name>` (pass the name) that steps aside when a newer
 * version wants the database (another tab upgrading, another package adding its stores) or the
 * browser closes it, and opens anew on the next `get()`. Shared by the task store and the
 * worker-side collections, each with the store extensions it uses.
 *
 * @example
 * const connection = new TaskweaveConnection<NotesDB>('my-app', (e) => new PersistenceError('unavailable', 'no db', { cause: e }), { extensions: [notesStores] })
 * const db = await connection.get()
 */
export class TaskweaveConnection<X extends DBSchema = TaskweaveDB> {
  readonly #name: string;
  readonly #openError: (error: unknown) => Error;
  readonly #extensions: readonly StoreExtension[];
  #db: Promise<TaskweaveDatabase<X>> | undefined;

  /** @param openError turns a failure to open into the error `get()` rejects with */
  constructor(name: string, openError: (error: unknown) => Error, options: TaskweaveConnectionOptions = {}) {
    this.#name = name;
    this.#openError = openError;
    this.#extensions = options.extensions ?? [];
  }

  get(): Promise<TaskweaveDatabase<X>> {
    if (this.#db === undefined) {
      const opening: Promise<TaskweaveDatabase<X>> = openTaskweaveDb<X>(this.#name, {
        extensions: this.#extensions,
        // A newer version elsewhere wants the database: close ours, reopen on next use.
        onBlocking: () => {
          void opening.then((db) => db.close());
          if (this.#db === opening) this.#db = undefined;
        },
        onTerminated: () => {
          if (this.#db === opening) this.#db = undefined;
        },
      }).catch((error: unknown) => {
        if (this.#db === opening) this.#db = undefined;
        throw this.#openError(error);
      });
      this.#db = opening;
    }
    return this.#db;
  }

  /** Forgets the current connection (it was closed under us); the next `get()` opens a new one. */
  reset(): void {
    this.#db = undefined;
  }

  /** Closes the connection if one is open. */
  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    if (db !== undefined) (await db.catch(() => undefined))?.close();
  }
}
