/**
 * The server side of the placement tests: the custom task types the placement fleet's
 * `taskweave-worker`s run (`--handlers`, loaded by `fleetProcess.ts`), the same ones the device
 * runs (`../fixtures/placement.worker.ts`). Each run is counted in Redis (`test:runs:<id>`, read
 * back by the `remoteRuns` command), so tests can tell runs from ends.
 */
import type { Task } from '@taskweave/core';
import type { ServerTaskHandler } from '@taskweave/server';
import { redisCommand } from '../../../../../scripts/testRedis.mjs';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const countRun = (task: Task) => redisCommand(REDIS_URL, 'INCR', `test:runs:${task.id}`);
const value = (task: Task) => (task.input.kind === 'custom' ? (task.input.value as Record<string, unknown>) : {});
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });

const handlers: Record<string, ServerTaskHandler> = {
  'custom:echo': async (task) => {
    await countRun(task);
    return { kind: 'custom', value: value(task) };
  },
  'custom:sleep': async (task, ctx) => {
    await countRun(task);
    await sleep(Number(value(task)['ms'] ?? 1000), ctx.signal);
    return { kind: 'custom', value: { slept: value(task)['ms'], pid: process.pid } };
  },
  /** Emits `c0…c<n-1>` with progress, sleeping `ms` every `every` chunks: a streamed output made on the server. */
  'custom:stream': async (task, ctx) => {
    await countRun(task);
    const n = Number(value(task)['n'] ?? 10);
    const every = Number(value(task)['every'] ?? 1);
    const ms = Number(value(task)['ms'] ?? 0);
    for (let i = 0; i < n; i++) {
      ctx.emit(`c${i}`);
      ctx.progress({ done: i + 1, total: n, note: 'streaming' });
      if (ms > 0 && (i + 1) % every === 0) await sleep(ms, ctx.signal);
    }
    return { kind: 'custom', value: { n } };
  },
  /** Its input's `n` plus the `sum` of each dependency's output: a step of a DAG that reads the steps before it. */
  'custom:add': async (task, ctx) => {
    await countRun(task);
    const before = ctx.dependencies.map((r) => (r.output.kind === 'custom' ? Number((r.output.value as { sum: number }).sum) : NaN));
    return { kind: 'custom', value: { sum: before.reduce((a, b) => a + b, Number(value(task)['n'] ?? 0)), from: ctx.dependencies.map((r) => r.taskId) } };
  },
};

export default handlers;
