/**
 * `@taskweave/core/idb`: the IndexedDB adapter of the core's `TaskStore` port, the database
 * schema, and store extensions: how another package (the worker package's collections) keeps its
 * own stores in the same database.
 */
export { IdbTaskStore } from './idbTaskStore.js';
export { toPersistenceError } from './persistenceError.js';
export { TaskweaveConnection } from './connection.js';
export type { TaskweaveConnectionOptions } from './connection.js';
export type { IdbTaskStoreOptions } from './idbTaskStore.js';
export { GroupCommit, RejectItems } from './groupCommit.js';
export { ChangeFeed, changeFeedChannel } from './changeFeed.js';
export type { StoreChange, ChangedRecord } from './changeFeed.js';
export type { GroupCommitOptions } from './groupCommit.js';
export { DB_VERSION, DB_PREFIX, databaseName, openTaskweaveDb, migrate, toTaskRow } from './schema.js';
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
export { taskRowSchema, parseTaskRow } from './recordSchema.js';
