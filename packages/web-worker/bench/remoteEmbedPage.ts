/**
 * The in-browser half of `remoteEmbed.bench.ts`: one `createTaskweave` with a pool of 2 and the
 * bench's server as `remote`, and the same texts embedded as 1,000 EmbeddingGeneration tasks
 * placed `local` (the pool) or `remote` (the server's workers) by each task's
 * `metadata.placement`. Local vectors are kept by text; a remote run compares each of its vectors
 * with the local vector of the same text and answers the lowest cosine and how many it compared.
 */
import { TaskStatus, TaskType, type TaskResult } from '@taskweave/core';
import { createTaskweave, type Taskweave } from '../src/index.js';
import { realCorpusTexts } from '../../../scripts/realCorpus.mjs';
import { cosine } from '../../../scripts/cosine.mjs';

const MODEL = 'use-lite';
let tw: Taskweave | undefined;
const localVectors = new Map<string, Float32Array>();

export interface RemoteRunResult {
  ms: number;
  /** Tasks whose `metrics.placement` was not the one asked. */
  misplaced: number;
  /** Remote runs: lowest cosine to the local vector of the same text, and how many texts had one. */
  minCosine?: number;
  compared?: number;
}


const bench = {
  async realTexts(n: number): Promise<string[]> {
    const corpus = (await (await fetch('/corpus/sotu-passages.json')).json()) as { passages: { text: string }[] };
    return realCorpusTexts(corpus.passages.map((p) => p.text), n);
  },

  async setup(url: string, token: string): Promise<void> {
    tw = await createTaskweave({
      name: `remote-bench-${crypto.randomUUID()}`,
      pool: { size: 2 },
      remote: { url, getToken: () => token, placement: 'local' },
    });
  },

  async run(placement: 'local' | 'remote', texts: string[]): Promise<RemoteRunResult> {
    if (tw === undefined) throw new Error('setup() first');
    const started = performance.now();
    const ids = await tw.submitMany(texts.map((text) => ({ type: TaskType.EmbeddingGeneration, modelId: MODEL, input: { kind: 'text' as const, text }, metadata: { placement } })));
    const results: TaskResult[] = await Promise.all(ids.map((id) => tw!.wait(id)));
    const ms = performance.now() - started;
    let misplaced = 0;
    let minCosine = Infinity;
    let compared = 0;
    results.forEach((r, i) => {
      if (r.status !== TaskStatus.Completed || r.output.kind !== 'embedding') throw new Error(`${placement} task ${r.taskId} ended ${r.status}: ${r.error}`);
      if (r.metrics.placement !== placement) misplaced++;
      const text = texts[i]!;
      if (placement === 'local') localVectors.set(text, r.output.vector);
      else {
        const local = localVectors.get(text);
        if (local === undefined) return;
        minCosine = Math.min(minCosine, cosine(r.output.vector, local));
        compared++;
      }
    });
    return { ms, misplaced, ...(placement === 'remote' ? { minCosine, compared } : {}) };
  },
};

declare global {
  interface Window {
    __remoteBench: typeof bench;
  }
}
window.__remoteBench = bench;
