/**
 * The page's registry of shared collection snapshots (see `shared/collectionSharing.ts`): for each
 * collection, the newest frozen index that a worker offered, in a shared WebAssembly memory. Each
 * worker of every pool of the page gets a MessagePort to it (`WorkerInit.collections`), on which
 * the registry is exposed with comlink; a worker that needs a collection takes the snapshot kept
 * here instead of loading its own copy, so the vectors are held once per page, not once per worker.
 *
 * Memory rule: one snapshot per collection is kept, the newest by version; when a newer one is
 * offered the older is dropped here and its holders are told (`onSuperseded`) so they let it go
 * too. When the last connected worker is gone the registry empties. Only where the page is
 * cross-origin isolated (shared memory exists); elsewhere no port is handed out.
 */
import * as Comlink from 'comlink';
import type { CollectionRegistryApi, SharedSnapshot } from '../../shared/collectionSharing.js';

type SupersededListener = (key: string, version: number) => void;

const snapshots = new Map<string, SharedSnapshot>();
/** Each connected worker's end of its port, with the listener it subscribed (once it has). */
const connections = new Map<MessagePort, SupersededListener | undefined>();

/** For tests and benchmarks: the snapshots kept now and the bytes of their memories. */
export function collectionRegistryStats(): { snapshots: number; bytes: number; connected: number } {
  let bytes = 0;
  for (const { memory } of snapshots.values()) bytes += memory.buffer.byteLength;
  return { snapshots: snapshots.size, bytes, connected: connections.size };
}

/** One worker's connection: the port to hand it, and `close()` for when it is gone. */
export interface RegistryConnection {
  port: MessagePort;
  close(): void;
}

/** Tells one worker; a worker that is gone cannot answer, and nothing waits for it. */
function tell(listener: SupersededListener, key: string, version: number): void {
  void Promise.resolve(listener(key, version)).catch(() => undefined);
}

/** Connects one worker, or undefined where the page is not cross-origin isolated. */
export function connectCollectionRegistry(): RegistryConnection | undefined {
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== true || typeof MessageChannel !== 'function') return undefined;
  const channel = new MessageChannel();
  const own = channel.port1;
  connections.set(own, undefined);
  const api: CollectionRegistryApi = {
    get: (key) => snapshots.get(key),
    offer(key, snapshot) {
      const kept = snapshots.get(key);
      if (kept === undefined || snapshot.version > kept.version) {
        snapshots.set(key, snapshot);
        if (kept !== undefined) {
          for (const [port, listener] of connections) if (port !== own && listener !== undefined) tell(listener, key, snapshot.version);
        }
      }
      return snapshots.get(key) as SharedSnapshot;
    },
    onSuperseded(listener) {
      if (connections.has(own)) connections.set(own, listener);
    },
  };
  Comlink.expose(api, own);
  return {
    port: channel.port2,
    close() {
      if (!connections.has(own)) return;
      const listener = connections.get(own) as (SupersededListener & Partial<Comlink.ProxyMethods>) | undefined;
      connections.delete(own);
      own.close();
      listener?.[Comlink.releaseProxy]?.();
      if (connections.size === 0) snapshots.clear();
    },
  };
}
