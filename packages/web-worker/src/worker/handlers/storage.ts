/**
 * DataStorage and DataRetrieval: documents `{ id?, text?, vector?, metadata? }` in named
 * collections of the scheduler's IndexedDB database (see `collectionStore.ts` for where).
 *
 * DataStorage input: `{ kind: 'custom', value: { collection, documents, delete? } }`, or
 * `{ kind: 'text', text }` with `metadata.collection` (one document). Documents without a vector
 * are embedded first, inside the handler, when the task has a `modelId` (all of them in one
 * batched call, see `embedder.ts`); without a model they are stored unsearchable. Output `{ kind: 'stored', ids }` in input order (new ids are UUIDs).
 *
 * DataRetrieval input: `{ kind: 'custom', value: { collection, ids?, filter?, limit?, cursor?,
 * includeVectors? } }` — by ids (in the order asked, absent ones left out), or a page of the
 * collection in insertion order matching the metadata equality `filter`, continued with
 * `nextCursor`. Or `{ kind: 'query', query }`: the documents of a vector search, best first.
 * Output `{ kind: 'documents', documents, nextCursor? }`.
 */
import { z } from 'zod';
import { CancelledError, TaskweaveError, ValidationError, type StoredDocument, type Task, type TaskOutput } from '@taskweave/core';
import type { DocumentRow } from '../../shared/collectionSchema.js';
import type { HandlerContext, TaskHandler } from '../runtime/handler.js';
import { CollectionStore, databaseOf, type PreparedDocument, type WriteOutcome } from '../collections/collectionStore.js';
import { applyLocalWrite } from '../collections/collectionIndex.js';
import { embedTexts } from './embedder.js';
import { checkVector } from '../search/vectorCheck.js';
import { runSearch } from './vector.js';
import { parseInput } from './handlerInput.js';

import { retrievalInputSchema, storageInputSchema } from '../../shared/storageSchema.js';

export { retrievalInputSchema, storageInputSchema } from '../../shared/storageSchema.js';
export type { RetrievalInput, StorageInput } from '../../shared/storageSchema.js';

function wrongKind(type: string, task: Task, allowed: string): never {
  throw new ValidationError(`${type}: input.kind must be ${allowed}, not '${task.input.kind}'`, [
    { path: ['input', 'kind'], field: 'input.kind', message: `must be ${allowed}` },
  ]);
}

/**
 * DataStorage: upserts (and deletes) documents of one collection, `chunkSize` documents per
 * transaction (deletes go with the first). Each commit writes its chunk's receipt in the same
 * transaction and is then reported: its ids as a chunk of the task's stream, progress (documents
 * stored of all), and a checkpoint `{ chunks }`. A run that resumes (a reload, a handover, a retry)
 * skips the chunks whose receipts exist, so each document is written once; a cancel between
 * chunks ends the task `Cancelled` with the committed ids in the error's details (`committed`):
 * nothing beyond them was written. A task of one chunk commits all or nothing, as before.
 */
