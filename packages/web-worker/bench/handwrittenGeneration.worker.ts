/**
 * The `generation-vs-handwritten` baseline: what an app writes by hand to stream a generation from
 * a worker — a transformers.js `text-generation` pipeline (same ORT settings as the pool's worker:
 * wasm, 1 thread, no proxy) called with a `TextStreamer`, each piece of text it hands over posted
 * to the page as it comes, with the count of tokens generated so far.
 */
import { env, pipeline, TextStreamer } from '@huggingface/transformers';

env.allowLocalModels = true;
env.allowRemoteModels = false;
// A path, not a URL: transformers.js 4.3's file probe skips local paths that are absolute URLs.
env.localModelPath = '/models/';
env.useWasmCache = false;
const onnx = env.backends.onnx;
if (onnx.wasm !== undefined) {
  onnx.wasm.wasmPaths = new URL('/ort/', self.location.href).href;
  onnx.wasm.numThreads = 1;
  onnx.wasm.proxy = false;
}

type Generator = ((prompt: string, options: Record<string, unknown>) => Promise<unknown>) & { tokenizer: ConstructorParameters<typeof TextStreamer>[0] };
let generator: Generator | undefined;

self.onmessage = async (event: MessageEvent<{ type: 'load'; model: string } | { type: 'generate'; prompt: string; maxNewTokens: number }>) => {
  const message = event.data;
  if (message.type === 'load') {
    generator = (await pipeline('text-generation', message.model, { dtype: 'fp32', device: 'wasm' })) as unknown as Generator;
    self.postMessage({ type: 'loaded' });
    return;
  }
  let tokens = 0;
  const streamer = new TextStreamer(generator!.tokenizer, {
    skip_prompt: true,
    token_callback_function: (ids: bigint[]) => void (tokens += ids.length),
    callback_function: (text: string) => self.postMessage({ type: 'text', text, tokens }),
  });
  await generator!(message.prompt, { max_new_tokens: message.maxNewTokens, do_sample: false, streamer });
  self.postMessage({ type: 'done', tokens });
};
