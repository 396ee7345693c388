/**
 * This worker's end of the page's snapshot registry (`main/pool/collectionRegistry.ts`): look up the
 * newest shared snapshot of a collection, offer one, and hear when a newer one replaced ours.
 * Without a port (no registry: a pool that is not cross-origin isolated, or a handler called
 * outside a pool) every call answers "nothing shared".
 */
import type { SharedSnapshot, SharingMessage, SharingRequest } from '../../shared/collectionSharing.js';

let port: MessagePort | undefined;
let nextId = 1;
const pending = new Map<number, (snapshot: SharedSnapshot | undefined) => void>();
const supersededListeners = new Set<(key: string, version: number) => void>();

/** Connects to the registry over `registryPort` (from `WorkerInit.collections`). */
export function connectSharing(registryPort: MessagePort | undefined): void {
  port?.close();
  port = registryPort;
  if (port === undefined) return;
  port.onmessage = (event: MessageEvent<SharingMessage>) => {
    const message = event.data;
    if (message.type === 'snapshot') {
      pending.get(message.id)?.(message.snapshot);
      pending.delete(message.id);
    } else {
      for (const listener of supersededListeners) listener(message.key, message.version);
    }
  };
}

/** Whether this worker has a registry to share snapshots through. */
export function sharingConnected(): boolean {
  return port !== undefined;
}

function request(message: Omit<SharingRequest, 'id'> & { type: SharingRequest['type'] }): Promise<SharedSnapshot | undefined> {
  const target = port;
  if (target === undefined) return Promise.resolve(undefined);
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    target.postMessage({ ...message, id } as SharingRequest);
  });
}

/** The newest snapshot of `key` the page keeps, if any. */
export function lookupSnapshot(key: string): Promise<SharedSnapshot | undefined> {
  return request({ type: 'get', key });
}

/** Offers `snapshot` of `key`; resolves with the snapshot the page keeps (ours, or a newer one). */
export async function offerSnapshot(key: string, snapshot: SharedSnapshot): Promise<SharedSnapshot> {
  return (await request({ type: 'offer', key, snapshot } as Omit<SharingRequest, 'id'>)) ?? snapshot;
}

/** Calls `listener(key, version)` when the page kept a newer snapshot of `key` than older ones. */
export function onSnapshotSuperseded(listener: (key: string, version: number) => void): () => void {
  supersededListeners.add(listener);
  return () => supersededListeners.delete(listener);
}