export const dataStorageHandler: TaskHandler = async (task, ctx) => {
  let input: z.output<typeof storageInputSchema>;
  if (task.input.kind === 'custom') {
    input = parseInput(storageInputSchema, task.input.value, 'DataStorage', ['input', 'value']);
  } else if (task.input.kind === 'text') {
    const collection = task.metadata['collection'];
    if (collection === undefined || collection === '') {
      throw new ValidationError('DataStorage: a text input needs metadata.collection', [
        { path: ['metadata', 'collection'], field: 'metadata.collection', message: 'must name the collection' },
      ]);
    }
    input = { collection, documents: [{ text: task.input.text }], delete: [], chunkSize: 256 };
  } else {
    wrongKind('DataStorage', task, "'custom' or 'text'");
  }
  const database = databaseOf(task.metadata);
  const store = CollectionStore.for(database);
  // Ran before and committed in one chunk (a reload, or a crash after the commit): answer with what it stored.
  const earlier = await store.receipt(task.id);
  if (earlier !== undefined) return { kind: 'stored', ids: earlier.ids };
  // Every document is checked before the first commit: a bad one refuses the task with nothing written.
  const documents = prepare(input.documents, task);
  const size = input.chunkSize;
  const chunks = Math.max(1, Math.ceil(documents.length / size));
  // Chunks before the checkpoint were committed and streamed by an earlier run.
  const resumed = Math.min(chunks, (ctx.resumeFrom as { chunks?: number } | undefined)?.chunks ?? 0);
  const committed: string[] = [];
  for (let k = 0; k < chunks; k++) {
    const part = documents.slice(k * size, (k + 1) * size);
    const receiptKey = chunks === 1 ? task.id : chunkReceiptKey(task.id, k);
    const done = chunks === 1 ? undefined : await store.receipt(receiptKey);
    if (done !== undefined) {
      committed.push(...done.ids);
      if (k >= resumed) await report(ctx, k, done.ids, committed.length, documents.length, chunks);
      continue;
    }
    if (ctx.signal.aborted) throw cancelledAfter(ctx.signal.reason, committed, k, chunks);
    let outcome: WriteOutcome;
    try {
      await embedMissing(part, task, ctx);
      ctx.signal.throwIfAborted();
      outcome = await store.write(
        input.collection,
        part,
        k === 0 ? input.delete : [],
        (dims) => {
          part.forEach((d, j) => {
            if (d.vector !== undefined) checkVector(d.vector, `input.value.documents.${k * size + j}.vector`, dims);
          });
        },
        receiptKey,
        ctx.signal,
      );
    } catch (error) {
      if (ctx.signal.aborted && k > 0) throw cancelledAfter(ctx.signal.reason, committed, k, chunks);
      throw error;
    }
    if (!outcome.replayed) applyLocalWrite(database, input.collection, outcome, part, k === 0 ? input.delete : []);
    committed.push(...outcome.ids);
    if (chunks > 1) await report(ctx, k, outcome.ids, committed.length, documents.length, chunks);
  }
  return { kind: 'stored', ids: committed };
};

/** The receipt key of chunk `k` of a task that commits in several. */
export function chunkReceiptKey(taskId: string, k: number): string {
  return `${taskId}#${k}`;
}

/** A committed chunk: its ids to the stream, progress, and (past the ones resumed) a checkpoint. */
async function report(ctx: HandlerContext, k: number, ids: string[], stored: number, total: number, chunks: number): Promise<void> {
  ctx.emit(ids);
  ctx.progress({ kind: 'task', done: stored, total, note: `chunk ${k + 1} of ${chunks} committed` });
  await ctx.checkpoint({ chunks: k + 1 });
}

/** The cancel that stopped a task between chunks, with what it had committed (its only effect). */
function cancelledAfter(reason: unknown, committed: readonly string[], chunk: number, chunks: number): TaskweaveError {
  const cause = reason instanceof TaskweaveError ? reason : undefined;
  return new CancelledError(
    `${cause?.message ?? 'Cancelled'} after ${chunk} of ${chunks} chunks committed (${committed.length} documents); nothing else was written`,
    { details: { committed: [...committed], committedChunks: chunk, chunks } },
  );
}

/**
 * The id of document `index` of a DataStorage task that gave it none: `<task id>:<index>`, the
 * same on every run of the task, so a re-run overwrites instead of adding a copy.
 * @example documentId('1b4e…', 0) // '1b4e…:0'
 */
export function documentId(taskId: string, index: number): string {
  return `${taskId}:${index}`;
}

