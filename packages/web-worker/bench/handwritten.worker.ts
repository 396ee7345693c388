/**
 * The `embed-vs-handwritten-workers` baseline: what a careful app writes by hand — its own
 * transformers.js pipeline in a module worker, one ORT thread, fed batches of texts, answering
 * with one transferred Float32Array per batch.
 */
import { env, pipeline } from '@huggingface/transformers';

env.allowLocalModels = true;
env.allowRemoteModels = false;
// A path, not a URL: transformers.js 4.3's file probe skips local paths that are absolute URLs.
env.localModelPath = '/models/';
const onnx = env.backends.onnx;
if (onnx.wasm !== undefined) {
  onnx.wasm.wasmPaths = new URL('/ort/', self.location.href).href;
  onnx.wasm.numThreads = 1;
}

type Extractor = (texts: string[], options: Record<string, unknown>) => Promise<{ data: Float32Array; dims: number[] }>;
let extractor: Extractor | undefined;

self.onmessage = async (event: MessageEvent<{ type: 'load' } | { type: 'embed' | 'cold'; id: number; texts: string[] }>) => {
  const message = event.data;
  // Cold start: load the model and embed these texts as its very first call (no warm-up).
  if (message.type === 'cold') {
    extractor = (await pipeline('feature-extraction', 'use-lite', { dtype: 'q8', device: 'wasm' })) as unknown as Extractor;
  }
  if (message.type === 'load') {
    extractor = (await pipeline('feature-extraction', 'use-lite', { dtype: 'q8', device: 'wasm' })) as unknown as Extractor;
    await extractor(['warm up'], { pooling: 'mean', normalize: true });
    self.postMessage({ type: 'loaded' });
    return;
  }
  const out = await extractor!(message.texts, { pooling: 'mean', normalize: true });
  const data = out.data.slice();
  (self as unknown as Worker).postMessage({ type: 'done', id: message.id, data, dims: out.dims }, [data.buffer]);
};
