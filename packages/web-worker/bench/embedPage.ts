/**
 * The in-browser half of `embed.bench.ts` (issue 3): four ways to embed the same 1,000 distinct
 * short sentences with use-lite q8 in one page, each timed, with the main thread's long-task time
 * (PerformanceObserver 'longtask') recorded during the run:
 * - `mainPerSentence`: a transformers.js pipeline on the main thread, one call per sentence;
 * - `mainBatched`: the same pipeline, batches of 32;
 * - `handwritten`: two hand-written module workers (own pipeline, 1 ORT thread each) fed batches of 32;
 * - `sdk`: 1,000 separate EmbeddingGeneration tasks submitted to a TaskScheduler whose executor is
 *   createWorkerPool({ size: 2 }) (default dynamic batching).
 */
import { TaskScheduler, type TaskId } from '@taskweave/core';
import { env, pipeline } from '@huggingface/transformers';
import { createWorkerPool, type WorkerPool } from '../src/index.js';
import { realCorpusTexts } from '../../../scripts/realCorpus.mjs';

const MODEL = 'use-lite';
const BATCH = 32;
const OPTIONS = { pooling: 'mean', normalize: true } as const;

env.allowLocalModels = true;
env.allowRemoteModels = false;
// A path, not a URL: transformers.js 4.3's file probe skips local paths that are absolute URLs.
env.localModelPath = '/models/';
if (env.backends.onnx.wasm !== undefined) env.backends.onnx.wasm.wasmPaths = new URL('/ort/', location.href).href;

/** 1,000 distinct short sentences: every (subject, verb, object) of 10 × 10 × 10, in a fixed shuffled order. */
export function sentences(n = 1000): string[] {
  const subjects = ['the cat', 'a young girl', 'my neighbour', 'the old farmer', 'a small dog', 'the teacher', 'our team', 'a tired pilot', 'the chef', 'his brother'];
  const verbs = ['paints', 'repairs', 'watches', 'sells', 'carries', 'finds', 'describes', 'cleans', 'forgets', 'orders'];
  const objects = ['a red bicycle', 'the kitchen door', 'an old map', 'fresh bread', 'the broken clock', 'a wooden boat', 'the garden fence', 'a blue umbrella', 'the train ticket', 'some warm soup'];
  const all: string[] = [];
  for (let i = 0; i < 1000; i++) all.push(`${subjects[i % 10]} ${verbs[Math.floor(i / 10) % 10]} ${objects[Math.floor(i / 100)]}`);
  // Deterministic shuffle (LCG) so neighbouring sentences differ in every slot.
  let seed = 42;
  for (let i = all.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, n);
}

let longTaskMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) longTaskMs += entry.duration;
}).observe({ type: 'longtask' });

/** Yields long enough for pending long-task entries to be delivered. */
const settle = () => new Promise((r) => setTimeout(r, 50));

export interface RunResult {
  ms: number;
  longTaskMs: number;
  count: number;
  /** First value of the first and last embeddings, to check all arrangements agree. */
  check: [number, number];
  /** SDK only: mean batch size the pool ran, and the backends reported. */
  meanBatch?: number;
  backends?: string[];
}

async function measure(count: number, body: () => Promise<Float32Array[]>): Promise<RunResult> {
  await settle();
  const before = longTaskMs;
  const start = performance.now();
  const vectors = await body();
  const ms = performance.now() - start;
  await settle();
  if (vectors.length !== count) throw new Error(`expected ${count} vectors, got ${vectors.length}`);
  return { ms, longTaskMs: longTaskMs - before, count, check: [vectors[0]![0]!, vectors[count - 1]![0]!] };
}

type Extractor = (texts: string | string[], options: typeof OPTIONS) => Promise<{ data: Float32Array; dims: number[] }>;
let main: Extractor | undefined;
let workers: Worker[] = [];
let pool: WorkerPool | undefined;
let scheduler: TaskScheduler | undefined;

function split(data: Float32Array, dims: number, rows: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r++) out.push(data.slice(r * dims, (r + 1) * dims));
  return out;
}

