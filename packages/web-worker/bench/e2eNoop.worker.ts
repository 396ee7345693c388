// The pool's worker with one more handler: custom:noop, which returns at once (e2eDurable.bench.ts).
import { registerHandler } from '../src/worker/entry.js';

registerHandler('custom:noop', async () => ({ kind: 'none' }));
