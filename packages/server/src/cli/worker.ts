/**
 * `taskweave-worker`: one worker process (`taskweave-worker --help` lists the options; each is
 * also an environment variable). Checks its models folder first (exit 1 naming what is missing),
 * prints `taskweave-worker ready` when it takes jobs; SIGTERM/SIGINT let running jobs finish,
 * then it leaves the fleet and exits.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { isTaskweaveError } from '@taskweave/core';
import { createTaskweaveWorker } from '../worker.js';
import type { ServerTaskHandler } from '../handlers/handler.js';
import { parseOptions, runCli, usage, UsageError } from './options.js';
import { WORKER_OPTIONS } from './specs.js';


await runCli('taskweave-worker', async () => {
  const o = parseOptions(WORKER_OPTIONS, process.argv.slice(2), process.env);
  if (o === 'help') {
    process.stdout.write(usage('taskweave-worker', 'A taskweave worker process: runs the tasks of the BullMQ queue on Redis (models with transformers.js on onnxruntime-node).', WORKER_OPTIONS));
    return;
  }
  const str = (name: string) => o[name] as string | undefined;
  const int = (name: string) => o[name] as number | undefined;
  const redisUrl = str('redis') ?? 'redis://127.0.0.1:6379';
  if (!URL.canParse(redisUrl)) throw new UsageError(`--redis must be a URL (redis://host:port), got ${JSON.stringify(redisUrl)}`);
  const handlersModule = str('handlers');
  if (handlersModule !== undefined && !existsSync(resolve(handlersModule))) throw new UsageError(`--handlers: ${resolve(handlersModule)} does not exist`);
  if (str('models') === undefined && handlersModule === undefined) throw new UsageError('nothing to run: give --models, --handlers or both');
  const handlers = handlersModule === undefined
    ? {}
    : ((await import(pathToFileURL(resolve(handlersModule)).href)) as { default: Record<string, ServerTaskHandler> }).default;
  let worker;
  try {
    worker = createTaskweaveWorker({
      redisUrl,
      handlers,
      ...(str('models') === undefined ? {} : { modelsDir: resolve(str('models')!) }),
      ...(int('concurrency') === undefined ? {} : { concurrency: int('concurrency')! }),
      ...(int('threads') === undefined ? {} : { numThreads: int('threads')! }),
      ...(int('lock-ms') === undefined ? {} : { lockDurationMs: int('lock-ms')! }),
      ...(int('stalled-ms') === undefined ? {} : { stalledIntervalMs: int('stalled-ms')! }),
      ...(str('queue') === undefined ? {} : { queueName: str('queue')! }),
      ...(str('prefix') === undefined ? {} : { prefix: str('prefix')! }),
    });
  } catch (error) {
    if (!isTaskweaveError(error, 'not-configured')) throw error;
    process.stderr.write(`taskweave-worker: ${error.message}\n`);
    process.exit(1);
  }
  const readyTimer = setTimeout(() => console.log(`taskweave-worker: waiting for Redis at ${redisUrl}`), 3_000);
  await worker.ready();
  clearTimeout(readyTimer);
  console.log('taskweave-worker ready');
  const stop = () => {
    console.log('taskweave-worker: finishing running jobs, then exiting');
    void worker.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
});
