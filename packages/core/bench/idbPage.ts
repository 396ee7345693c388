/// <reference lib="dom" />
/**
 * The in-browser half of `idb.bench.ts`: writes N task records to a real IndexedDB three ways,
 * each acknowledged only once durable (strict durability, `complete` fired):
 * - `group`: IdbTaskStore.put once per record, all concurrently (group commit);
 * - `perRecord`: one awaited readwrite transaction per record, one after another;
 * - `bulk`: one transaction holding every record.
 * Same rows (toTaskRow), same object store, a fresh database per run.
 */
import { unwrap } from 'idb';
import type { TaskRecord } from '../src/ports.js';
import type { TaskId } from '../src/task.js';
import { IdbTaskStore, databaseName, openTaskweaveDb } from '../src/adapters/idb/index.js';
// Core's own benchmark writes rows the way the store does: an internal of the adapter, not public.
import { toTaskRow } from '../src/adapters/idb/schema.js';

export type Variant = 'group' | 'perRecord' | 'bulk';

function records(n: number): TaskRecord[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    task: {
      id: crypto.randomUUID() as TaskId,
      type: 'TextProcessing',
      priority: 1,
      input: { kind: 'text', text: `task number ${i}: a short sentence to process` },
      retryCount: 0,
      maxRetries: 3,
      dependencies: [],
      metadata: { source: 'bench' },
      createdAt: now,
    },
    status: 'Pending',
    seq: i + 1,
    updatedAt: now,
  }));
}

function write(db: IDBDatabase, batch: readonly TaskRecord[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction('tasks', 'readwrite', { durability: 'strict' });
    const store = tx.objectStore('tasks');
    for (const r of batch) store.put(toTaskRow(r));
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error);
  });
}

let runCounter = 0;

/** One timed run; returns { ms, transactions }. */
async function run(variant: Variant, n: number): Promise<{ ms: number; transactions: number }> {
  const name = `bench-${variant}-${Date.now()}-${++runCounter}`;
  const batch = records(n);
  let ms: number;
  let transactions: number;
  if (variant === 'group') {
    const store = await new IdbTaskStore({ name }).open();
    const t0 = performance.now();
    await Promise.all(batch.map((r) => store.put([r])));
    ms = performance.now() - t0;
    transactions = store.commitCount;
    await store.close();
  } else {
    const db = unwrap(await openTaskweaveDb(name));
    const t0 = performance.now();
    if (variant === 'bulk') {
      await write(db, batch);
      transactions = 1;
    } else {
      for (const r of batch) await write(db, [r]);
      transactions = n;
    }
    ms = performance.now() - t0;
    db.close();
  }
  // Check every record landed, outside the timing.
  const check = await openTaskweaveDb(name);
  const count = await check.count('tasks');
  check.close();
  if (count !== n) throw new Error(`${variant}: ${count} of ${n} records stored`);
  await new Promise<void>((resolve) => {
    const req = indexedDB.deleteDatabase(databaseName(name));
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
  return { ms, transactions };
}

declare global {
  interface Window {
    __idbBench(variant: Variant, n: number): Promise<{ ms: number; transactions: number }>;
  }
}
window.__idbBench = run;
