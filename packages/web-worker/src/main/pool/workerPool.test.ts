import {
  TaskScheduler,
  TaskStatus,
  ValidationError,
  isTaskweaveError,
  type ExecutionContext,
  type Task,
  type TaskId,
  type TaskResult,
} from '@taskweave/core';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { createWorkerPool, type PoolEvent, type WorkerPool, type WorkerPoolOptions } from '../../index.js';

const createWorker = () => new Worker(new URL('../../__tests__/fixtures/test.worker.ts', import.meta.url), { type: 'module', name: 'test' });

const open: Array<{ pool: WorkerPool; scheduler: TaskScheduler }> = [];
function setup(options: WorkerPoolOptions = {}) {
  const pool = createWorkerPool({ createWorker, size: 2, abortGraceMs: 300, ...options });
  const scheduler = new TaskScheduler({ executor: pool, baseDelayMs: 10, maxDelayMs: 50 });
  const events: PoolEvent[] = [];
  pool.subscribe((event) => events.push(event));
  open.push({ pool, scheduler });
  return { pool, scheduler, events };
}
afterEach(async () => {
  for (const { scheduler } of open.splice(0)) await scheduler.close();
});

const text = (type: `custom:${string}`, value: string, extra: Record<string, unknown> = {}) => ({
  type,
  input: { kind: 'text' as const, text: value },
  ...extra,
});
const valueOf = (result: TaskResult) => (result.output.kind === 'custom' ? (result.output.value as Record<string, unknown>) : {});

/** Resolves when the task is Running. */
async function running(scheduler: TaskScheduler, id: TaskId): Promise<void> {
  await expect.poll(async () => (await scheduler.get(id))?.status, { timeout: 20_000 }).toBe(TaskStatus.Running);
}

/** Resolves when every worker of the pool has started. */
async function allStarted(pool: WorkerPool): Promise<void> {
  await expect.poll(() => pool.snapshot().workers.some((w) => w.state === 'starting'), { timeout: 20_000 }).toBe(false);
}

/** Resolves when a worker of the pool runs a call of `tasks` tasks (the pool has handed it over). */
async function runningCall(pool: WorkerPool, tasks = 1): Promise<void> {
  await expect.poll(() => pool.snapshot().workers.some((w) => w.state === 'busy' && w.taskIds.length === tasks), { timeout: 10_000 }).toBe(true);
}

/** A bare task for calling `pool.execute` directly. */
function bareTask(type: Task['type'], value: string, extra: Partial<Task> = {}): Task {
  return {
    id: crypto.randomUUID() as TaskId,
    type,
    priority: 1,
    input: { kind: 'text', text: value },
    retryCount: 0,
    maxRetries: 0,
    dependencies: [],
    metadata: {},
    createdAt: Date.now(),
    ...extra,
  };
}
const bareCtx = (signal = new AbortController().signal): ExecutionContext => ({
  signal,
  attempt: 1,
  dependencies: [],
  reportMetrics: () => undefined,
  resumeFrom: undefined,
  progress: () => undefined,
  emit: () => undefined,
  checkpoint: async () => undefined,
});

