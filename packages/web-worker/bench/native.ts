/**
 * The physical reference for `embed-vs-native-onnxruntime`: the same model (use-lite) and dtype
 * (q8) through transformers.js on onnxruntime-node in this Node process, batches of 32 in arrival
 * order, on the same two cores the browser gets: one session with 2 intra-op threads, and two
 * sessions with 1 thread each fed concurrently — the faster of the two is the reference.
 */
import { env, pipeline } from '@huggingface/transformers';
import { MODELS_DIR } from '../../../scripts/demoAssets.mjs';

const BATCH = 32;
const OPTIONS = { pooling: 'mean', normalize: true } as const;
type Extractor = (texts: string[], options: typeof OPTIONS) => Promise<{ data: Float32Array; dims: number[] }>;

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = MODELS_DIR;

async function load(threads: number): Promise<Extractor> {
  const extractor = (await pipeline('feature-extraction', 'use-lite', {
    dtype: 'q8',
    device: 'cpu',
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  })) as unknown as Extractor;
  await extractor(['warm up'], OPTIONS);
  return extractor;
}

/** Sentences per second for `texts`, with `sessions` fed batches in arrival order as they free up. */
async function rate(sessions: Extractor[], texts: string[]): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    sessions.map(async (session) => {
      while (next < texts.length) {
        const part = texts.slice(next, next + BATCH);
        next += BATCH;
        await session(part, OPTIONS);
      }
    }),
  );
  return texts.length / ((performance.now() - start) / 1000);
}

export interface NativeRates {
  /** One session, 2 threads. */
  twoThreads: number[];
  /** Two 1-thread sessions fed concurrently. */
  twoSessions: number[];
}

/** `runs` alternating rounds of both arrangements over `texts`. */
export async function measureNative(texts: string[], runs: number): Promise<NativeRates> {
  const wide = await load(2);
  const pair = [await load(1), await load(1)];
  await rate([wide], texts.slice(0, 96));
  await rate(pair, texts.slice(0, 96));
  const out: NativeRates = { twoThreads: [], twoSessions: [] };
  for (let r = 0; r < runs; r++) {
    if (r % 2 === 0) {
      out.twoThreads.push(await rate([wide], texts));
      out.twoSessions.push(await rate(pair, texts));
    } else {
      out.twoSessions.push(await rate(pair, texts));
      out.twoThreads.push(await rate([wide], texts));
    }
  }
  return out;
}
