/**
 * The rows and stores of the task store's own part of a taskweave database, as types for `idb`
 * (schema.ts says how they came to be; storeExtension.ts keeps extensions off these stores).
 */
import type { DBSchema } from 'idb';
import type { TaskRecord } from '../../ports.js';

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

/** The typed schema, for `idb`. */
export interface TaskweaveDB extends DBSchema {
  tasks: {
    key: string;
    value: TaskRow;
    indexes: { active: number; done: [number, number] };
  };
  quarantine: { key: string; value: QuarantineRow };
  meta: { key: string; value: { key: string; value: number } };
}
