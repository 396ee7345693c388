/**
 * `@taskweave/core/idb`: the IndexedDB adapter of the core's `TaskStore` port, what a migration
 * of a taskweave database needs (its name, version and typed open), and store extensions: how
 * another package (the worker package's collections) keeps its own stores in the same database.
 */
export { IdbTaskStore } from './idbTaskStore.js';
export type { IdbTaskStoreOptions } from './idbTaskStore.js';
export type { StoreChange, ChangedRecord } from './changeFeed.js';
export { toPersistenceError } from './persistenceError.js';
export { TaskweaveConnection } from './connection.js';
export type { TaskweaveConnectionOptions } from './connection.js';
export { DB_VERSION, DB_PREFIX, databaseName, openTaskweaveDb } from './schema.js';
export type { TaskweaveDatabase, OpenCallbacks, OpenOptions } from './schema.js';
export type { TaskweaveDB, TaskRow, QuarantineRow } from './taskweaveDB.js';
export { defineStoreExtension } from './storeExtension.js';
export type {
  StoreExtension,
  StoreExtensionDefinition,
  ObjectStoreDeclaration,
  IndexDeclaration,
  KeyPath,
  DeclaredStore,
} from './storeExtension.js';
