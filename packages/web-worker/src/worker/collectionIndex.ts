/**
 * Keeps one `VectorIndex` per collection in this worker, in step with IndexedDB.
 *
 * Several workers (and tabs) write to the same collections, so before every search the index
 * reads the collection's `version` (one small get). When another writer moved it on, the index
 * reads only the documents named in the collection's change log since its own version and
 * applies them; when the log no longer reaches back that far, it reloads the collection. A write
 * made by this worker is applied directly, without reading anything back. No message can be
 * missed because the version read is the source of truth (no BroadcastChannel needed).
 */
import type { CollectionRow, DocumentRow } from '../shared/collectionSchema.js';
import { CollectionStore, type PreparedDocument, type WriteOutcome } from './collectionStore.js';
import { VectorIndex } from './vectorIndex.js';

interface Entry {
  version: number;
  /** Undefined while the collection holds no vector yet. */
  index: VectorIndex | undefined;
}

const entries = new Map<string, Entry>();
const keyOf = (database: string, collection: string) => `${database}\u0000${collection}`;

/** How the last `syncedIndex` call got up to date (for tests and metrics). */
export type SyncKind = 'current' | 'incremental' | 'reload' | 'empty';

/**
 * The index of `collection`, up to date with what IndexedDB holds now.
 * Resolves with `index: undefined` when the collection has no vector (or does not exist: `row` undefined).
 */
export async function syncedIndex(
  database: string,
  collection: string,
): Promise<{ index: VectorIndex | undefined; row: CollectionRow | undefined; sync: SyncKind }> {
  const store = CollectionStore.for(database);
  const key = keyOf(database, collection);
  const row = await store.info(collection);
  if (row === undefined) {
    entries.delete(key);
    return { index: undefined, row, sync: 'empty' };
  }
  const entry = entries.get(key);
  if (entry !== undefined && entry.version === row.version) return { index: entry.index, row, sync: 'current' };
  if (entry !== undefined && entry.version < row.version && covers(row, entry.version)) {
    const touched = touchedSince(row, entry.version);
    const { row: now, docs } = await store.getMany(collection, touched);
    // The ids were taken from `row`; if more writes landed since, their ids may be missing here.
    if (now !== undefined && now.version === row.version) {
      const index = entry.index ?? (now.dims > 0 ? new VectorIndex(now.dims) : undefined);
      touched.forEach((id, i) => applyDoc(index, id, docs[i]));
      entries.set(key, { version: now.version, index });
      return { index, row: now, sync: 'incremental' };
    }
  }
  const { row: fresh, docs } = await store.readAll(collection);
  if (fresh === undefined) {
    entries.delete(key);
    return { index: undefined, row: fresh, sync: 'empty' };
  }
  let index: VectorIndex | undefined;
  if (fresh.dims > 0) {
    index = new VectorIndex(fresh.dims, Math.max(64, docs.length));
    for (const doc of docs) applyDoc(index, doc.id, doc);
  }
  entries.set(key, { version: fresh.version, index });
  return { index, row: fresh, sync: 'reload' };
}

/**
 * Applies a write this worker just committed to its loaded index (when the index was exactly at
 * the write's starting version; otherwise the next search catches up by itself).
 */
export function applyLocalWrite(
  database: string,
  collection: string,
  outcome: WriteOutcome,
  documents: readonly PreparedDocument[],
  deletes: readonly string[],
): void {
  const key = keyOf(database, collection);
  const entry = entries.get(key);
  if (entry === undefined || entry.version !== outcome.from) return;
  const index = entry.index ?? (outcome.dims > 0 ? new VectorIndex(outcome.dims) : undefined);
  const upserted = new Set<string>();
  for (const doc of documents) {
    upserted.add(doc.id);
    applyDoc(index, doc.id, doc);
  }
  for (const id of deletes) if (!upserted.has(id)) index?.remove(id);
  entries.set(key, { version: outcome.to, index });
}

/** Forgets every loaded index of this worker (they reload on next use). */
export function dropIndexes(): void {
  entries.clear();
}

function covers(row: CollectionRow, version: number): boolean {
  const oldest = row.changes[0];
  return oldest !== undefined && oldest.version <= version + 1;
}

function touchedSince(row: CollectionRow, version: number): string[] {
  const ids = new Set<string>();
  for (const change of row.changes) {
    if (change.version <= version) continue;
    for (const id of change.upserts) ids.add(id);
    for (const id of change.deletes) ids.add(id);
  }
  return [...ids];
}

function applyDoc(index: VectorIndex | undefined, id: string, doc: Pick<DocumentRow, 'vector' | 'text' | 'metadata'> | undefined): void {
  if (index === undefined) return;
  if (doc === undefined || doc.vector === undefined) {
    index.remove(id);
    return;
  }
  index.upsert(id, doc.vector, {
    ...(doc.text === undefined ? {} : { text: doc.text }),
    ...(doc.metadata === undefined ? {} : { metadata: doc.metadata }),
  });
}
