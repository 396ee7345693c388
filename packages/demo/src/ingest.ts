/**
 * Text → chunks → embeddings → collection, as tasks:
 * - the bundled corpus is already in passages: it goes in as DataStorage tasks of
 *   `PASSAGES_PER_TASK` documents each, with `modelId`, so the worker embeds them (one batched
 *   call per task) and stores text, vector and metadata. Every task is durable in IndexedDB,
 *   so a reload mid-run resumes the remaining ones.
 * - pasted text first goes through a TextProcessing task (sentence chunks), then its chunks go
 *   in the same way.
 */
import { TaskPriority, TaskType, type TaskId } from '@taskweave/core';
import type { Taskweave } from '@taskweave/web-worker';
import type { Passage } from './corpus.js';
import { COLLECTION, DATABASE, EMBEDDING_MODEL } from './runtime.js';

/** Documents per DataStorage task: one embedding batch each. */
export const PASSAGES_PER_TASK = 10;

/** Submits the storage tasks for `passages`; resolves with their ids once all are durable. */
export async function ingestPassages(tw: Pick<Taskweave, 'submitMany'>, passages: readonly Passage[], label: string): Promise<TaskId[]> {
  const submissions = [];
  for (let i = 0; i < passages.length; i += PASSAGES_PER_TASK) {
    const group = passages.slice(i, i + PASSAGES_PER_TASK);
    submissions.push({
      type: TaskType.DataStorage,
      priority: TaskPriority.Normal,
      modelId: EMBEDDING_MODEL,
      metadata: { database: DATABASE, label: `${label} ${i + 1}–${i + group.length}` },
      input: {
        kind: 'custom' as const,
        value: {
          collection: COLLECTION,
          documents: group.map((p) => ({ id: p.id, text: p.text, metadata: { year: p.year, president: p.president } })),
        },
      },
    });
  }
  return tw.submitMany(submissions);
}