const bench = {
  sentences,
  /** 1,000 texts of 20–500 characters from the bundled corpus (the real-corpus rows). */
  async realTexts(n = 1000): Promise<string[]> {
    const corpus = (await (await fetch('/corpus/sotu-passages.json')).json()) as { passages: { text: string }[] };
    return realCorpusTexts(corpus.passages.map((p) => p.text), n);
  },
  /** Cold start, SDK: from creating the pool of 2 to the first embedding returned. */
  async coldSdk(text: string): Promise<number> {
    const t = performance.now();
    const coldPool = createWorkerPool({ size: 2 });
    const s = new TaskScheduler({ executor: coldPool });
    const result = await s.wait(await s.submit({ type: 'EmbeddingGeneration', modelId: MODEL, input: { kind: 'text', text } }));
    const ms = performance.now() - t;
    if (result.output.kind !== 'embedding') throw new Error(`cold start task ended ${result.status}: ${result.error ?? ''}`);
    await s.close();
    return ms;
  },
  /** Cold start, two hand-written workers: both load the model; the first loaded embeds the text. */
  async coldHandwritten(text: string): Promise<number> {
    const t = performance.now();
    const cold = [0, 1].map(() => new Worker(new URL('./handwritten.worker.ts', import.meta.url), { type: 'module' }));
    const ms = await new Promise<number>((resolve, reject) => {
      for (const w of cold) {
        w.onerror = (e) => reject(new Error(e.message));
        w.onmessage = (e: MessageEvent<{ type: string }>) => {
          if (e.data.type === 'done') resolve(performance.now() - t);
        };
      }
      // A careful app starts both loading at once and sends the first text to one of them.
      (cold[0] as Worker).postMessage({ type: 'cold', id: 0, texts: [text] });
      (cold[1] as Worker).postMessage({ type: 'load' });
    });
    for (const w of cold) w.terminate();
    return ms;
  },
  async setup(): Promise<{ mainMs: number; workersMs: number; sdkMs: number }> {
    let t = performance.now();
    main = (await pipeline('feature-extraction', MODEL, { dtype: 'q8', device: 'wasm' })) as unknown as Extractor;
    await main('warm up', OPTIONS);
    const mainMs = performance.now() - t;
    t = performance.now();
    workers = [0, 1].map(() => new Worker(new URL('./handwritten.worker.ts', import.meta.url), { type: 'module' }));
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.onmessage = () => resolve();
            w.onerror = (e) => reject(new Error(e.message));
            w.postMessage({ type: 'load' });
          }),
      ),
    );
    const workersMs = performance.now() - t;
    t = performance.now();
    pool = createWorkerPool({ size: 2 });
    scheduler = new TaskScheduler({ executor: pool });
    const report = await pool.warmUp(MODEL);
    if (report.workers.some((w) => !w.ok)) throw new Error(`warm-up failed: ${JSON.stringify(report)}`);
    return { mainMs, workersMs, sdkMs: performance.now() - t };
  },
  mainPerSentence(texts: string[]): Promise<RunResult> {
    return measure(texts.length, async () => {
      const out: Float32Array[] = [];
      for (const text of texts) out.push((await main!(text, OPTIONS)).data);
      return out;
    });
  },
  mainBatched(texts: string[]): Promise<RunResult> {
    return measure(texts.length, async () => {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += BATCH) {
        const part = texts.slice(i, i + BATCH);
        const t = await main!(part, OPTIONS);
        out.push(...split(t.data, t.dims[1]!, part.length));
      }
      return out;
    });
  },
  handwritten(texts: string[]): Promise<RunResult> {
    return measure(texts.length, () => {
      const out: Float32Array[] = new Array(texts.length);
      let next = 0;
      let done = 0;
      return new Promise<Float32Array[]>((resolve, reject) => {
        const feed = (w: Worker) => {
          if (next >= texts.length) return;
          const id = next;
          next += BATCH;
          w.postMessage({ type: 'embed', id, texts: texts.slice(id, id + BATCH) });
        };
        for (const w of workers) {
          w.onerror = (e) => reject(new Error(e.message));
          w.onmessage = (e: MessageEvent<{ id: number; data: Float32Array; dims: number[] }>) => {
            const { id, data, dims } = e.data;
            const rows = split(data, dims[1]!, dims[0]!);
            rows.forEach((v, k) => (out[id + k] = v));
            done += rows.length;
            if (done === texts.length) resolve(out);
            else feed(w);
          };
          feed(w);
        }
      });
    });
  },
  async sdk(texts: string[]): Promise<RunResult> {
    let batches: number[] = [];
    const backends = new Set<string>();
    const result = await measure(texts.length, async () => {
      const s = scheduler!;
      const ids = await Promise.all(texts.map((text) => s.submit({ type: 'EmbeddingGeneration', modelId: MODEL, input: { kind: 'text', text } })));
      const results = await Promise.all(ids.map((id: TaskId) => s.wait(id)));
      batches = results.map((r) => r.metrics.batchSize ?? 1);
      for (const r of results) backends.add(r.metrics.backend ?? '?');
      return results.map((r) => {
        if (r.output.kind !== 'embedding') throw new Error(`task ${r.taskId} ended ${r.status}: ${r.error ?? ''}`);
        return r.output.vector;
      });
    });
    return { ...result, meanBatch: batches.reduce((a, b) => a + b, 0) / batches.length, backends: [...backends] };
  },
};

declare global {
  interface Window {
    __embedBench: typeof bench;
  }
}
window.__embedBench = bench;
