/**
 * `@taskweave/core/idb`: the IndexedDB adapter of the core's `TaskStore` port, and the
 * database schema the worker-side collections share.
 */
export { IdbTaskStore, toPersistenceError } from './idbTaskStore.js';
export { TaskweaveConnection } from './connection.js';
export type { IdbTaskStoreOptions } from './idbTaskStore.js';
export { GroupCommit, RejectItems } from './groupCommit.js';
export { ChangeFeed, changeFeedChannel } from './changeFeed.js';
export type { StoreChange, ChangedRecord } from './changeFeed.js';
export type { GroupCommitOptions } from './groupCommit.js';
export { DB_VERSION, DB_PREFIX, databaseName, openTaskweaveDb, migrate, toTaskRow } from './schema.js';
export type { TaskweaveDB, TaskweaveDatabase, TaskRow, DocumentRow, CollectionRow, CollectionChange, QuarantineRow, OpenCallbacks } from './schema.js';
export { taskRowSchema, parseTaskRow } from './recordSchema.js';
