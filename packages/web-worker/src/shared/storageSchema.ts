/**
 * The inputs of DataStorage and DataRetrieval tasks, as zod schemas both sides use: the storage
 * handlers parse with them when a task runs, and `validateSubmission` checks DataStorage inputs
 * with the same schema when it is submitted.
 */
import { z } from 'zod';

export const filterValue = z.union([z.string(), z.number(), z.boolean()]);
export const metadata = z.record(z.string(), filterValue, { error: 'must map names to strings, numbers or booleans' });
export const collectionName = z.string({ error: 'must be a collection name' }).min(1, 'must be a non-empty collection name');

export const documentSchema = z
  .strictObject({
    id: z.string().min(1, 'must be a non-empty id').optional(),
    text: z.string().optional(),
    vector: z.union([z.instanceof(Float32Array), z.array(z.number())], { error: 'must be a Float32Array or an array of numbers' }).optional(),
    metadata: metadata.optional(),
  })
  .refine((d) => d.text !== undefined || d.vector !== undefined, { message: 'a document needs a text or a vector', path: ['text'] });

/** The `value` of a DataStorage task's custom input. */
export const storageInputSchema = z.strictObject({
  collection: collectionName,
  documents: z.array(documentSchema).max(100_000, 'at most 100,000 documents per task').default([]),
  delete: z.array(z.string().min(1)).max(100_000).default([]),
  /**
   * Documents per commit: a task of more commits them in chunks, each with its receipt, so a run
   * resumed after a reload skips the committed chunks and a cancel between chunks keeps them
   * (reported in the Cancelled error's details). @default 256
   */
  chunkSize: z.int({ error: 'must be a whole number' }).min(1, 'must be at least 1').max(100_000).default(256),
});
export type StorageInput = z.input<typeof storageInputSchema>;

/** The `value` of a DataRetrieval task's custom input. */
export const retrievalInputSchema = z.strictObject({
  collection: collectionName,
  ids: z.array(z.string().min(1)).max(10_000, 'at most 10,000 ids per task').optional(),
  filter: metadata.optional(),
  /** @default 100 */
  limit: z.int({ error: 'must be a whole number' }).min(1).max(10_000).default(100),
  cursor: z.string().regex(/^\d+$/, 'must be a nextCursor returned by an earlier page').optional(),
  /** @default true */
  includeVectors: z.boolean().default(true),
}).refine((v) => v.ids === undefined || v.cursor === undefined, { path: ['cursor'], message: 'cannot be used with ids: cursor pages a listing, not a lookup by ids' });
export type RetrievalInput = z.input<typeof retrievalInputSchema>;