describe('worker pool through the scheduler', () => {
  it('runs a custom handler registered in the app worker and reports worker-measured metrics', async () => {
    const { scheduler, pool } = setup();
    const id = await scheduler.submit(text('custom:echo', 'hello'));
    const result = await scheduler.wait(id);
    expect(result.status).toBe(TaskStatus.Completed);
    expect(valueOf(result)['text']).toBe('hello');
    expect(valueOf(result)['worker']).toBe('test');
    expect(result.metrics.cpuUsage).toBeGreaterThanOrEqual(0);
    expect(result.metrics.cpuUsage).toBeLessThanOrEqual(1);
    const snapshot = pool.snapshot();
    expect(snapshot.size).toBe(2);
    expect(snapshot.workers.some((w) => w.state === 'busy' || w.state === 'dead')).toBe(false);
    expect(snapshot.workers.reduce((n, w) => n + w.jobsDone, 0)).toBe(1);
  });

  it('measures the busy share in the worker: a busy loop vs a sleep', async () => {
    const { scheduler } = setup({ size: 1 });
    const [busy, idle] = await scheduler.submitMany([text('custom:busy', '150'), text('custom:sleep', '150')]);
    const busyResult = await scheduler.wait(busy as TaskId);
    const idleResult = await scheduler.wait(idle as TaskId);
    expect(busyResult.metrics.cpuUsage).toBeGreaterThan(0.8);
    // Not a fixed bound: on a loaded machine late timers read as some busy time.
    expect(idleResult.metrics.cpuUsage).toBeLessThan(busyResult.metrics.cpuUsage - 0.25);
  });

  it('counts the bytes a worker fetched for a task', async () => {
    const { scheduler } = setup({ size: 1 });
    const url = new URL('../../__tests__/fixtures/payload.json', import.meta.url).href;
    const result = await scheduler.wait(await scheduler.submit(text('custom:fetch', url)));
    expect(result.status).toBe(TaskStatus.Completed);
    const bytes = valueOf(result)['bytes'] as number;
    expect(bytes).toBeGreaterThan(50);
    expect(result.metrics.networkBytes).toBeGreaterThanOrEqual(bytes);
  });

  it('moves a Float32Array output back intact', async () => {
    const { scheduler } = setup({ size: 1 });
    const result = await scheduler.wait(await scheduler.submit(text('custom:vector', '1000')));
    expect(result.output.kind).toBe('embedding');
    if (result.output.kind !== 'embedding') return;
    expect(result.output.vector).toBeInstanceOf(Float32Array);
    expect(result.output.vector.length).toBe(1000);
    expect(result.output.vector[999]).toBe(999);
  });

  it('rebuilds errors from the worker with their class and code', async () => {
    const { pool } = setup({ size: 1 });
    const validation = await pool.execute(bareTask('custom:fail', 'validation'), bareCtx()).catch((e: unknown) => e);
    expect(validation).toBeInstanceOf(ValidationError);
    expect((validation as ValidationError).field).toBe('input.text');
    const notConfigured = await pool.execute(bareTask('custom:fail', 'not-configured'), bareCtx()).catch((e: unknown) => e);
    expect(isTaskweaveError(notConfigured, 'not-configured')).toBe(true);
    expect((notConfigured as { details?: unknown }).details).toEqual({ code: 'not-configured' });
    const plain = await pool.execute(bareTask('custom:fail', 'plain'), bareCtx()).catch((e: unknown) => e);
    expect(isTaskweaveError(plain, 'execution')).toBe(true);
    expect((plain as Error).message).toContain('plain error from a handler');
    const unknown = await pool.execute(bareTask('custom:nobody', 'x'), bareCtx()).catch((e: unknown) => e);
    expect(isTaskweaveError(unknown, 'not-configured')).toBe(true);
  });

  it('fails a task with its error code; retryable handler errors are retried by the scheduler', async () => {
    const { scheduler } = setup({ size: 1 });
    const [validation, plain] = await scheduler.submitMany([
      text('custom:fail', 'validation', { maxRetries: 3 }),
      text('custom:fail', 'plain', { maxRetries: 2 }),
    ]);
    const v = await scheduler.wait(validation as TaskId);
    expect(v.status).toBe(TaskStatus.Failed);
    expect(v.errorCode).toBe('validation');
    expect(v.metrics.retryCount).toBe(0);
    const p = await scheduler.wait(plain as TaskId);
    expect(p.status).toBe(TaskStatus.Failed);
    expect(p.errorCode).toBe('execution');
    expect(p.metrics.retryCount).toBe(2);
  });

  it('refuses a bad backend in metadata, naming the field', async () => {
    const { scheduler } = setup({ size: 1 });
    const result = await scheduler.wait(await scheduler.submit(text('custom:echo', 'x', { metadata: { backend: 'tpu' } })));
    expect(result.status).toBe(TaskStatus.Failed);
    expect(result.errorCode).toBe('validation');
    expect(result.error).toContain('metadata.backend');
  });

  it('refuses bad options, naming the field', () => {
    expect(() => createWorkerPool({ createWorker, size: 0 })).toThrow(/options\.size/);
    expect(() => createWorkerPool({ createWorker, backend: 'cuda' as 'wasm' })).toThrow(/options\.backend/);
    expect(() => createWorkerPool({ createWorker, batching: { maxBatchSize: 0 } })).toThrow(/maxBatchSize/);
    expect(() => createWorkerPool({ createWorker, batching: { maxBatchChars: -1 } })).toThrow(/batching\.maxBatchChars/);
  });

  it('runs one job per worker at a time and uses every worker', async () => {
    const { scheduler, events, pool } = setup({ size: 2 });
    await allStarted(pool);
    const ids = await scheduler.submitMany(Array.from({ length: 6 }, () => text('custom:sleep', '60')));
    const results = await Promise.all(ids.map((id) => scheduler.wait(id)));
    expect(results.every((r) => r.status === TaskStatus.Completed)).toBe(true);
    const workerEvents = events.flatMap((e) => (e.type === 'worker' ? [e.worker] : []));
    expect(Math.max(...workerEvents.map((w) => w.taskIds.length))).toBe(1);
    let busy = 0;
    let maxBusy = 0;
    const state = new Map<number, string>();
    for (const w of workerEvents) {
      const before = state.get(w.id);
      if (before !== 'busy' && w.state === 'busy') busy++;
      if (before === 'busy' && w.state !== 'busy') busy--;
      state.set(w.id, w.state);
      maxBusy = Math.max(maxBusy, busy);
    }
    expect(maxBusy).toBe(2);
    expect(new Set(results.map((r) => valueOf(r)['instance'])).size).toBe(2);
  });

  it('a task waiting for a free worker is Pending (in get() and the store) and counts that wait in queueWaitMs', async () => {
    const { scheduler, pool } = setup({ size: 1 });
    await allStarted(pool);
    // The second waits in the scheduler's queue for the only worker.
    const [first, second] = await scheduler.submitMany([text('custom:sleep', '400'), text('custom:sleep', '10')]);
    await running(scheduler, first!);
    expect((await scheduler.get(second!))?.status).toBe(TaskStatus.Pending);
    expect(pool.snapshot().workers[0]?.taskIds).toEqual([first]);
    const [r1, r2] = await Promise.all([scheduler.wait(first!), scheduler.wait(second!)]);
    expect(r1.status).toBe(TaskStatus.Completed);
    // Not a speed assertion: the second task cannot start before the first one's 400 ms sleep ends.
    expect(r2.metrics.queueWaitMs).toBeGreaterThanOrEqual(350);
  });
});

