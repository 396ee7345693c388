/**
 * The in-browser half of `devtoolsOpenVsClosed.bench.ts`: `e2e-10k-durable`'s workload through the
 * public API — a fresh `createTaskweave` (IndexedDB store, pool of 2 real workers, warmed by two
 * tasks), then n no-op custom tasks submitted with `submitMany` and awaited until every one is
 * `Completed` — with the devtools panel open on its task list the whole time, or mounted and closed.
 */
import { TaskStatus, TaskType, type SubmitTaskOptions } from '@taskweave/core';
import { createTaskweave } from '@taskweave/web-worker';
import { mountDevtools, type DevtoolsTarget } from '../src/index.js';

let run = 0;

async function e2e(n: number, open: boolean): Promise<{ ms: number; completed: number; reads: number }> {
  const name = `devtools-bench-${Date.now()}-${run++}`;
  const tw = await createTaskweave({
    name,
    pool: { size: 2, createWorker: () => new Worker(new URL('./noop.worker.ts', import.meta.url), { type: 'module' }) },
  });
  // Counts the panel's reads, so the driver can check that the open panel did read while timed.
  let reads = 0;
  const target: DevtoolsTarget = {
    get role() {
      return tw.role;
    },
    list: (query) => (reads++, tw.list(query)),
    snapshot: () => (reads++, tw.snapshot()),
    get: (id) => (reads++, tw.get(id)),
    cancel: (id) => tw.cancel(id),
    prune: (options) => tw.prune(options),
    subscribe: (listener) => tw.subscribe(listener),
    onRoleChange: (listener) => tw.onRoleChange(listener),
    models: tw.models,
  };
  const devtools = mountDevtools(target);
  const noop = TaskType.custom('noop');
  try {
    await Promise.all((await tw.submitMany([{ type: noop, input: { kind: 'custom', value: null } }, { type: noop, input: { kind: 'custom', value: null } }])).map((id) => tw.wait(id)));
    if (open) await devtools.open();
    const tasks: SubmitTaskOptions[] = Array.from({ length: n }, (_, i) => ({ type: noop, input: { kind: 'custom', value: { i } } }));
    reads = 0;
    const t0 = performance.now();
    const ids = await tw.submitMany(tasks);
    const results = await Promise.all(ids.map((id) => tw.wait(id)));
    const ms = performance.now() - t0;
    return { ms, completed: results.filter((r) => r.status === TaskStatus.Completed).length, reads };
  } finally {
    devtools.unmount();
    await tw.close();
    await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(`taskweave:${name}`);
      request.onsuccess = request.onerror = request.onblocked = resolve;
    });
  }
}

declare global {
  interface Window {
    __devtoolsBench: { e2e: typeof e2e };
  }
}
window.__devtoolsBench = { e2e };
