/** Cancelling a task in a shared store without a scheduler: a compare-and-set from Pending, and what it reports otherwise. */
import { describe, expect, it } from 'vitest';
import { MemoryTaskStore } from '../../adapters/memoryTaskStore.js';
import { makeRecord } from '../../__tests__/taskStoreContract.js';
import { TaskStatus, type TaskId } from '../../task.js';
import type { TaskRecord, TaskStatus as Status, TaskStore } from '../../index.js';
import { cancelStored, cancelledRecord } from '../storedCancel.js';

const NOW = 1_800_000_000_000;

async function storeWith(status: Status) {
  const store = new MemoryTaskStore();
  const record = makeRecord(status, 1);
  await store.put([record]);
  return { store, record, id: record.task.id };
}

describe('cancelledRecord', () => {
  it('is the record ended Cancelled at `now`, with a cancelled result that keeps the retry count', () => {
    const record = makeRecord(TaskStatus.Pending, 1);
    record.task.retryCount = 2;
    const cancelled = cancelledRecord(record, NOW);
    expect(cancelled.status).toBe(TaskStatus.Cancelled);
    expect(cancelled.updatedAt).toBe(NOW);
    expect(cancelled.seq).toBe(record.seq);
    expect(cancelled.task).toBe(record.task);
    expect(cancelled.result).toMatchObject({
      taskId: record.task.id,
      status: TaskStatus.Cancelled,
      output: { kind: 'none' },
      timestamp: NOW,
      errorCode: 'cancelled',
      metrics: { retryCount: 2 },
    });
    expect(record.status).toBe(TaskStatus.Pending);
  });
});

describe('cancelStored', () => {
  it('cancels a Pending task durably', async () => {
    const { store, id } = await storeWith(TaskStatus.Pending);
    expect(await cancelStored(store, id, () => NOW)).toBe('cancelled');
    const stored = await store.get(id);
    expect(stored?.status).toBe(TaskStatus.Cancelled);
    expect(stored?.updatedAt).toBe(NOW);
  });

  it('leaves a Running task to its scheduler, an ended one alone, and knows no unknown id', async () => {
    const running = await storeWith(TaskStatus.Running);
    expect(await cancelStored(running.store, running.id)).toBe('running');
    expect((await running.store.get(running.id))?.status).toBe(TaskStatus.Running);
    for (const ended of [TaskStatus.Completed, TaskStatus.Failed, TaskStatus.Cancelled, TaskStatus.Timeout]) {
      const s = await storeWith(ended);
      expect(await cancelStored(s.store, s.id)).toBe('ended');
      expect((await s.store.get(s.id))?.status).toBe(ended);
    }
    expect(await cancelStored(new MemoryTaskStore(), crypto.randomUUID() as TaskId)).toBe('unknown');
  });

  it('reports running when the task starts between its read and its write', async () => {
    const { store, id, record } = await storeWith(TaskStatus.Pending);
    const started: TaskRecord = { ...record, status: TaskStatus.Running };
    const racing = {
      get: (taskId: TaskId) => store.get(taskId),
      putIfStatus: async (records: readonly TaskRecord[], expected: readonly Status[]) => {
        await store.put([started]); // a scheduler's durable start commits first
        return store.putIfStatus(records, expected);
      },
    } as unknown as TaskStore;
    expect(await cancelStored(racing, id)).toBe('running');
    expect((await store.get(id))?.status).toBe(TaskStatus.Running);
  });

  it('tries again when the task went back to Pending between its read and its write (a retry), and wins', async () => {
    const { store, id, record } = await storeWith(TaskStatus.Pending);
    let races = 2;
    const flaky = {
      get: (taskId: TaskId) => store.get(taskId),
      putIfStatus: async (records: readonly TaskRecord[], expected: readonly Status[]) => {
        if (races-- > 0) return [false]; // another writer changed it in between, then it is Pending again
        return store.putIfStatus(records, expected);
      },
    } as unknown as TaskStore;
    expect(await cancelStored(flaky, id)).toBe('cancelled');
    expect((await store.get(id))?.status).toBe(TaskStatus.Cancelled);
    expect(record.status).toBe(TaskStatus.Pending);
  });
});