/** Gives every document an id and a checked Float32Array vector; refuses blank texts that would need embedding. */
function prepare(docs: z.output<typeof storageInputSchema>["documents"], task: Task): PreparedDocument[] {
  const prepared: PreparedDocument[] = docs.map((d, i) => {
    // Without an explicit id, `<task id>:<index>`: a task that runs again overwrites its documents.
    const out: PreparedDocument = { id: d.id ?? documentId(task.id, i) };
    if (d.text !== undefined) out.text = d.text;
    if (d.metadata !== undefined) out.metadata = d.metadata;
    if (d.vector !== undefined) {
      checkVector(d.vector, `input.value.documents.${i}.vector`);
      // A copy: the caller's buffer may be reused or transferred.
      out.vector = Float32Array.from(d.vector);
    }
    return out;
  });
  const first = prepared.find((d) => d.vector !== undefined)?.vector;
  prepared.forEach((d, i) => {
    if (first !== undefined && d.vector !== undefined) checkVector(d.vector, `input.value.documents.${i}.vector`, first.length);
    if (task.modelId !== undefined && d.vector === undefined && d.text !== undefined && d.text.trim() === '') {
      throw new ValidationError(`DataStorage: input.value.documents.${i}.text is blank, so it cannot be embedded`, [
        { path: ['input', 'value', 'documents', i, 'text'], field: `input.value.documents.${i}.text`, message: 'must not be blank to be embedded' },
      ]);
    }
  });
  return prepared;
}

/** Embeds the texts of `part` that have no vector (one batched call), when the task has a model. */
async function embedMissing(part: PreparedDocument[], task: Task, ctx: HandlerContext): Promise<void> {
  const missing = part.filter((d) => d.vector === undefined && d.text !== undefined);
  if (missing.length === 0 || task.modelId === undefined) return;
  const vectors = await embedTexts(missing.map((d) => d.text as string), task, ctx);
  const dims = part.find((d) => d.vector !== undefined && !missing.includes(d))?.vector?.length;
  missing.forEach((d, i) => {
    const v = vectors[i] as Float32Array;
    checkVector(v, `embedding of input.value.documents (${d.id})`, dims);
    d.vector = v;
  });
}

/** DataRetrieval: documents by id, by metadata filter with paging, or by vector query. */
export const dataRetrievalHandler: TaskHandler = async (task, ctx): Promise<TaskOutput> => {
  const database = databaseOf(task.metadata);
  if (task.input.kind === 'query') {
    const { hits } = await runSearch(task, ctx);
    const { docs } = await CollectionStore.for(database).getMany(task.input.query.collection, hits.map((h) => h.id));
    return documentsOutput(docs.filter((d): d is DocumentRow => d !== undefined), true, ctx);
  }
  if (task.input.kind !== 'custom') wrongKind('DataRetrieval', task, "'custom' or 'query'");
  const input = parseInput(retrievalInputSchema, task.input.value, 'DataRetrieval', ['input', 'value']);
  const store = CollectionStore.for(database);
  if (input.ids !== undefined) {
    if (input.cursor !== undefined) {
      throw new ValidationError('DataRetrieval: cursor pages a listing, not a lookup by ids', [
        { path: ['input', 'value', 'cursor'], field: 'input.value.cursor', message: 'cannot be used with ids' },
      ]);
    }
    const { docs } = await store.getMany(input.collection, input.ids);
    const found = docs.filter((d): d is DocumentRow => d !== undefined && (input.filter === undefined || matches(d, input.filter)));
    return documentsOutput(found, input.includeVectors, ctx);
  }
  const page = await store.list(input.collection, {
    ...(input.filter === undefined ? {} : { filter: input.filter }),
    limit: input.limit,
    afterSeq: input.cursor === undefined ? -1 : Number(input.cursor),
  });
  const last = page.docs[page.docs.length - 1];
  const output = documentsOutput(page.docs, input.includeVectors, ctx);
  if (page.more && last !== undefined) output.nextCursor = String(last.seq);
  return output;
};

function matches(doc: DocumentRow, filter: Record<string, string | number | boolean>): boolean {
  for (const key in filter) if (doc.metadata?.[key] !== filter[key]) return false;
  return true;
}

function documentsOutput(
  rows: readonly DocumentRow[],
  includeVectors: boolean,
  ctx: HandlerContext,
): Extract<TaskOutput, { kind: 'documents' }> {
  const documents = rows.map((row) => {
    const doc: StoredDocument = { id: row.id };
    if (row.text !== undefined) doc.text = row.text;
    if (includeVectors && row.vector !== undefined) {
      doc.vector = row.vector;
      ctx.transfer(row.vector.buffer);
    }
    if (row.metadata !== undefined) doc.metadata = row.metadata;
    return doc;
  });
  return { kind: 'documents', documents };
}
