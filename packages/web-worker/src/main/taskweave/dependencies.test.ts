/**
 * A DAG whose later steps use earlier steps' outputs, written with worker handlers: each handler
 * reads `ctx.dependencies` (one-task handlers) or `ctx.dependencies[i]` (batch handlers) in real
 * workers, through createTaskweave, also across a page reload while the middle step runs.
 */
import { TaskStatus, isTerminalStatus, type TaskId, type TaskResult } from '@taskweave/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTaskweave, type Taskweave } from '../../index.js';
import { appFrame, collectReports } from '../../__tests__/fixtures/appFrames.js';

const createWorker = () => new Worker(new URL('../../__tests__/fixtures/test.worker.ts', import.meta.url), { type: 'module' });
const open: Taskweave[] = [];
afterEach(async () => {
  for (const tw of open.splice(0)) await tw.close();
  document.querySelectorAll('iframe').forEach((f) => f.remove());
});

interface StepValue {
  sum: number;
  trail: string[];
  dependencies: string[];
}
const valueOf = (result: TaskResult): StepValue => {
  if (result.status !== TaskStatus.Completed || result.output.kind !== 'custom') throw new Error(`not completed: ${result.status} ${result.error ?? ''}`);
  return result.output.value as StepValue;
};

/** Three steps a → b → c; each adds its own number to what its dependencies computed. */
function chain(type: 'custom:dag' | 'custom:dag-batch', hold?: string) {
  const a = crypto.randomUUID() as TaskId;
  const b = crypto.randomUUID() as TaskId;
  const c = crypto.randomUUID() as TaskId;
  return {
    ids: [a, b, c] as const,
    tasks: [
      { id: a, type, input: { kind: 'custom' as const, value: { add: 1 } } },
      { id: b, type, input: { kind: 'custom' as const, value: { add: 10, ...(hold === undefined ? {} : { hold }) } }, dependencies: [a] },
      { id: c, type, input: { kind: 'custom' as const, value: { add: 100 } }, dependencies: [b] },
    ],
  };
}

describe('handlers read their dependencies', () => {
  it('a three-step DAG of one-task handlers: each step computes from the previous output', async () => {
    const tw = await createTaskweave({ name: `deps-${crypto.randomUUID()}`, pool: { createWorker, size: 2 } });
    open.push(tw);
    const { ids, tasks } = chain('custom:dag');
    await tw.submitMany(tasks);
    const [a, b, c] = await Promise.all(ids.map((id) => tw.wait(id)));
    expect(valueOf(a!)).toEqual({ sum: 1, trail: [ids[0]], dependencies: [] });
    expect(valueOf(b!)).toEqual({ sum: 11, trail: [ids[0], ids[1]], dependencies: [ids[0]] });
    expect(valueOf(c!)).toEqual({ sum: 111, trail: [ids[0], ids[1], ids[2]], dependencies: [ids[1]] });
  });

  it('a fan-in step reads each dependency in the order its task lists them', async () => {
    const tw = await createTaskweave({ name: `deps-${crypto.randomUUID()}`, pool: { createWorker, size: 2 } });
    open.push(tw);
    const x = crypto.randomUUID() as TaskId;
    const y = crypto.randomUUID() as TaskId;
    const z = crypto.randomUUID() as TaskId;
    await tw.submitMany([
      { id: x, type: 'custom:dag', input: { kind: 'custom', value: { add: 2 } } },
      { id: y, type: 'custom:dag', input: { kind: 'custom', value: { add: 3 } } },
      { id: z, type: 'custom:dag', input: { kind: 'custom', value: { add: 0 } }, dependencies: [y, x] },
    ]);
    expect(valueOf(await tw.wait(z))).toEqual({ sum: 5, trail: [y, x, z], dependencies: [y, x] });
  });

  it('the same DAGs with a batch handler: ctx.dependencies[i] belongs to tasks[i], in batches of several', async () => {
    const tw = await createTaskweave({
      name: `deps-${crypto.randomUUID()}`,
      pool: { createWorker, size: 1, batching: { types: ['custom:dag-batch'], maxBatchSize: 8, windowMs: 20 } },
    });
    open.push(tw);
    // Eight chains submitted together: each layer of the eight is ready at once and forms batches.
    const chains = Array.from({ length: 8 }, () => chain('custom:dag-batch'));
    await tw.submitMany(chains.flatMap((c) => c.tasks));
    for (const { ids } of chains) {
      const [a, b, c] = await Promise.all(ids.map((id) => tw.wait(id)));
      expect(valueOf(a!)).toEqual({ sum: 1, trail: [ids[0]], dependencies: [] });
      expect(valueOf(b!)).toEqual({ sum: 11, trail: [ids[0], ids[1]], dependencies: [ids[0]] });
      expect(valueOf(c!).sum).toBe(111);
      expect(valueOf(c!).trail).toEqual([...ids]);
    }
    const results = await Promise.all(chains.flatMap((c) => c.ids).map((id) => tw.wait(id)));
    expect(results.some((r) => (r.metrics.batchSize ?? 1) > 1)).toBe(true);
  });

  it('a page reload while the middle step runs: the step runs again with its dependency output, the last step computes from it', async () => {
    const name = `deps-reload-${crypto.randomUUID()}`;
    const hold = `hold-${crypto.randomUUID()}`;
    const reports = collectReports();
    const page = appFrame(name);
    try {
      const tw = await page.ready();
      const { ids, tasks } = chain('custom:dag', hold);
      await tw.submitMany(tasks);
      // The middle step is running (held in its worker): reload the page under it.
      await expect.poll(() => reports.reports.some((r) => r.taskId === ids[1] && r.status === TaskStatus.Running), { timeout: 20_000 }).toBe(true);
      page.window().location.reload();
      await expect.poll(() => (page.window() as unknown as { taskweave?: Taskweave }).taskweave, { timeout: 20_000 }).toBeUndefined();
      const after = await page.ready();
      // Released only once it runs again in the reloaded page (a release before then reaches nobody).
      const release = new BroadcastChannel(hold);
      try {
        await expect
          .poll(
            async () => {
              release.postMessage('go');
              return (await after.get(ids[2]))?.status;
            },
            { timeout: 30_000, interval: 100 },
          )
          .toBe(TaskStatus.Completed);
      } finally {
        release.close();
      }
      const [a, b, c] = await Promise.all(ids.map((id) => after.wait(id)));
      expect(valueOf(a!).sum).toBe(1);
      expect(valueOf(b!)).toEqual({ sum: 11, trail: [ids[0], ids[1]], dependencies: [ids[0]] });
      expect(valueOf(c!)).toEqual({ sum: 111, trail: [...ids], dependencies: [ids[1]] });
      // Each step ended once over both page lifetimes.
      const ends = reports.reports.filter((r) => r.status !== undefined && isTerminalStatus(r.status as TaskStatus) && !r.relayed);
      expect(ends.map((r) => r.taskId).sort()).toEqual([...ids].sort());
    } finally {
      reports.stop();
    }
  });
});
