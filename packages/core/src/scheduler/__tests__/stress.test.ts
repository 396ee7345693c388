import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { TaskScheduler, TaskStatus, TaskType, TaskweaveError, isTerminalStatus, type TaskId, type TaskPriority } from '../../index.js';
import { prng } from '../../../../../scripts/prng.mjs';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.UTC(2026, 10, 28));
});
afterEach(() => vi.useRealTimers());


it('10,000 tasks with random priorities, dependencies, failures, deadlines and cancels each end exactly once', async () => {
  const random = prng(42);
  const N = 10_000;
  const started = new Map<string, number>();
  const ended = new Map<string, number>();
  const runs = new Map<string, number>();
  let running = 0;
  let maxRunning = 0;
  const violations: string[] = [];
  const s = new TaskScheduler({
    concurrency: 8,
    retryDelay: 5,
    random,
    executor: {
      async execute(task, ctx) {
        running++;
        maxRunning = Math.max(maxRunning, running);
        runs.set(task.id, (runs.get(task.id) ?? 0) + 1);
        started.set(task.id, Date.now());
        // Every dependency handed over is Completed and finished before we started. Checked here but
        // asserted after onIdle: an expect thrown inside the executor would only fail the task.
        for (const dep of ctx.dependencies) {
          if (dep.status !== TaskStatus.Completed) violations.push(`${task.id}: dependency ${dep.taskId} handed over ${dep.status}`);
          if (dep.timestamp > Date.now()) violations.push(`${task.id}: dependency ${dep.taskId} ended after the start`);
        }
        const handed = ctx.dependencies.map((d) => d.taskId).join();
        if (handed !== task.dependencies.join()) violations.push(`${task.id}: dependencies handed over [${handed}], not [${task.dependencies.join()}]`);
        try {
          await new Promise<void>((resolve, reject) => {
            const t = setTimeout(resolve, 1 + Math.floor(random() * 20));
            ctx.signal.addEventListener('abort', () => {
              clearTimeout(t);
              reject(ctx.signal.reason);
            });
          });
          const roll = random();
          if (roll < 0.05) throw new Error('transient');
          if (roll < 0.07) throw new TaskweaveError('execution', 'permanent', { retryable: false });
          return { kind: 'text', text: task.id };
        } finally {
          running--;
        }
      },
    },
  });
  const terminalEvents = new Map<string, number>();
  s.subscribe((e) => {
    if (e.type === 'status' && isTerminalStatus(e.status)) terminalEvents.set(e.taskId, (terminalEvents.get(e.taskId) ?? 0) + 1);
  });

  const ids: TaskId[] = [];
  const now = Date.now();
  for (let i = 0; i < N; i++) {
    const deps = new Set<TaskId>();
    if (i > 0 && random() < 0.4) {
      const count = 1 + Math.floor(random() * 3);
      for (let d = 0; d < count; d++) deps.add(ids[Math.floor(random() * i)] as TaskId);
    }
    const withDeadline = random() < 0.1;
    ids.push(
      await s.submit({
        type: TaskType.TextProcessing,
        input: { kind: 'text', text: `t${i}` },
        priority: Math.floor(random() * 4) as TaskPriority,
        dependencies: [...deps],
        maxRetries: Math.floor(random() * 3),
        ...(withDeadline ? { deadline: now + Math.floor(random() * 20_000) } : {}),
      }),
    );
    if (random() < 0.02) await s.cancel(ids[Math.floor(random() * ids.length)] as TaskId);
    if (i % 500 === 0) await vi.advanceTimersByTimeAsync(5);
  }
  while (s.getSnapshot().byStatus.Pending + s.getSnapshot().byStatus.Running > 0) {
    await vi.advanceTimersByTimeAsync(50);
  }
  await s.onIdle();
  expect(violations).toEqual([]);

  const results = await Promise.all(ids.map((id) => s.wait(id)));
  const byId = new Map(results.map((r) => [r.taskId, r]));
  const counts: Record<string, number> = {};
  for (const id of ids) {
    expect(terminalEvents.get(id)).toBe(1);
    const r = byId.get(id)!;
    counts[r.status] = (counts[r.status] ?? 0) + 1;
    const task = (await s.get(id))!;
    expect(isTerminalStatus(task.status)).toBe(true);
    if (r.status === TaskStatus.Completed) {
      expect(r.output).toEqual({ kind: 'text', text: id });
      for (const dep of task.dependencies) {
        expect(byId.get(dep)!.status).toBe(TaskStatus.Completed);
        expect(byId.get(dep)!.timestamp).toBeLessThanOrEqual(started.get(id)!);
      }
      ended.set(id, r.timestamp);
    }
    if (task.dependencies.some((dep) => byId.get(dep)!.status !== TaskStatus.Completed)) {
      expect(r.status === TaskStatus.Cancelled || r.status === TaskStatus.Timeout).toBe(true);
    }
    // Attempts never exceed 1 + maxRetries, and retryCount matches the extra attempts.
    expect(runs.get(id) ?? 0).toBeLessThanOrEqual(task.maxRetries + 1);
    // (A retry that was scheduled but then cancelled or timed out while waiting counts too.)
    const attempts = runs.get(id) ?? 0;
    if (r.status === TaskStatus.Completed || r.status === TaskStatus.Failed) expect(r.metrics.retryCount).toBe(attempts - 1);
    else expect([Math.max(0, attempts - 1), attempts]).toContain(r.metrics.retryCount);
  }
  expect(maxRunning).toBeLessThanOrEqual(8);
  // The mix really exercised every path.
  for (const status of [TaskStatus.Completed, TaskStatus.Failed, TaskStatus.Cancelled, TaskStatus.Timeout]) {
    expect(counts[status] ?? 0).toBeGreaterThan(10);
  }
}, 60_000);
