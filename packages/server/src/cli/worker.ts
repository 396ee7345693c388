/**
 * `taskweave-worker`: one worker process. Flags (or environment variables):
 * `--redis` (REDIS_URL, default redis://127.0.0.1:6379), `--models` (TASKWEAVE_MODELS_DIR),
 * `--concurrency` (TASKWEAVE_CONCURRENCY, 1), `--threads` (TASKWEAVE_THREADS, 1),
 * `--handlers` (TASKWEAVE_HANDLERS: an ES module whose default export maps task types such as
 * `custom:resize` to handlers), `--lock-ms` / `--stalled-ms` (BullMQ lockDuration / stalledInterval).
 * Prints `taskweave-worker ready` when it takes jobs; SIGTERM/SIGINT let running jobs finish.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { createTaskweaveWorker } from '../worker.js';
import type { ServerTaskHandler } from '../handlers/handler.js';
import { flag, numberFlag } from './args.js';

const argv = process.argv.slice(2);
const handlersModule = flag(argv, 'handlers', 'TASKWEAVE_HANDLERS');
const handlers = handlersModule === undefined
  ? {}
  : ((await import(pathToFileURL(resolve(handlersModule)).href)) as { default: Record<string, ServerTaskHandler> }).default;
const modelsDir = flag(argv, 'models', 'TASKWEAVE_MODELS_DIR');
const concurrency = numberFlag(argv, 'concurrency', 'TASKWEAVE_CONCURRENCY');
const numThreads = numberFlag(argv, 'threads', 'TASKWEAVE_THREADS');
const lockDurationMs = numberFlag(argv, 'lock-ms', 'TASKWEAVE_LOCK_MS');
const stalledIntervalMs = numberFlag(argv, 'stalled-ms', 'TASKWEAVE_STALLED_MS');
const queueName = flag(argv, 'queue', 'TASKWEAVE_QUEUE');

const worker = createTaskweaveWorker({
  redisUrl: flag(argv, 'redis', 'REDIS_URL') ?? 'redis://127.0.0.1:6379',
  handlers,
  ...(modelsDir === undefined ? {} : { modelsDir: resolve(modelsDir) }),
  ...(concurrency === undefined ? {} : { concurrency }),
  ...(numThreads === undefined ? {} : { numThreads }),
  ...(lockDurationMs === undefined ? {} : { lockDurationMs }),
  ...(stalledIntervalMs === undefined ? {} : { stalledIntervalMs }),
  ...(queueName === undefined ? {} : { queueName }),
});
await worker.ready();
console.log('taskweave-worker ready');
const stop = () => void worker.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
