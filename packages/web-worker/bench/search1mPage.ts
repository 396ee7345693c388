/**
 * The in-browser half of the `search-1m` rows of `search.bench.ts`: two workers, one copy. Worker
 * A generates 1,000,000 × 384 seeded unit vectors straight into a shared, frozen VectorIndex (not
 * through storage tasks), worker B attaches the same memory; searches alternate between them and
 * must return the same hits. Reports the index's bytes and, where the page is cross-origin
 * isolated, `performance.measureUserAgentSpecificMemory()`.
 */

interface Reply {
  type: string;
  ms: number;
  message?: string;
  [key: string]: unknown;
}

const workers: Worker[] = [];

function call(worker: Worker, message: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<Reply>) => (event.data.type === 'error' ? reject(new Error(event.data.message)) : resolve(event.data));
    worker.onerror = (event) => reject(new Error(event.message));
    worker.postMessage(message);
  });
}

async function setup(n: number, dims: number, seed: number): Promise<{ buildMs: number; attachMs: number; bytes: number; size: number; shared: boolean; isolated: boolean }> {
  for (let i = 0; i < 2; i++) workers.push(new Worker(new URL('./search1mWorker.ts', import.meta.url), { type: 'module' }));
  const built = await call(workers[0] as Worker, { type: 'build', n, dims, seed });
  // The page only passes the memory on: it keeps no reference (measureUserAgentSpecificMemory
  // attributes a shared memory to every agent that holds it).
  const attached = await call(workers[1] as Worker, { type: 'attach', memory: built['memory'] });
  delete built['memory'];
  return {
    buildMs: built.ms,
    attachMs: attached.ms,
    bytes: built['bytes'] as number,
    size: attached['size'] as number,
    shared: attached['shared'] as boolean,
    isolated: crossOriginIsolated,
  };
}

/** The same query in both workers (order alternating); their hits must be equal. */
async function query(k: number, seed: number, firstWorker: number): Promise<{ ms: number[]; same: boolean; exact: number }> {
  const order = firstWorker === 0 ? [0, 1] : [1, 0];
  const out: Reply[] = [];
  for (const w of order) out.push(await call(workers[w] as Worker, { type: 'search', k, seed }));
  const [a, b] = out as [Reply, Reply];
  const same = JSON.stringify([a['ids'], a['scores']]) === JSON.stringify([b['ids'], b['scores']]) && (a['ids'] as string[]).length === k;
  return { ms: out.map((r) => r.ms), same, exact: a['exact'] as number };
}

/** Bytes the browser attributes to this page and its workers (undefined where it cannot tell). */
async function measureMemory(timeoutMs: number): Promise<number | undefined> {
  const perf = performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> };
  if (!crossOriginIsolated || typeof perf.measureUserAgentSpecificMemory !== 'function') return undefined;
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs));
  return Promise.race([perf.measureUserAgentSpecificMemory().then((r) => r.bytes), timeout]);
}

function close(): void {
  for (const w of workers.splice(0)) w.terminate();
}

declare global {
  interface Window {
    __search1m: { setup: typeof setup; query: typeof query; measureMemory: typeof measureMemory; close: typeof close };
  }
}
window.__search1m = { setup, query, measureMemory, close };
