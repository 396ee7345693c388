// The pool's worker with one more handler: custom:ticker, which emits stamped chunks at a
// generation's pace (stream.bench.ts). Text generation is the built-in one, unchanged.
import { registerHandler } from '../src/worker/entry.js';
import { clockOffset, tick, type TickerParams } from './streamPace.js';

registerHandler('custom:ticker', async (task, ctx) => {
  const params = (task.input as { kind: 'custom'; value: TickerParams }).value;
  const emitted = await tick(params, (chunk) => ctx.emit(chunk), ctx.signal);
  return { kind: 'custom', value: { emitted, clockOffset: clockOffset() } };
});
