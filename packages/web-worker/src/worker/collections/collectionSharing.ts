/**
 * This worker's end of the page's snapshot registry (`main/pool/collectionRegistry.ts`), wrapped
 * with comlink: look up the newest shared snapshot of a collection, offer one, and hear when a
 * newer one replaced ours. Without a port (no registry: a pool that is not cross-origin isolated,
 * or a handler called outside a pool) every call answers "nothing shared".
 */
import * as Comlink from 'comlink';
import type { CollectionRegistryApi, SharedSnapshot } from '../../shared/collectionSharing.js';

let port: MessagePort | undefined;
let registry: Comlink.Remote<CollectionRegistryApi> | undefined;
const supersededListeners = new Set<(key: string, version: number) => void>();

/** Connects to the registry over `registryPort` (from `WorkerInit.collections`). */
export function connectSharing(registryPort: MessagePort | undefined): void {
  port?.close();
  port = registryPort;
  registry = undefined;
  if (registryPort === undefined) return;
  registry = Comlink.wrap<CollectionRegistryApi>(registryPort);
  void registry.onSuperseded(
    Comlink.proxy((key: string, version: number) => {
      for (const listener of supersededListeners) listener(key, version);
    }),
  );
}

/** Whether this worker has a registry to share snapshots through. */
export function sharingConnected(): boolean {
  return registry !== undefined;
}

/** The newest snapshot of `key` the page keeps, if any. */
export async function lookupSnapshot(key: string): Promise<SharedSnapshot | undefined> {
  return registry === undefined ? undefined : registry.get(key);
}

/** Offers `snapshot` of `key`; resolves with the snapshot the page keeps (ours, or a newer one). */
export async function offerSnapshot(key: string, snapshot: SharedSnapshot): Promise<SharedSnapshot> {
  return registry === undefined ? snapshot : registry.offer(key, snapshot);
}

/** Calls `listener(key, version)` when the page kept a newer snapshot of `key` than older ones. */
export function onSnapshotSuperseded(listener: (key: string, version: number) => void): () => void {
  supersededListeners.add(listener);
  return () => supersededListeners.delete(listener);
}
