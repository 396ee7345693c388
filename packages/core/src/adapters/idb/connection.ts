import { openTaskweaveDb, type TaskweaveDatabase } from './schema.js';

/**
 * A lazily opened connection to the database `taskweave:<name>` (pass the name) that steps aside when a newer
 * version wants the database (another tab upgrading) or the browser closes it, and opens anew on
 * the next `get()`. Shared by the task store and the worker-side collections.
 */
export class TaskweaveConnection {
  readonly #name: string;
  readonly #openError: (error: unknown) => Error;
  #db: Promise<TaskweaveDatabase> | undefined;

  /** @param openError turns a failure to open into the error `get()` rejects with */
  constructor(name: string, openError: (error: unknown) => Error) {
    this.#name = name;
    this.#openError = openError;
  }

  get(): Promise<TaskweaveDatabase> {
    if (this.#db === undefined) {
      const opening: Promise<TaskweaveDatabase> = openTaskweaveDb(this.#name, {
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
