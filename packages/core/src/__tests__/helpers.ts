import { afterEach, beforeEach, vi } from 'vitest';
import { TaskType, type ExecutionContext, type Executor, type Task, type TaskOutput } from '../index.js';

export interface Call {
  task: Task;
  ctx: ExecutionContext;
  resolve(output?: TaskOutput): void;
  reject(error: unknown): void;
}

/** An executor whose calls stay open until the test settles them. */
export function manualExecutor(capacity?: number) {
  const calls: Call[] = [];
  const arrivals = new Set<() => void>();
  let running = 0;
  let maxRunning = 0;
  const executor: Executor = {
    ...(capacity === undefined ? {} : { capacity }),
    execute(task, ctx) {
      running++;
      maxRunning = Math.max(maxRunning, running);
      return new Promise<TaskOutput>((resolve, reject) => {
        calls.push({
          task,
          ctx,
          resolve: (output = { kind: 'text', text: `done ${task.id}` }) => resolve(output),
          reject,
        });
        for (const arrived of [...arrivals]) arrived();
      }).finally(() => {
        running--;
      });
    },
  };
  return {
    executor,
    calls,
    get running() {
      return running;
    },
    get maxRunning() {
      return maxRunning;
    },
    /** The open call for a task id. */
    callFor(id: string): Call {
      const call = [...calls].reverse().find((c) => c.task.id === id);
      if (call === undefined) throw new Error(`no call for ${id}`);
      return call;
    },
    /** Resolves with the call for a task id once the scheduler has made it (an event, not a poll). */
    called(id: string): Promise<Call> {
      const find = () => [...calls].reverse().find((c) => c.task.id === id);
      const now = find();
      if (now !== undefined) return Promise.resolve(now);
      return new Promise<Call>((resolve) => {
        const arrived = () => {
          const call = find();
          if (call === undefined) return;
          arrivals.delete(arrived);
          resolve(call);
        };
        arrivals.add(arrived);
      });
    },
  };
}

/** An executor that runs `fn` for every task (default: echo the text). */
export function fnExecutor(
  fn: (task: Task, ctx: ExecutionContext) => Promise<TaskOutput> | TaskOutput = (task) => ({
    kind: 'text',
    text: task.input.kind === 'text' ? task.input.text : 'ok',
  }),
): Executor & { order: string[] } {
  const order: string[] = [];
  return {
    order,
    async execute(task, ctx) {
      order.push(task.id);
      return fn(task, ctx);
    },
  };
}

export const text = (t: string) => ({ kind: 'text' as const, text: t });

/** Lets queued microtasks and promise chains run (no timers advance). */
export async function flush(times = 20): Promise<void> {
  for (let i = 0; i < times; i++) await Promise.resolve();
}

/** The fake clock's start in the scheduler's tests. */
export const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

/** Fake timers from `T0` for every test of the calling file. */
export function useFakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** A TextProcessing submit labelled by its text, with any other fields. */
export const job = (label: string, extra: Record<string, unknown> = {}) => ({
  type: TaskType.TextProcessing,
  input: text(label),
  ...extra,
});
