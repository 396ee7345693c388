/**
 * The latency rows' baseline: what an app writes by hand to stream from a worker — one
 * `postMessage` per chunk, no coalescing, the same stamped chunks at the same pace.
 */
import { clockOffset, tick, type TickerParams } from './streamPace.js';

self.onmessage = async (event: MessageEvent<TickerParams>) => {
  const emitted = await tick(event.data, (chunk) => self.postMessage({ type: 'chunk', chunk }));
  self.postMessage({ type: 'done', emitted, clockOffset: clockOffset() });
};
