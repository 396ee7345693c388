/**
 * Text → chunks → embeddings → collection, as tasks:
 * - the bundled corpus is already in passages: it goes in as one DataStorage task (`tw.store`)
 *   with `modelId`, which the worker commits `PASSAGES_PER_CHUNK` documents at a time (one
 *   batched embedding call and one transaction each), reporting `{ done, total }` documents as
 *   task progress. The task is durable in IndexedDB and checkpoints after every chunk, so a
 *   reload mid-run resumes after the last committed chunk.
 * - pasted text first goes through a TextProcessing task (sentence chunks), then its chunks go
 *   in the same way.
 */
import { TaskPriority, type RequestOutputs } from '@taskweave/core';
import type { TaskHandle, Taskweave } from '@taskweave/web-worker';
import type { Passage } from './corpus.js';
import { COLLECTION, DATABASE, EMBEDDING_MODEL } from './runtime.js';

/** Documents per committed chunk of a storage task: one embedding batch each. */
export const PASSAGES_PER_CHUNK = 10;

/** Submits one chunked storage task for `passages`; resolves with its handle once it is durable. */
export function ingestPassages(tw: Pick<Taskweave, 'store'>, passages: readonly Passage[], label: string): Promise<TaskHandle<RequestOutputs['store'], string[]>> {
  return tw.store(
    COLLECTION,
    passages.map((p) => ({ id: p.id, text: p.text, metadata: { year: p.year, president: p.president } })),
    {
      model: EMBEDDING_MODEL,
      chunkSize: PASSAGES_PER_CHUNK,
      priority: TaskPriority.Normal,
      metadata: { database: DATABASE, label: `${label} (${passages.length} passages)` },
    },
  );
}
