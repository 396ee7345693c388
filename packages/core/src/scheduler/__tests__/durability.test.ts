/**
 * A task's end is announced only once its record is durable, and one record the store refuses
 * fails only itself: the submits and status writes that shared its write still land.
 */
import { describe, expect, it } from 'vitest';
import {
  MemoryTaskStore,
  PersistenceError,
  TaskScheduler,
  TaskStatus,
  TaskType,
  isTaskweaveError,
  type SchedulerEvent,
  type TaskId,
  type TaskRecord,
} from '../../index.js';
import { flush, manualExecutor, text } from '../../__tests__/helpers.js';

/** A store whose puts can be held back, and which refuses (as one) any put holding a matching record. */
class ControlledStore extends MemoryTaskStore {
  readonly puts: TaskRecord[][] = [];
  refuse: (record: TaskRecord) => boolean = () => false;
  #gate: Promise<void> | undefined;
  /** Holds every put until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.#gate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.#gate = undefined;
      release();
    };
  }
  override async put(records: readonly TaskRecord[]): Promise<void> {
    this.puts.push([...records]);
    if (this.#gate !== undefined) await this.#gate;
    const bad = records.find((r) => this.refuse(r));
    if (bad !== undefined) throw new PersistenceError('unknown', `cannot store task ${bad.task.id} (${bad.status})`);
    await super.put(records);
  }
}

const job = (label: string, extra: Record<string, unknown> = {}) => ({ type: TaskType.TextProcessing, input: text(label), ...extra });

async function running(m: ReturnType<typeof manualExecutor>, id: TaskId) {
  for (let i = 0; i < 50 && !m.calls.some((c) => c.task.id === id); i++) await flush();
  return m.callFor(id);
}

describe('durable ends', () => {
  it('a bad submit in the same write as a running task’s Completed record fails alone; the task completes for real', async () => {
    const store = new ControlledStore();
    const m = manualExecutor(2);
    const s = new TaskScheduler({ executor: m.executor, store });
    await s.ready();
    const a = await s.submit(job('a'));
    const callA = await running(m, a);
    store.refuse = (r) => r.task.input.kind === 'text' && r.task.input.text === 'poison';
    // Everything below is written while the store is busy with the filler.
    const release = store.hold();
    const filler = s.submit(job('filler'));
    await flush();
    callA.resolve({ kind: 'text', text: 'A done' });
    await flush();
    const results = Promise.allSettled([s.submit(job('good 1')), s.submit(job('poison')), s.submit(job('good 2'))]);
    await flush();
    release();
    await filler;
    const [good1, bad, good2] = await results;
    expect(good1?.status).toBe('fulfilled');
    expect(good2?.status).toBe('fulfilled');
    expect(bad?.status).toBe('rejected');
    expect(isTaskweaveError((bad as PromiseRejectedResult).reason, 'persistence')).toBe(true);
    // The scheduler merges nothing (coalescing is the store's): the end is a put of its own.
    const end = store.puts.find((p) => p.some((r) => r.task.id === a && r.status === TaskStatus.Completed));
    expect(end).toHaveLength(1);
    expect((await s.wait(a)).status).toBe(TaskStatus.Completed);
    expect((await store.get(a))?.status).toBe(TaskStatus.Completed);
    expect((await store.get(a))?.result?.output).toEqual({ kind: 'text', text: 'A done' });
    await s.close();
  });

  it('a result the store refuses is never announced: an error event, wait rejects, the store keeps Running', async () => {
    const store = new ControlledStore();
    const m = manualExecutor(2);
    const s = new TaskScheduler({ executor: m.executor, store });
    const events: SchedulerEvent[] = [];
    s.subscribe((e) => events.push(e));
    await s.ready();
    const a = await s.submit(job('a'));
    const child = await s.submit(job('child', { dependencies: [a] }));
    const waiting = s.wait(a).catch((e: unknown) => e);
    const callA = await running(m, a);
    store.refuse = (r) => r.task.id === a && r.status === TaskStatus.Completed;
    callA.resolve();
    const error = await waiting;
    expect(error).toBeInstanceOf(PersistenceError);
    expect(String((error as Error).message)).toContain(a);
    await expect(s.wait(a)).rejects.toBe(error); // later waits too
    expect(events.some((e) => e.type === 'error' && e.taskId === a && e.error === error)).toBe(true);
    expect(events.some((e) => e.type === 'status' && e.taskId === a && e.status === TaskStatus.Completed)).toBe(false);
    expect((await store.get(a))?.status).toBe(TaskStatus.Running);
    expect((await s.get(a))?.status).toBe(TaskStatus.Running); // what the store holds
    // Its dependent never runs on a result a reload would take back.
    const r = await s.wait(child);
    expect(r.status).toBe(TaskStatus.Cancelled);
    expect(r.errorCode).toBe('dependency-failed');
    expect(m.calls.some((c) => c.task.id === child)).toBe(false);
    await s.onIdle();
    await s.close();
  });

  it('a dependent starts only once its dependency’s Completed record is durable', async () => {
    const store = new ControlledStore();
    const m = manualExecutor(2);
    const s = new TaskScheduler({ executor: m.executor, store });
    await s.ready();
    const a = await s.submit(job('a'));
    const child = await s.submit(job('child', { dependencies: [a] }));
    const callA = await running(m, a);
    const childStatuses: TaskStatus[] = [];
    s.subscribe((e) => {
      if (e.type === 'status' && e.taskId === child) childStatuses.push(e.status);
    });
    const release = store.hold();
    callA.resolve({ kind: 'text', text: 'from a' });
    await flush(50);
    expect(m.calls.some((c) => c.task.id === child)).toBe(false);
    expect(childStatuses).toEqual([]); // not even started in memory
    expect((await s.get(child))?.status).toBe(TaskStatus.Pending);
    release();
    const callChild = await running(m, child);
    expect(callChild.ctx.dependencies.map((d) => d.output)).toEqual([{ kind: 'text', text: 'from a' }]);
    callChild.resolve();
    expect((await s.wait(child)).status).toBe(TaskStatus.Completed);
    await s.close();
  });
});
