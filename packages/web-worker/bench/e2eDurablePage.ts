/**
 * The in-browser half of `e2eDurable.bench.ts`. `sdk(n)`: a fresh `createTaskweave` (IndexedDB
 * store, pool of 2 real workers, warmed by one task), then n no-op custom tasks submitted with
 * `submitMany` and awaited until every one is `Completed` — each stored Pending, Running and
 * Completed on the way. `bulk()`: the same records (as that store holds them at the end) put in one
 * IndexedDB transaction into a fresh database and read back in one: what the records cost the
 * storage engine alone.
 */
import { TaskStatus, TaskType, type SubmitTaskOptions } from '@taskweave/core';
import { deleteDB, openDB } from 'idb';
import { createTaskweave } from '../src/index.js';

let records: unknown[] = [];
let run = 0;

async function sdk(n: number): Promise<{ ms: number; completed: number; records: number; submitMs: number }> {
  const name = `e2e-bench-${Date.now()}-${run++}`;
  const tw = await createTaskweave({
    name,
    pool: { size: 2, createWorker: () => new Worker(new URL('./e2eNoop.worker.ts', import.meta.url), { type: 'module' }) },
  });
  const noop = TaskType.custom('noop');
  try {
    // Warm: both workers started, the scheduler leading (not timed).
    await Promise.all((await tw.submitMany([{ type: noop, input: { kind: 'custom', value: null } }, { type: noop, input: { kind: 'custom', value: null } }])).map((id) => tw.wait(id)));
    const tasks: SubmitTaskOptions[] = Array.from({ length: n }, (_, i) => ({ type: noop, input: { kind: 'custom', value: { i } } }));
    const t0 = performance.now();
    const ids = await tw.submitMany(tasks);
    const submitMs = performance.now() - t0;
    const results = await Promise.all(ids.map((id) => tw.wait(id)));
    const ms = performance.now() - t0;
    const completed = results.filter((r) => r.status === TaskStatus.Completed).length;
    const db = await openDB(`taskweave:${name}`);
    records = await db.getAll('tasks');
    db.close();
    return { ms, completed, records: records.length, submitMs };
  } finally {
    await tw.close();
    await deleteDB(`taskweave:${name}`).catch(() => undefined);
  }
}

async function bulk(): Promise<{ ms: number; read: number }> {
  const name = `e2e-bench-bulk-${Date.now()}-${run++}`;
  const db = await openDB(name, 1, { upgrade: (raw) => void raw.createObjectStore('tasks', { keyPath: 'task.id' }) });
  try {
    const t0 = performance.now();
    const put = db.transaction('tasks', 'readwrite', { durability: 'strict' });
    for (const record of records) void put.store.put(record);
    await put.done;
    const read = await db.getAll('tasks');
    const ms = performance.now() - t0;
    return { ms, read: read.length };
  } finally {
    db.close();
    await deleteDB(name);
  }
}

declare global {
  interface Window {
    __e2eBench: { sdk: typeof sdk; bulk: typeof bulk };
  }
}
window.__e2eBench = { sdk, bulk };
