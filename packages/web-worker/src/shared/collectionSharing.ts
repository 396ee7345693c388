/**
 * The contract between a worker and the page's registry of shared collection snapshots
 * (`main/pool/collectionRegistry.ts`, `worker/collections/collectionSharing.ts`), over a MessagePort
 * the pool hands each worker in `WorkerInit.collections`, with comlink as the transport (the page
 * exposes `CollectionRegistryApi` on its end, the worker wraps the other). A snapshot is a frozen
 * vector index in a shared WebAssembly memory (see `worker/search/vectorIndex.ts`), so every worker
 * of the page searches the same bytes: one copy of a collection per page instead of one per worker.
 */

/** A frozen index of a collection at `version` (the collection's write counter). */
export interface SharedSnapshot {
  version: number;
  memory: WebAssembly.Memory;
}

/** What the page's registry answers one worker. `key` names a collection: database and collection name. */
export interface CollectionRegistryApi {
  /** The newest snapshot of `key` the page keeps, if any. */
  get(key: string): SharedSnapshot | undefined;
  /** Keeps `snapshot` when it is newer than the one kept; returns the one kept (it, or a newer one). */
  offer(key: string, snapshot: SharedSnapshot): SharedSnapshot;
  /**
   * `listener(key, version)` (a `Comlink.proxy`) hears when another worker's newer snapshot
   * replaced older ones, so this worker lets its older one go. One listener per connection.
   */
  onSuperseded(listener: (key: string, version: number) => void): void;
}
