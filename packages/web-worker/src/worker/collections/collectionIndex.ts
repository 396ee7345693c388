/**
 * Keeps what this worker searches for each collection (`CollectionView`: a frozen snapshot plus a
 * delta of later writes) in step with IndexedDB.
 *
 * Several workers (and tabs) write to the same collections, so before every search the view reads
 * the collection's `version` (one small get). When another writer moved it on, the view reads
 * only the documents named in the collection's change log since its own version and applies them
 * to its delta; when the log no longer reaches back that far, it reloads the collection. A write
 * made by this worker is applied directly, without reading anything back. No message can be
 * missed because the version read is the source of truth (no BroadcastChannel needed).
 *
 * Memory: one copy of a collection's vectors per page. A reload builds a snapshot in a shared
 * WebAssembly memory (when the page is cross-origin isolated) and offers it to the page's registry
 * (`collectionSharing.ts`); the other workers of the page attach that snapshot instead of loading
 * their own, and look for a newer one whenever the version moved. Each worker keeps only its
 * delta privately; past `max(COMPACT_MIN, snapshot size / COMPACT_SHARE)` changed rows it folds
 * them into a new snapshot, which replaces the old one everywhere. Without cross-origin isolation
 * each worker keeps its own snapshot (one copy per worker, as before).
 */
import type { CollectionRow, DocumentRow } from '../../shared/collectionSchema.js';
import { CollectionStore, type PreparedDocument, type WriteOutcome } from './collectionStore.js';
import { lookupSnapshot, offerSnapshot, onSnapshotSuperseded, sharingConnected } from './collectionSharing.js';
import { CollectionView } from './collectionView.js';
import { VectorIndex } from '../search/vectorIndex.js';

/** Changed rows a view folds into a new snapshot at the least… */
const COMPACT_MIN = 1024;
/** …or past this fraction (1/n) of its snapshot's rows. */
const COMPACT_SHARE = 8;

interface Entry {
  version: number;
  /** Undefined while the collection holds no vector yet. */
  view: CollectionView | undefined;
  /** The version of the view's snapshot (-1: none). */
  snapshotVersion: number;
}

const entries = new Map<string, Entry>();
const keyOf = (database: string, collection: string) => `${database}\u0000${collection}`;

// Another worker's newer snapshot replaced the one this worker holds: let ours go (the next search adopts the new one).
onSnapshotSuperseded((key, version) => {
  const entry = entries.get(key);
  if (entry !== undefined && entry.snapshotVersion >= 0 && entry.snapshotVersion < version) entries.delete(key);
});

/** How the last `syncedIndex` call got up to date (for tests and metrics). */
export type SyncKind = 'current' | 'incremental' | 'reload' | 'adopted' | 'empty';

/**
 * What this worker searches for `collection`, up to date with what IndexedDB holds now.
 * Resolves with `index: undefined` when the collection has no vector (or does not exist: `row` undefined).
 */
export async function syncedIndex(
  database: string,
  collection: string,
): Promise<{ index: CollectionView | undefined; row: CollectionRow | undefined; sync: SyncKind }> {
  const store = CollectionStore.for(database);
  const key = keyOf(database, collection);
  const row = await store.info(collection);
  if (row === undefined) {
    entries.delete(key);
    return { index: undefined, row, sync: 'empty' };
  }
  let entry = entries.get(key);
  if (entry !== undefined && entry.version === row.version) {
    await compactIfDue(key, entry); // this worker's own writes may have grown the delta
    return { index: entries.get(key)?.view ?? entry.view, row, sync: 'current' };
  }
  let sync: SyncKind = 'incremental';
  // The version moved (or nothing is loaded): a snapshot another worker of the page made may be newer than ours.
  const shared = sharingConnected() ? await lookupSnapshot(key) : undefined;
  if (
    shared !== undefined &&
    shared.version > (entry?.snapshotVersion ?? -1) &&
    shared.version <= row.version &&
    (shared.version === row.version || covers(row, shared.version))
  ) {
    entry = adopt(key, shared.memory);
    sync = 'adopted';
    if (entry.version === row.version) return { index: entry.view, row, sync };
  }
  if (entry !== undefined && entry.version < row.version && covers(row, entry.version)) {
    const touched = touchedSince(row, entry.version);
    const { row: now, docs } = await store.getMany(collection, touched);
    // The ids were taken from `row`; if more writes landed since, their ids may be missing here.
    if (now !== undefined && now.version === row.version && entries.get(key) === entry) {
      const view = entry.view ?? (now.dims > 0 ? new CollectionView(now.dims) : undefined);
      touched.forEach((id, i) => applyDoc(view, id, docs[i]));
      entry = { version: now.version, view, snapshotVersion: entry.snapshotVersion };
      entries.set(key, entry);
      await compactIfDue(key, entry);
      return { index: entries.get(key)?.view ?? view, row: now, sync };
    }
  }
  const { row: fresh, docs } = await store.readAll(collection);
  if (fresh === undefined) {
    entries.delete(key);
    return { index: undefined, row: fresh, sync: 'empty' };
  }
  let view: CollectionView | undefined;
  let snapshotVersion = -1;
  if (fresh.dims > 0) {
    const index = new VectorIndex(fresh.dims, { initialCapacity: Math.max(1, docs.length), shared: VectorIndex.canShare });
    for (const doc of docs) if (doc.vector !== undefined) index.upsert(doc.id, doc.vector, payloadOf(doc));
    view = await publish(key, index, fresh.version);
    snapshotVersion = view.base?.frozenVersion ?? fresh.version;
  }
  entry = { version: snapshotVersion >= 0 ? snapshotVersion : fresh.version, view, snapshotVersion };
  entries.set(key, entry);
  return { index: view, row: fresh, sync: 'reload' };
}

