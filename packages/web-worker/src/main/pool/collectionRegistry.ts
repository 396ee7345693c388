/**
 * The page's registry of shared collection snapshots (see `shared/collectionSharing.ts`): for each
 * collection, the newest frozen index that a worker offered, in a shared WebAssembly memory. Each
 * worker of every pool of the page gets a MessagePort to it (`WorkerInit.collections`); a worker
 * that needs a collection takes the snapshot kept here instead of loading its own copy, so the
 * vectors are held once per page, not once per worker.
 *
 * Memory rule: one snapshot per collection is kept, the newest by version; when a newer one is
 * offered the older is dropped here and its holders are told (`superseded`) so they let it go
 * too. When the last connected worker is gone the registry empties. Only where the page is
 * cross-origin isolated (shared memory exists); elsewhere no port is handed out.
 */
import type { SharedSnapshot, SharingMessage, SharingRequest } from '../../shared/collectionSharing.js';

const snapshots = new Map<string, SharedSnapshot>();
const ports = new Set<MessagePort>();

/** For tests and benchmarks: the snapshots kept now and the bytes of their memories. */
export function collectionRegistryStats(): { snapshots: number; bytes: number; connected: number } {
  let bytes = 0;
  for (const { memory } of snapshots.values()) bytes += memory.buffer.byteLength;
  return { snapshots: snapshots.size, bytes, connected: ports.size };
}

/** One worker's connection: the port to hand it, and `close()` for when it is gone. */
export interface RegistryConnection {
  port: MessagePort;
  close(): void;
}

/** Connects one worker, or undefined where the page is not cross-origin isolated. */
export function connectCollectionRegistry(): RegistryConnection | undefined {
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== true || typeof MessageChannel !== 'function') return undefined;
  const channel = new MessageChannel();
  const own = channel.port1;
  ports.add(own);
  own.onmessage = (event: MessageEvent<SharingRequest>) => {
    const request = event.data;
    if (request.type === 'offer') {
      const kept = snapshots.get(request.key);
      if (kept === undefined || request.snapshot.version > kept.version) {
        snapshots.set(request.key, request.snapshot);
        const news: SharingMessage = { type: 'superseded', key: request.key, version: request.snapshot.version };
        if (kept !== undefined) for (const other of ports) if (other !== own) other.postMessage(news);
      }
    }
    const reply: SharingMessage = { type: 'snapshot', id: request.id, snapshot: snapshots.get(request.key) };
    own.postMessage(reply);
  };
  return {
    port: channel.port2,
    close() {
      if (!ports.delete(own)) return;
      own.onmessage = null;
      own.close();
      if (ports.size === 0) snapshots.clear();
    },
  };
}
