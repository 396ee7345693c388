/**
 * submitMany of thousands of tasks works in slices that yield to the event loop, and stays all or
 * nothing: every task is validated before any is stored.
 */
import { describe, expect, it } from 'vitest';
import { MemoryTaskStore, TaskScheduler, TaskStatus, TaskType, ValidationError, type Clock } from '../../index.js';
import { fnExecutor, text } from '../../__tests__/helpers.js';

/** Real timers, but time runs fast: 5 ms per reading, so every check of the slicer says "yield now". */
function fastClock(): Clock {
  let t = Date.now();
  return { now: () => (t += 5), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };
}

const job = (i: number) => ({ type: TaskType.TextProcessing, input: text(`t${i}`) });

/** Counts turns of the event loop (timer callbacks) until stopped. */
function countTurns() {
  let turns = 0;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    turns++;
    setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  return {
    get turns() {
      return turns;
    },
    stop: () => (stopped = true),
  };
}

describe('submitMany in slices', () => {
  it('lets the event loop run while it validates, prepares and admits thousands of tasks', async () => {
    const store = new MemoryTaskStore();
    const s = new TaskScheduler({ executor: fnExecutor(), store, clock: fastClock() });
    await s.ready();
    const loop = countTurns();
    const ids = await s.submitMany(Array.from({ length: 3_000 }, (_, i) => job(i)));
    loop.stop();
    // Checked every 64 tasks, each check "late": dozens of turns in parse, prepare and admission.
    expect(loop.turns).toBeGreaterThan(3 * (3_000 / 64) * 0.8);
    expect(ids).toHaveLength(3_000);
    expect(new Set(ids).size).toBe(3_000);
    const results = await Promise.all(ids.map((id) => s.wait(id)));
    expect(results.every((r) => r.status === TaskStatus.Completed)).toBe(true);
    const seqs = await Promise.all(ids.map(async (id) => (await store.get(id))?.seq ?? 0));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // submission order kept
    await s.close();
  });

  it('still refuses the whole batch when only the last task is bad, having yielded on the way', async () => {
    const store = new MemoryTaskStore();
    const s = new TaskScheduler({ executor: fnExecutor(), store, clock: fastClock() });
    await s.ready();
    const loop = countTurns();
    const list = [...Array.from({ length: 2_000 }, (_, i) => job(i)), { ...job(2_000), priority: 9 }];
    const error = await s.submitMany(list as never).catch((e: unknown) => e);
    loop.stop();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('2000.priority');
    expect(loop.turns).toBeGreaterThan(10);
    expect((await store.load()).lastSeq).toBe(0);
    expect(s.getSnapshot().byStatus.Pending).toBe(0);
    await s.close();
  });

  it('a duplicate id far down the batch refuses it all', async () => {
    const store = new MemoryTaskStore();
    const s = new TaskScheduler({ executor: fnExecutor(), store, clock: fastClock() });
    await s.ready();
    const dup = crypto.randomUUID();
    const list = Array.from({ length: 1_500 }, (_, i) => ({ ...job(i), id: i === 3 || i === 1_400 ? dup : crypto.randomUUID() }));
    expect(await s.submitMany(list).catch((e: unknown) => e)).toMatchObject({ code: 'duplicate-id', details: { field: '1400.id' } });
    expect((await store.load()).lastSeq).toBe(0);
    await s.close();
  });

  it('submits made while a batch pauses never share an id with it: one of the two is refused', async () => {
    const store = new MemoryTaskStore();
    const s = new TaskScheduler({ executor: fnExecutor(), store, clock: fastClock() });
    await s.ready();
    const list = Array.from({ length: 1_500 }, (_, i) => ({ ...job(i), id: crypto.randomUUID() }));
    const reused = [10, 500, 1_000, 1_499];
    const many = s.submitMany(list).then(
      () => undefined,
      (e: unknown) => e,
    );
    const singles = await Promise.all(
      reused.map(async (i, k) => {
        // Spread over the batch's pauses by turns of the event loop, not by wall-clock time.
        for (let turn = 0; turn < k * 3; turn++) await new Promise((resolve) => setImmediate(resolve));
        return s.submit({ ...job(90_000 + i), id: list[i]!.id }).then(
          () => 'stored',
          (e: { code?: string }) => e.code,
        );
      }),
    );
    const batchError = (await many) as { code?: string; details?: { field?: string } } | undefined;
    if (batchError === undefined) expect(singles).toEqual(reused.map(() => 'duplicate-id'));
    else {
      expect(batchError.code).toBe('duplicate-id');
      expect(reused.map((i) => `${i}.id`)).toContain(batchError.details?.field);
    }
    expect(singles.every((r) => r === 'stored' || r === 'duplicate-id')).toBe(true);
    await s.onIdle();
    await s.close();
  });
});