describe('handler registry', () => {
  it('refuses handlers that are not functions and unknown task types, naming the field', async () => {
    const { registerHandler } = await import('../../worker/runtime/registry.js');
    expect(() => registerHandler('custom:x', 'return 1' as never)).toThrow(ValidationError);
    expect(() => registerHandler('custom:x', 'return 1' as never)).toThrow(/handler must be a function/);
    const error = (() => {
      try {
        registerHandler('Nonsense' as never, async () => ({ kind: 'none' }));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('type');
  });

  it('reports an unhandled rejection in a worker as a pool event without replacing the worker', async () => {
    const { scheduler, pool, events } = setup({ size: 1 });
    const result = await scheduler.wait(await scheduler.submit(text('custom:stray-rejection', 'x')));
    expect(result.status).toBe(TaskStatus.Completed);
    await expect.poll(() => events.some((e) => e.type === 'unhandled-rejection')).toBe(true);
    const event = events.find((e) => e.type === 'unhandled-rejection');
    expect(event?.type === 'unhandled-rejection' && event.error.message).toBe('stray rejection');
    expect(pool.snapshot().replaced).toBe(0);
  });
});

describe('crash recovery', () => {
  it('self.close() mid-task: the attempt fails worker-crashed, is retried on a new worker', async () => {
    const { scheduler, pool, events } = setup({ size: 1 });
    const before = valueOf(await scheduler.wait(await scheduler.submit(text('custom:echo', 'x'))))['instance'];
    const result = await scheduler.wait(await scheduler.submit(text('custom:close-self', 'x', { maxRetries: 1 })));
    expect(result.status).toBe(TaskStatus.Completed);
    expect(result.metrics.retryCount).toBe(1);
    const crash = events.find((e) => e.type === 'crash');
    expect(crash).toMatchObject({ type: 'crash', reason: 'closed' });
    expect(valueOf(result)['instance']).not.toBe(before);
    expect(pool.snapshot().replaced).toBe(1);
  });

  it('self.close() with no retries left ends Failed with worker-crashed', async () => {
    const { scheduler } = setup({ size: 1 });
    const result = await scheduler.wait(await scheduler.submit(text('custom:close-self', 'x', { maxRetries: 0 })));
    expect(result.status).toBe(TaskStatus.Failed);
    expect(result.errorCode).toBe('worker-crashed');
  });

  it('a worker terminated from outside mid-task is noticed and replaced; the task is retried', async () => {
    const made: Worker[] = [];
    const { scheduler, pool, events } = setup({
      size: 1,
      createWorker: () => {
        const worker = createWorker();
        made.push(worker);
        return worker;
      },
    });
    await scheduler.wait(await scheduler.submit(text('custom:echo', 'worker is up')));
    const id = await scheduler.submit(text('custom:sleep', '20000', { maxRetries: 0 }));
    await running(scheduler, id);
    await runningCall(pool);
    made[0]?.terminate();
    const result = await scheduler.wait(id);
    expect(result.status).toBe(TaskStatus.Failed);
    expect(result.errorCode).toBe('worker-crashed');
    expect(events.find((e) => e.type === 'crash')).toMatchObject({ reason: 'gone', taskIds: [id] });
    expect((await scheduler.wait(await scheduler.submit(text('custom:echo', 'x')))).status).toBe(TaskStatus.Completed);
    expect(made.length).toBe(2);
  });

  it('an error thrown outside the handler replaces the worker; the task is retried there', async () => {
    const { scheduler, events } = setup({ size: 1 });
    const before = valueOf(await scheduler.wait(await scheduler.submit(text('custom:echo', 'x'))))['instance'];
    const result = await scheduler.wait(await scheduler.submit(text('custom:throw-outside', 'x', { maxRetries: 2 })));
    expect(result.status).toBe(TaskStatus.Completed);
    expect(result.metrics.retryCount).toBe(1);
    expect(events.find((e) => e.type === 'crash')).toMatchObject({ reason: 'error' });
    expect(valueOf(result)['instance']).not.toBe(before);
    const next = await scheduler.wait(await scheduler.submit(text('custom:echo', 'after')));
    expect(next.status).toBe(TaskStatus.Completed);
    expect(valueOf(next)['instance']).toBe(valueOf(result)['instance']);
  });

  it('an infinite loop past the deadline ends Timeout; the worker is terminated and replaced', async () => {
    const { scheduler, pool, events } = setup({ size: 1 });
    const before = valueOf(await scheduler.wait(await scheduler.submit(text('custom:echo', 'x'))))['instance'];
    const id = await scheduler.submit(text('custom:spin', 'x', { deadline: Date.now() + 300, maxRetries: 3 }));
    const result = await scheduler.wait(id);
    expect(result.status).toBe(TaskStatus.Timeout);
    expect(result.errorCode).toBe('timeout');
    const next = await scheduler.wait(await scheduler.submit(text('custom:echo', 'next')));
    expect(next.status).toBe(TaskStatus.Completed);
    expect(valueOf(next)['instance']).not.toBe(before);
    expect(events.find((e) => e.type === 'crash')).toMatchObject({ reason: 'aborted', taskIds: [id] });
    expect(pool.snapshot().replaced).toBe(1);
  });

  it('the executor promise of a hung task settles with the abort reason after the grace period', async () => {
    const { pool } = setup({ size: 1, abortGraceMs: 100 });
    const controller = new AbortController();
    const pending = pool.execute(bareTask('custom:spin', 'x'), bareCtx(controller.signal)).catch((e: unknown) => e);
    await runningCall(pool);
    const reason = new Error('stop');
    controller.abort(reason);
    expect(await pending).toBe(reason);
  });

  it('a worker that stops answering heartbeats is replaced and its task fails worker-crashed', async () => {
    const { scheduler, events } = setup({ size: 1, heartbeatMs: 50, unresponsiveMs: 300 });
    const result = await scheduler.wait(await scheduler.submit(text('custom:busy', '3000', { maxRetries: 0 })));
    expect(result.status).toBe(TaskStatus.Failed);
    expect(result.errorCode).toBe('worker-crashed');
    expect(events.find((e) => e.type === 'crash')).toMatchObject({ reason: 'unresponsive' });
    expect((await scheduler.wait(await scheduler.submit(text('custom:echo', 'x')))).status).toBe(TaskStatus.Completed);
  });

  it('workers that cannot start break the pool after a few tries instead of hanging', async () => {
    const { scheduler, events } = setup({
      size: 1,
      createWorker: () => new Worker(new URL('../../__tests__/fixtures/does-not-exist.worker.js', import.meta.url), { type: 'module' }),
    });
    const result = await scheduler.wait(await scheduler.submit(text('custom:echo', 'x', { maxRetries: 5 })));
    expect(result.status).toBe(TaskStatus.Failed);
    expect(result.errorCode).toBe('worker-crashed');
    expect(events.filter((e) => e.type === 'crash' && e.reason === 'start-failed').length).toBe(3);
  });
});

describe('cancellation and deadlines', () => {
  it('cancel while running reaches the handler as an AbortSignal; the worker is kept', async () => {
    const { scheduler, pool } = setup({ size: 1 });
    const before = valueOf(await scheduler.wait(await scheduler.submit(text('custom:echo', 'worker is up'))))['instance'];
    const id = await scheduler.submit(text('custom:sleep', '20000'));
    await running(scheduler, id);
    await runningCall(pool);
    expect(await scheduler.cancel(id)).toBe(true);
    const result = await scheduler.wait(id);
    expect(result.status).toBe(TaskStatus.Cancelled);
    expect(result.errorCode).toBe('cancelled');
    const next = await scheduler.wait(await scheduler.submit(text('custom:echo', 'x')));
    expect(next.status).toBe(TaskStatus.Completed);
    expect(valueOf(next)['instance']).toBe(before);
    expect(pool.snapshot().replaced).toBe(0);
  });

  it('a deadline while running aborts the handler: Timeout', async () => {
    const { scheduler, pool } = setup({ size: 1 });
    const result = await scheduler.wait(await scheduler.submit(text('custom:sleep', '20000', { deadline: Date.now() + 200 })));
    expect(result.status).toBe(TaskStatus.Timeout);
    expect(result.errorCode).toBe('timeout');
    expect(pool.snapshot().replaced).toBe(0);
  });

  it('cancelling a handler that ignores its signal terminates and replaces the worker', async () => {
    const { scheduler, pool, events } = setup({ size: 1 });
    await scheduler.wait(await scheduler.submit(text('custom:echo', 'worker is up')));
    const id = await scheduler.submit(text('custom:spin', 'x'));
    await running(scheduler, id);
    await scheduler.cancel(id);
    expect((await scheduler.wait(id)).status).toBe(TaskStatus.Cancelled);
    expect((await scheduler.wait(await scheduler.submit(text('custom:echo', 'x')))).status).toBe(TaskStatus.Completed);
    expect(events.some((e) => e.type === 'crash' && e.reason === 'aborted')).toBe(true);
    expect(pool.snapshot().replaced).toBe(1);
  });

  it('close() settles every running task; a call past the free workers is refused, not queued', async () => {
    const { pool } = setup({ size: 1 });
    await allStarted(pool);
    expect(pool.available()).toBe(1);
    const a = pool.execute(bareTask('custom:sleep', '20000'), bareCtx()).catch((e: unknown) => e);
    expect(pool.available()).toBe(0);
    const b = await pool.execute(bareTask('custom:echo', 'x'), bareCtx()).catch((e: unknown) => e);
    expect(isTaskweaveError(b, 'execution')).toBe(true);
    expect((b as Error).message).toMatch(/keeps no queue/);
    await runningCall(pool);
    await pool.close();
    expect(isTaskweaveError(await a, 'closed')).toBe(true);
  });
});

describe('dynamic batching', () => {
  it('runs tasks ready together as batches and splits results per task', async () => {
    const { scheduler, events } = setup({
      size: 2,
      batching: { types: ['custom:embed-like'], maxBatchSize: 4, windowMs: 20 },
    });
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', 'bad', 'hhhhhhhh', 'iiiiiiiii', 'jjjjjjjjjj'];
    const ids = await scheduler.submitMany(texts.map((t) => text('custom:embed-like', t)));
    const results = await Promise.all(ids.map((id) => scheduler.wait(id)));
    const batches = events.flatMap((e) => (e.type === 'batch' ? [e.taskIds] : []));
    expect(batches.length).toBeGreaterThan(0);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(4);
    results.forEach((result, i) => {
      if (texts[i] === 'bad') {
        expect(result.status).toBe(TaskStatus.Failed);
        expect(result.errorCode).toBe('validation');
        return;
      }
      expect(result.status).toBe(TaskStatus.Completed);
      if (result.output.kind !== 'embedding') throw new Error('expected an embedding');
      const [length, size, position] = result.output.vector;
      expect(length).toBe(texts[i]?.length);
      expect(result.metrics.batchSize).toBe(size);
      expect(position).toBeLessThan(size as number);
      expect(result.metrics.backend).toBe('test-batch');
      expect(result.metrics.memoryBytes).toBe(12);
      const batch = batches.find((b) => b.includes(ids[i] as TaskId));
      expect(batch?.length ?? 1).toBe(size);
      if (batch !== undefined) expect(batch.indexOf(ids[i] as TaskId)).toBe(position);
    });
    expect(results.some((r) => (r.metrics.batchSize ?? 1) > 1)).toBe(true);
  });

  it('aborting one member of a running batch leaves the call running; aborting all stops it, keeping the worker', async () => {
    const { pool } = setup({ size: 1, batching: { types: ['custom:sleep'], maxBatchSize: 3, windowMs: 10 } });
    await allStarted(pool);
    const controllers = [0, 1, 2].map(() => new AbortController());
    const tasks = controllers.map(() => bareTask('custom:sleep', '300'));
    const one = pool.executeBatch(tasks, controllers.map((c) => bareCtx(c.signal)));
    await runningCall(pool, 3);
    controllers[1]?.abort(new Error('user cancelled'));
    const outcomes = await one;
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);

    const all = [0, 1, 2].map(() => new AbortController());
    const second = pool.executeBatch([0, 1, 2].map(() => bareTask('custom:sleep', '20000')), all.map((c) => bareCtx(c.signal)));
    await runningCall(pool, 3);
    const reason = new Error('all cancelled');
    for (const c of all) c.abort(reason);
    // The running task stops on its signal; the others never start: each fails with the reason.
    const stopped = await second;
    expect(stopped.map((o) => (o.ok ? 'ok' : (o.error as Error).message))).toEqual(['all cancelled', 'all cancelled', 'all cancelled']);
    expect(pool.snapshot().replaced).toBe(0);
  });
});

describe('route audit', () => {
  it('records and blocks requests that leave the origin, from the page and from workers', async () => {
    await expect(fetch('http://example.invalid/from-page', { cache: 'no-store' })).rejects.toThrow();
    const { scheduler } = setup({ size: 1 });
    const result = await scheduler.wait(await scheduler.submit(text('custom:fetch', 'http://example.invalid/from-worker', { maxRetries: 0 })));
    expect(result.status).toBe(TaskStatus.Failed);
    const violations = await commands.takeRouteAuditViolations();
    expect(violations).toContain('http://example.invalid/from-page');
    expect(violations).toContain('http://example.invalid/from-worker');
  });
});
