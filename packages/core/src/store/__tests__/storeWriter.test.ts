import { describe, expect, it } from 'vitest';
import { MemoryTaskStore } from '../../adapters/memoryTaskStore.js';
import type { TaskRecord } from '../../ports.js';
import { TaskStatus } from '../../task.js';
import { StoreWriter } from '../storeWriter.js';
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

describe('StoreWriter', () => {
  it('hands each write to the store as it happens, one call per write, in write order: the store coalesces, not the scheduler', async () => {
    const store = new PickyStore();
    const writer = new StoreWriter(store, () => undefined);
    const first = makeRecord(TaskStatus.Pending, 1);
    const later = { ...first, status: TaskStatus.Running, updatedAt: first.updatedAt + 1 };
    const group = [2, 3].map((seq) => makeRecord(TaskStatus.Pending, seq));
    const written = [writer.write(first), writer.write(group), writer.write(later)];
    // Synchronously, before any microtask: nothing waits in the writer.
    expect(store.puts.map((put) => put.length)).toEqual([1, 2, 1]);
    await Promise.all(written);
    expect(await store.get(first.task.id)).toEqual(later);
  });

  it('a refused record fails only its own write; the other writes made with it are stored', async () => {
    const store = new PickyStore();
    const errors: unknown[] = [];
    const writer = new StoreWriter(store, (error) => errors.push(error));
    const records = [1, 2, 3, 4].map((seq) => makeRecord(TaskStatus.Pending, seq));
    const bad = records[2] as TaskRecord;
    store.poisoned.add(bad.task.id);
    const done = makeRecord(TaskStatus.Completed, 9);
    let after: unknown = 'not called';
    writer.writeThen(done, (error) => (after = error));
    const outcomes = await Promise.allSettled(records.map((r) => writer.write(r)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toContain(bad.task.id);
    await writer.drained();
    expect(after).toBeUndefined(); // the status write made with them is durable
    expect(await store.get(done.task.id)).toEqual(done);
    for (const r of records) expect(await store.get(r.task.id)).toEqual(r === bad ? undefined : r);
    expect(errors).toHaveLength(1);
  });

  it('a group is stored all or nothing, and its refusal reaches writeThen callers of its own only', async () => {
    const store = new PickyStore();
    const heard: (readonly TaskRecord[])[] = [];
    const writer = new StoreWriter(store, (_, records) => heard.push(records));
    const group = [1, 2, 3].map((seq) => makeRecord(TaskStatus.Pending, seq));
    store.poisoned.add((group[1] as TaskRecord).task.id);
    const alone = makeRecord(TaskStatus.Failed, 4);
    const poisonedEnd = makeRecord(TaskStatus.Completed, 5);
    store.poisoned.add(poisonedEnd.task.id);
    const seen = new Map<TaskRecord, unknown>();
    writer.writeThen(alone, (error) => seen.set(alone, error));
    writer.writeThen(poisonedEnd, (error) => seen.set(poisonedEnd, error));
    await expect(writer.write(group)).rejects.toThrow((group[1] as TaskRecord).task.id);
    await writer.drained();
    expect(seen.has(alone) && seen.get(alone) === undefined).toBe(true);
    expect(String(seen.get(poisonedEnd))).toContain(poisonedEnd.task.id);
    for (const r of group) expect(await store.get(r.task.id)).toBeUndefined();
    expect(await store.get(alone.task.id)).toEqual(alone);
    // onError hears the refused group, not the writeThen whose callback already did.
    expect(heard).toEqual([group]);
  });

  it('a refusal still on its way never lets an earlier write land after a later write to the same id', async () => {
    const store = new PickyStore();
    let refusing: () => void = () => undefined;
    const refusalStarted = new Promise<void>((resolve) => (refusing = resolve));
    let refuse: () => void = () => undefined;
    store.holdRefusal = () => {
      store.holdRefusal = undefined;
      refusing();
      return new Promise<void>((resolve) => (refuse = resolve));
    };
    const writer = new StoreWriter(store, () => undefined);
    const task = makeTask();
    const poison = makeRecord(TaskStatus.Pending, 1);
    store.poisoned.add(poison.task.id);
    const running = makeRecord(TaskStatus.Running, 2, { task });
    void writer.write(poison).catch(() => undefined);
    void writer.write(running);
    await refusalStarted;
    const completed = makeRecord(TaskStatus.Completed, 2, { task });
    const written = writer.write(completed);
    refuse();
    await written;
    await writer.drained();
    expect((await store.get(task.id))?.status).toBe(TaskStatus.Completed);
  });

  it('drained waits for every write and compare-and-set in flight', async () => {
    const store = new PickyStore();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const put = store.put.bind(store);
    store.put = async (records) => {
      await held;
      return put(records);
    };
    const writer = new StoreWriter(store, () => undefined);
    const record = makeRecord(TaskStatus.Pending, 1);
    void writer.write(record);
    const cas = writer.writeIf([{ ...record, status: TaskStatus.Running }], [TaskStatus.Pending]);
    let drained = false;
    void writer.drained().then(() => (drained = true));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(drained).toBe(false);
    release();
    await writer.drained();
    expect(drained).toBe(true);
    // The compare-and-set was made after the put and found it: call order holds across both methods.
    expect(await cas).toEqual([false]);
  });

  it('writeIfThen hands the flags and its argument to `then`, and a refusal to `otherwise` after onError; drained waits for both', async () => {
    const store = new PickyStore();
    const heard: string[] = [];
    const writer = new StoreWriter(store, () => heard.push('onError'));
    const pending = makeRecord(TaskStatus.Pending, 1);
    await writer.write(pending);
    const arg = { call: 1 };
    const seen: unknown[] = [];
    const written = writer.writeIfThen(
      [{ ...pending, status: TaskStatus.Running }, makeRecord(TaskStatus.Running, 2)],
      [TaskStatus.Pending],
      arg,
      (flags, given) => seen.push(flags, given),
      () => heard.push('otherwise'),
    );
    await writer.drained();
    expect(seen).toEqual([[true, false], arg]);
    expect(seen[1]).toBe(arg);
    expect((await store.get(pending.task.id))?.status).toBe(TaskStatus.Running);
    await written;

    store.putIfStatus = () => Promise.reject(new Error('refused'));
    let refusedWith: unknown;
    void writer.writeIfThen([pending], [TaskStatus.Running], arg, () => heard.push('then'), (error, given) => {
      heard.push('otherwise');
      refusedWith = [String(error), given];
    });
    await writer.drained();
    expect(heard).toEqual(['onError', 'otherwise']);
    expect(refusedWith).toEqual(['Error: refused', arg]);
  });

  it('writeAnd resolves with what `then` returns once durable, and a refusal rejects after onError and `otherwise`', async () => {
    const store = new PickyStore();
    const heard: string[] = [];
    const writer = new StoreWriter(store, () => heard.push('onError'));
    const record = makeRecord(TaskStatus.Pending, 1);
    const written = writer.writeAnd(
      record,
      (given) => {
        heard.push('then');
        return given;
      },
      () => heard.push('otherwise'),
    );
    expect(store.puts).toEqual([[record]]); // handed to the store at once, as `write` does
    expect(await written).toBe(record);
    expect(await store.get(record.task.id)).toEqual(record);

    const poisoned = makeRecord(TaskStatus.Pending, 2);
    store.poisoned.add(poisoned.task.id);
    let refused: unknown;
    const refusal = writer.writeAnd(poisoned, () => heard.push('then'), (error, given) => {
      heard.push('otherwise');
      refused = given;
    });
    await expect(refusal).rejects.toThrow(poisoned.task.id);
    expect(refused).toBe(poisoned);
    expect(heard).toEqual(['then', 'onError', 'otherwise']);
    await writer.drained();

    const thrown = writer.writeAnd(makeRecord(TaskStatus.Pending, 3), () => {
      throw new Error('closed meanwhile');
    }, () => heard.push('otherwise'));
    await expect(thrown).rejects.toThrow('closed meanwhile');
    await writer.drained(); // counted out before `then` ran, throw or not
  });
});
