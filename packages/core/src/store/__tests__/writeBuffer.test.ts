import { describe, expect, it } from 'vitest';
import { MemoryTaskStore } from '../../adapters/memoryTaskStore.js';
import type { TaskRecord } from '../../ports.js';
import { TaskStatus } from '../../task.js';
import { WriteBuffer } from '../writeBuffer.js';
import { makeRecord, makeTask } from '../../__tests__/taskStoreContract.js';

/** A store that refuses, as one, any put holding a poisoned record (like IndexedDB's DataCloneError). */
class PickyStore extends MemoryTaskStore {
  readonly puts: TaskRecord[][] = [];
  readonly poisoned = new Set<string>();
  /** Holds a refusal until it resolves (IndexedDB aborts a transaction a few event-loop turns later). */
  holdRefusal: (() => Promise<void>) | undefined;
  override async put(records: readonly TaskRecord[]): Promise<void> {
    this.puts.push([...records]);
    const bad = records.find((r) => this.poisoned.has(r.task.id));
    if (bad !== undefined) {
      if (this.holdRefusal !== undefined) await this.holdRefusal();
      throw new Error(`cannot store ${bad.task.id}`);
    }
    await super.put(records);
  }
}

describe('WriteBuffer', () => {
  it("hands its writes over when the store's beforeWrite resolves: a write queued meanwhile shares the put, and order holds", async () => {
    const store = new PickyStore();
    let release: () => void = () => undefined;
    let asked = 0;
    (store as PickyStore & { beforeWrite(): Promise<void> }).beforeWrite = () => {
      asked++;
      return new Promise<void>((resolve) => (release = resolve));
    };
    const buffer = new WriteBuffer(store, () => undefined);
    const first = makeRecord(TaskStatus.Pending, 1);
    const later = { ...first, status: TaskStatus.Running, updatedAt: first.updatedAt + 1 };
    const other = makeRecord(TaskStatus.Pending, 2);
    const written = [buffer.write(first)];
    // A later event (a macrotask), while the store has not asked for the writes yet.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(store.puts).toHaveLength(0);
    written.push(buffer.write(later), buffer.write(other));
    release();
    await Promise.all(written);
    expect(store.puts.map((put) => put.length)).toEqual([3]);
    expect(await store.get(first.task.id)).toEqual(later);
    expect(asked).toBe(1);
  });

  it('a refused record fails only its own write; the other writes of the same turn are stored', async () => {
    const store = new PickyStore();
    const errors: unknown[] = [];
    const buffer = new WriteBuffer(store, (error) => errors.push(error));
    const records = [1, 2, 3, 4].map((seq) => makeRecord(TaskStatus.Pending, seq));
    const bad = records[2] as TaskRecord;
    store.poisoned.add(bad.task.id);
    const done = makeRecord(TaskStatus.Completed, 9);
    let after: unknown = 'not called';
    buffer.writeThen(done, (error) => (after = error));
    const outcomes = await Promise.allSettled(records.map((r) => buffer.write(r)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toContain(bad.task.id);
    expect(after).toBeUndefined(); // the status write of the same turn is durable
    expect(await store.get(done.task.id)).toEqual(done);
    for (const r of records) expect(await store.get(r.task.id)).toEqual(r === bad ? undefined : r);
    // One merged put was tried first: the common case stays one put per turn.
    expect(store.puts[0]).toHaveLength(5);
    expect(errors).toHaveLength(1);
  });

  it('a group is stored all or nothing, and its refusal reaches writeThen callers of its own only', async () => {
    const store = new PickyStore();
    const buffer = new WriteBuffer(store, () => undefined);
    const group = [1, 2, 3].map((seq) => makeRecord(TaskStatus.Pending, seq));
    store.poisoned.add((group[1] as TaskRecord).task.id);
    const alone = makeRecord(TaskStatus.Failed, 4);
    const poisonedEnd = makeRecord(TaskStatus.Completed, 5);
    store.poisoned.add(poisonedEnd.task.id);
    const seen: unknown[] = [];
    buffer.writeThen(alone, (error) => seen.push(error));
    buffer.writeThen(poisonedEnd, (error) => seen.push(error));
    await expect(buffer.write(group)).rejects.toThrow((group[1] as TaskRecord).task.id);
    await buffer.drained();
    expect(seen[0]).toBeUndefined();
    expect(String(seen[1])).toContain(poisonedEnd.task.id);
    for (const r of group) expect(await store.get(r.task.id)).toBeUndefined();
    expect(await store.get(alone.task.id)).toEqual(alone);
  });

  it('a group put again after a refusal never lands after a later write to the same id', async () => {
    const store = new PickyStore();
    let refusing: () => void = () => undefined;
    const refusalStarted = new Promise<void>((resolve) => (refusing = resolve));
    let refuse: () => void = () => undefined;
    // Only the first refusal is held; the retries after it are refused at once.
    store.holdRefusal = () => {
      store.holdRefusal = undefined;
      refusing();
      return new Promise<void>((resolve) => (refuse = resolve));
    };
    const buffer = new WriteBuffer(store, () => undefined);
    const task = makeTask();
    const poison = makeRecord(TaskStatus.Pending, 1);
    store.poisoned.add(poison.task.id);
    const running = makeRecord(TaskStatus.Running, 2, { task });
    void buffer.write(poison).catch(() => undefined);
    void buffer.write(running);
    await refusalStarted;
    // While the first flush's refusal is still on its way: a later write to the same id.
    const completed = makeRecord(TaskStatus.Completed, 2, { task });
    const written = buffer.write(completed);
    refuse();
    await written;
    await buffer.drained();
    expect((await store.get(task.id))?.status).toBe(TaskStatus.Completed);
  });
});