/**
 * Applies a write this worker just committed to its loaded view (when the view was exactly at the
 * write's starting version; otherwise the next search catches up by itself).
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
  const view = entry.view ?? (outcome.dims > 0 ? new CollectionView(outcome.dims) : undefined);
  const upserted = new Set<string>();
  for (const doc of documents) {
    upserted.add(doc.id);
    applyDoc(view, doc.id, doc);
  }
  for (const id of deletes) if (!upserted.has(id)) view?.remove(id);
  entries.set(key, { version: outcome.to, view, snapshotVersion: entry.snapshotVersion });
  // Folding a large delta is left to the next search (it is async: it talks to the page).
}

/** Forgets every loaded view of this worker (they reload or adopt on next use). */
export function dropIndexes(): void {
  entries.clear();
}

/** For tests and benchmarks: what this worker holds for a collection. */
export function describeIndex(
  database: string,
  collection: string,
): { version: number; snapshotVersion: number; snapshotId: number; shared: boolean; size: number; pending: number } | undefined {
  const entry = entries.get(keyOf(database, collection));
  if (entry === undefined) return undefined;
  return {
    version: entry.version,
    snapshotVersion: entry.snapshotVersion,
    snapshotId: entry.view?.base?.snapshotId ?? 0,
    shared: entry.view?.base?.shared ?? false,
    size: entry.view?.size ?? 0,
    pending: entry.view?.pending ?? 0,
  };
}

/** Attaches a snapshot (no delta yet): the view starts at the snapshot's version. */
function adopt(key: string, memory: WebAssembly.Memory): Entry {
  const base = VectorIndex.attach(memory);
  const version = base.frozenVersion as number;
  const entry: Entry = { version, view: new CollectionView(base.dims, base), snapshotVersion: version };
  entries.set(key, entry);
  return entry;
}

/** Freezes `index` as the snapshot at `version`, offers it to the page, and returns the view over the one the page keeps. */
async function publish(key: string, index: VectorIndex, version: number): Promise<CollectionView> {
  const memory = index.freeze(version);
  if (!index.shared || !sharingConnected()) return new CollectionView(index.dims, index);
  const kept = await offerSnapshot(key, { version, memory });
  return new CollectionView(index.dims, kept.memory === memory ? index : VectorIndex.attach(kept.memory));
}

/** Folds a large delta into a new snapshot (and offers it), so memory stays about one copy. */
async function compactIfDue(key: string, entry: Entry): Promise<void> {
  const view = entry.view;
  if (view === undefined || view.pending <= Math.max(COMPACT_MIN, (view.base?.size ?? 0) / COMPACT_SHARE)) return;
  const next = await publish(key, view.snapshot(entry.version), entry.version);
  const snapshotVersion = next.base?.frozenVersion ?? entry.version;
  if (entries.get(key) !== entry) return; // dropped or replaced meanwhile
  entries.set(key, { version: snapshotVersion, view: next, snapshotVersion });
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

function payloadOf(doc: Pick<DocumentRow, 'text' | 'metadata'>): { text?: string; metadata?: DocumentRow['metadata'] & object } {
  return {
    ...(doc.text === undefined ? {} : { text: doc.text }),
    ...(doc.metadata === undefined ? {} : { metadata: doc.metadata }),
  };
}

function applyDoc(view: CollectionView | undefined, id: string, doc: Pick<DocumentRow, 'vector' | 'text' | 'metadata'> | undefined): void {
  if (view === undefined) return;
  if (doc === undefined || doc.vector === undefined) {
    view.remove(id);
    return;
  }
  view.upsert(id, doc.vector, payloadOf(doc));
}
