/**
 * The in-browser half of `stream.bench.ts`. The same page runs in two tabs of one browser context
 * with the same taskweave name: the first leads (runs the pool), the second follows.
 *
 * Latency rows: `submitTicker` (leader) starts a custom:ticker task whose handler emits stamped
 * chunks (streamPace.ts); `readTicker` (either tab) reads `tw.stream(id)` and returns, per chunk,
 * arrival − stamp in ms. The baseline: `tickerHandwritten` (leader) has a hand-written worker post
 * the same chunks one message each, and re-posts each on a BroadcastChannel, where
 * `listenHandwritten` (follower) reads them.
 *
 * Generation row: `generateSdk` (`tw.generate`, read through `stream`) and `generateHandwritten`
 * (handwrittenGeneration.worker.ts), each returning when every token arrived and at what times.
 */
import { TaskType, type TaskId } from '@taskweave/core';
import { createTaskweave, type Taskweave } from '../src/index.js';
import { clockOffset, stamp, type StampedChunk, type TickerParams } from './streamPace.js';

const RELAY = 'stream-bench-handwritten-relay';
let tw: Taskweave | undefined;
let ticker: Worker | undefined;
let generator: Worker | undefined;

export interface Latencies {
  /** arrival − stamp per chunk, in emission order. */
  ms: number[];
  /** clockOffset() of the emitting worker minus this tab's: what every latency may be off by. */
  skewMs: number;
}

/** Per token arrival, for one generation. */
export interface GenerationRun {
  /** ms from submit (or postMessage) to the first and to the last token's arrival. */
  firstMs: number;
  lastMs: number;
  /** Tokens that arrived with the first arrival (they were generated before the clock starts). */
  firstTokens: number;
  tokens: number;
  text: string;
}

async function start(name: string): Promise<{ role: string; visibility: DocumentVisibilityState }> {
  tw = await createTaskweave({
    name,
    pool: { size: 1, createWorker: () => new Worker(new URL('./stream.worker.ts', import.meta.url), { type: 'module' }) },
  });
  return { role: tw.role, visibility: document.visibilityState };
}

async function submitTicker(params: TickerParams): Promise<TaskId> {
  return tw!.submit({ type: TaskType.custom('ticker'), input: { kind: 'custom', value: params } });
}

async function readTicker(id: TaskId): Promise<Latencies> {
  const ms: number[] = [];
  for await (const chunk of tw!.stream<StampedChunk>(id)) {
    const arrived = stamp();
    if (chunk.i !== ms.length) throw new Error(`chunk ${chunk.i} came as number ${ms.length}`);
    ms.push(arrived - chunk.at);
  }
  const result = await tw!.wait(id);
  const value = (result.output as { kind: 'custom'; value: { clockOffset: number } }).value;
  return { ms, skewMs: value.clockOffset - clockOffset() };
}

function tickerHandwritten(params: TickerParams): Promise<Latencies> {
  ticker ??= new Worker(new URL('./streamTicker.worker.ts', import.meta.url), { type: 'module' });
  const relay = new BroadcastChannel(RELAY);
  const ms: number[] = [];
  return new Promise((resolve, reject) => {
    ticker!.onerror = (e) => reject(new Error(e.message));
    ticker!.onmessage = (event: MessageEvent<{ type: 'chunk'; chunk: StampedChunk } | { type: 'done'; clockOffset: number }>) => {
      const message = event.data;
      if (message.type === 'chunk') {
        ms.push(stamp() - message.chunk.at);
        relay.postMessage(message);
        return;
      }
      relay.postMessage(message);
      relay.close();
      resolve({ ms, skewMs: message.clockOffset - clockOffset() });
    };
    ticker!.postMessage(params);
  });
}

function listenHandwritten(): Promise<Latencies> {
  const relay = new BroadcastChannel(RELAY);
  const ms: number[] = [];
  return new Promise((resolve) => {
    relay.onmessage = (event: MessageEvent<{ type: 'chunk'; chunk: StampedChunk } | { type: 'done'; clockOffset: number }>) => {
      const message = event.data;
      if (message.type === 'chunk') {
        ms.push(stamp() - message.chunk.at);
        return;
      }
      relay.close();
      resolve({ ms, skewMs: message.clockOffset - clockOffset() });
    };
  });
}

async function generateSdk(prompt: string, model: string, maxNewTokens: number): Promise<GenerationRun> {
  const t0 = performance.now();
  const handle = await tw!.generate(prompt, { model, maxNewTokens });
  const arrivals: number[] = [];
  let text = '';
  for await (const token of handle.stream) {
    arrivals.push(performance.now() - t0);
    text += token;
  }
  const result = await handle.result;
  if (result.text !== text) throw new Error('the streamed tokens do not add up to the result');
  if (arrivals.length !== result.tokens) throw new Error(`${arrivals.length} chunks for ${result.tokens} tokens: a chunk is not one token`);
  // One token per chunk; the chunks of the first report arrive together, the next report ≥ 16 ms later.
  const firstMs = arrivals[0]!;
  return { firstMs, lastMs: arrivals.at(-1)!, firstTokens: arrivals.filter((t) => t - firstMs < 5).length, tokens: result.tokens, text };
}

async function loadHandwritten(model: string): Promise<void> {
  generator ??= new Worker(new URL('./handwrittenGeneration.worker.ts', import.meta.url), { type: 'module' });
  await new Promise<void>((resolve, reject) => {
    generator!.onerror = (e) => reject(new Error(e.message));
    generator!.onmessage = () => resolve();
    generator!.postMessage({ type: 'load', model });
  });
}

function generateHandwritten(prompt: string, maxNewTokens: number): Promise<GenerationRun> {
  const t0 = performance.now();
  let firstMs = -1;
  let firstTokens = 0;
  let lastMs = 0;
  let text = '';
  return new Promise((resolve, reject) => {
    generator!.onerror = (e) => reject(new Error(e.message));
    generator!.onmessage = (event: MessageEvent<{ type: 'text'; text: string; tokens: number } | { type: 'done'; tokens: number }>) => {
      const message = event.data;
      if (message.type === 'text') {
        const at = performance.now() - t0;
        if (firstMs < 0) {
          firstMs = at;
          firstTokens = message.tokens;
        }
        lastMs = at;
        text += message.text;
        return;
      }
      resolve({ firstMs, lastMs, firstTokens, tokens: message.tokens, text });
    };
    generator!.postMessage({ type: 'generate', prompt, maxNewTokens });
  });
}

const bench = { start, submitTicker, readTicker, tickerHandwritten, listenHandwritten, generateSdk, loadHandwritten, generateHandwritten };

declare global {
  interface Window {
    __streamBench: typeof bench;
  }
}
window.__streamBench = bench;
