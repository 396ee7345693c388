/**
 * Messages between a worker and the page's registry of shared collection snapshots
 * (`main/pool/collectionRegistry.ts`, `worker/collections/collectionSharing.ts`), over a MessagePort the pool
 * hands each worker in `WorkerInit.collections`. A snapshot is a frozen vector index in a shared
 * WebAssembly memory (see `worker/search/vectorIndex.ts`), so every worker of the page searches the same
 * bytes: one copy of a collection per page instead of one per worker.
 */

/** A frozen index of a collection at `version` (the collection's write counter). */
export interface SharedSnapshot {
  version: number;
  memory: WebAssembly.Memory;
}

/** Worker → page. `key` names a collection: database and collection name. */
export type SharingRequest =
  | { type: 'get'; id: number; key: string }
  /** Keep `snapshot` when it is newer than the one kept; the reply is the one kept. */
  | { type: 'offer'; id: number; key: string; snapshot: SharedSnapshot };

/** Page → worker: the reply to a request, or the news that a newer snapshot replaced older ones. */
export type SharingMessage =
  | { type: 'snapshot'; id: number; snapshot: SharedSnapshot | undefined }
  | { type: 'superseded'; key: string; version: number };
