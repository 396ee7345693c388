/**
 * VectorSearch: exact cosine top-k over a collection (`SearchQuery`: collection, vector or
 * text, topK, metadata filter, minScore). The collection's vectors are held once per page (a
 * shared snapshot plus this worker's delta, `collectionView.ts`), each float32 exactly as an int8
 * code and a 24-bit remainder, searched by a SIMD scan of the codes with an exact re-rank
 * (`vectorIndex.ts`), and kept in sync with every writer (`collectionIndex.ts`). Output `{ kind: 'searchResults', hits }`, best first,
 * equal scores by id.
 */
import { searchQuerySchema, ValidationError, type SearchHit, type Task, type TaskOutput } from '@taskweave/core';
import type { HandlerContext, TaskHandler } from '../runtime/handler.js';
import { databaseOf } from '../collections/collectionStore.js';
import { syncedIndex } from '../collections/collectionIndex.js';
import { embedTexts } from './embedder.js';
import { parseInput, collectionNotFound } from './handlerInput.js';

/** Runs the search of a task whose input is a query; shared with DataRetrieval. */
export async function runSearch(task: Task, ctx: HandlerContext): Promise<{ hits: SearchHit[] }> {
  if (task.input.kind !== 'query') {
    throw new ValidationError(`${task.type}: input.kind must be 'query', not '${task.input.kind}'`, [
      { path: ['input', 'kind'], field: 'input.kind', message: "must be 'query'" },
    ]);
  }
  const query = parseInput(searchQuerySchema, task.input.query, task.type, ['input', 'query']);
  let vector: ArrayLike<number> | undefined = query.vector;
  if (vector === undefined) {
    if (task.modelId === undefined) {
      throw new ValidationError(`${task.type}: a text query needs the task's modelId to embed it`, [
        { path: ['modelId'], field: 'modelId', message: 'is required when query.text is given without query.vector' },
      ]);
    }
    [vector] = await embedTexts([query.text as string], task, ctx);
  }
  ctx.signal.throwIfAborted();
  const { index, row } = await syncedIndex(databaseOf(task.metadata), query.collection);
  if (row === undefined) throw collectionNotFound(query.collection, 'input.query.collection');
  if (index === undefined) return { hits: [] };
  if ((vector as ArrayLike<number>).length !== index.dims) {
    throw new ValidationError(`${task.type}: input.query.vector must have ${index.dims} dimensions (the collection's), got ${(vector as ArrayLike<number>).length}`, [
      { path: ['input', 'query', 'vector'], field: 'input.query.vector', message: `must have ${index.dims} dimensions` },
    ]);
  }
  const found = index.search(vector as ArrayLike<number>, {
    topK: query.topK,
    ...(query.filter === undefined ? {} : { filter: query.filter }),
    ...(query.minScore === undefined ? {} : { minScore: query.minScore }),
  });
  const hits = found.map(({ id, score, payload }) => {
    const hit: SearchHit = { id, score };
    if (payload.text !== undefined) hit.text = payload.text;
    if (payload.metadata !== undefined) hit.metadata = payload.metadata;
    return hit;
  });
  return { hits };
}

/** VectorSearch handler (`TaskHandler`). */
export const vectorSearchHandler: TaskHandler = async (task, ctx): Promise<TaskOutput> => {
  const { hits } = await runSearch(task, ctx);
  return { kind: 'searchResults', hits };
};
