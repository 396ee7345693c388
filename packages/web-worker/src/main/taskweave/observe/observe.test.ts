/**
 * The observables the framework bindings sit on, in real Chromium with real workers and real
 * IndexedDB: each starts its source with its first subscriber and lets go of it with the last,
 * changes its snapshot object only when the data changed, and shows a task, a stream, the queue,
 * a search box and the model cache as a user would see them.
 */
import { TaskStatus, isTaskweaveError, type TaskId } from '@taskweave/core';
import { describe, expect, it } from 'vitest';
import {
  ObservableValue,
  createTaskweave,
  observeModels,
  observeQueue,
  observeStream,
  observeTask,
  observeTasks,
  sameValue,
  searchAsYouType,
  type Observable,
  type Taskweave,
  type TaskweaveListener,
} from '../../../index.js';
import { closeAfterEach } from '../../../__tests__/fixtures/closeAfterEach.js';

const createWorker = () => new Worker(new URL('../../../__tests__/fixtures/test.worker.ts', import.meta.url), { type: 'module' });
const { open } = closeAfterEach();

async function start(options: Parameters<typeof createTaskweave>[0] = {}): Promise<Taskweave> {
  const tw = await createTaskweave({ name: `observe-${crypto.randomUUID()}`, pool: { createWorker, size: 1 }, ...options });
  open.push(tw);
  return tw;
}

/** The real handle, with its live `subscribe` listeners counted (its own streams' too). */
function counted(tw: Taskweave): { tw: Taskweave; listeners: () => number } {
  let live = 0;
  const original = tw.subscribe.bind(tw);
  tw.subscribe = (listener: TaskweaveListener) => {
    const stop = original(listener);
    live++;
    let stopped = false;
    return () => {
      if (!stopped) live--;
      stopped = true;
      stop();
    };
  };
  return { tw, listeners: () => live };
}

/** Every snapshot an observable shows, from its first subscriber on; `stop` unsubscribes. */
function record<T>(observable: Observable<T>): { seen: T[]; stop: () => void } {
  const seen: T[] = [observable.getSnapshot()];
  const stop = observable.subscribe(() => seen.push(observable.getSnapshot()));
  return { seen, stop };
}

const sleep = (ms: number) => ({ type: 'custom:sleep' as const, input: { kind: 'text' as const, text: String(ms) }, maxRetries: 0 });
const streamTask = (n: number, gapMs = 0) => ({ type: 'custom:stream' as const, input: { kind: 'custom' as const, value: { n, gapMs } } });

describe('ObservableValue', () => {
  it('starts its source with the first subscriber, stops it with the last, and ignores a stopped start', () => {
    const sets: ((n: number) => void)[] = [];
    let running = 0;
    const value = new ObservableValue(0, (set) => {
      running++;
      sets.push(set);
      return () => running--;
    });
    expect(running).toBe(0);
    const a = value.subscribe(() => undefined);
    const b = value.subscribe(() => undefined);
    expect(running).toBe(1);
    a();
    a(); // twice: still one listener gone
    expect(running).toBe(1);
    b();
    expect(running).toBe(0);
    sets[0]?.(5);
    expect(value.getSnapshot()).toBe(0);
  });

  it('keeps the snapshot object while the data is the same', () => {
    const first = { status: 'Running', progress: { done: 1, total: 2 } };
    const value = new ObservableValue(first);
    let changes = 0;
    value.subscribe(() => changes++);
    value.set({ status: 'Running', progress: { done: 1, total: 2 } });
    expect(value.getSnapshot()).toBe(first);
    expect(changes).toBe(0);
    value.set({ status: 'Running', progress: { done: 2, total: 2 } });
    expect(changes).toBe(1);
    expect(sameValue(new Float32Array([1]), new Float32Array([1]))).toBe(false);
    expect(sameValue([1, { a: [2] }], [1, { a: [2] }])).toBe(true);
  });
});

describe('observeTask', () => {
  it('shows each status once, the end together with the typed output, and lets go of tw.subscribe', async () => {
    const { tw, listeners } = counted(await start());
    const blocker = await tw.submit(sleep(60_000));
    const handle = await tw.process('One. Two three. Four!', { op: 'chunk', chunkSize: 10 });
    const task = observeTask(tw, handle);
    expect(listeners()).toBe(0);
    const { seen, stop } = record(task);
    expect(listeners()).toBe(1);
    await expect.poll(() => task.getSnapshot().status).toBe(TaskStatus.Pending);
    await tw.cancel(blocker);
    await expect.poll(() => task.getSnapshot().status, { timeout: 20_000 }).toBe(TaskStatus.Completed);
    const last = task.getSnapshot();
    // Typed by the handle: the TextProcessing output, shown with the end, not after it.
    expect(last.output?.chunks?.map((c) => c.text).join(' ')).toContain('Two three.');
    expect(seen.map((v) => v.status)).toEqual([undefined, TaskStatus.Pending, TaskStatus.Running, TaskStatus.Completed]);
    expect(seen.filter((v) => v.status === TaskStatus.Completed)).toHaveLength(1);
    expect(task.getSnapshot()).toBe(last);
    stop();
    expect(listeners()).toBe(0);
  }, 60_000);

  it('an id shows progress while it runs; a cancelled task ends Cancelled with its cancelled error', async () => {
    const { tw, listeners } = counted(await start());
    const id = await tw.submit(streamTask(30, 20));
    const task = observeTask(tw, id);
    const { seen, stop } = record(task);
    await expect.poll(() => task.getSnapshot().status, { timeout: 20_000 }).toBe(TaskStatus.Completed);
    expect(task.getSnapshot().output).toMatchObject({ kind: 'custom', value: { start: 0 } });
    // Progress never goes back; a snapshot that changed something else keeps the same progress object.
    const progress = seen.flatMap((v) => (v.progress === undefined ? [] : [v.progress]));
    const values = [...new Set(progress)].map((p) => p.done);
    expect(values.length).toBeGreaterThan(1);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.at(-1)).toBe(30);
    stop();

    const slow = await tw.submit(sleep(60_000));
    const watched = observeTask(tw, slow);
    const second = record(watched);
    await expect.poll(() => watched.getSnapshot().status).toBe(TaskStatus.Running);
    await tw.cancel(slow);
    await expect.poll(() => watched.getSnapshot().status).toBe(TaskStatus.Cancelled);
    expect(isTaskweaveError(watched.getSnapshot().error, 'cancelled')).toBe(true);
    second.stop();
    expect(listeners()).toBe(0);

    const unknown = observeTask(tw, crypto.randomUUID() as TaskId);
    const third = record(unknown);
    await expect.poll(() => unknown.getSnapshot().error?.code).toBe('not-found');
    third.stop();
  }, 60_000);
});

describe('observeStream', () => {
  it('shows the chunks in order until the end; a subscriber after the end gets them all', async () => {
    const tw = await start();
    const id = await tw.submit(streamTask(40, 5));
    const stream = observeStream<string>(tw, id);
    const { seen, stop } = record(stream);
    await expect.poll(() => stream.getSnapshot().done, { timeout: 20_000 }).toBe(true);
    const chunks = Array.from({ length: 40 }, (_, i) => `c${i}`);
    expect(stream.getSnapshot().chunks).toEqual(chunks);
    // Each change adds chunks, none goes back.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.chunks.length).toBeGreaterThanOrEqual(seen[i - 1]!.chunks.length);
    stop();

    const late = observeStream<string>(tw, id);
    const again = record(late);
    await expect.poll(() => late.getSnapshot().done).toBe(true);
    expect(late.getSnapshot().chunks).toEqual(chunks);
    again.stop();
  }, 60_000);
});

describe('observeQueue', () => {
  it('follows the queue counts through queue events', async () => {
    const { tw, listeners } = counted(await start());
    const queue = observeQueue(tw);
    const { stop } = record(queue);
    const id = await tw.submit(sleep(60_000));
    await expect.poll(() => queue.getSnapshot()?.running).toBe(1);
    await tw.cancel(id);
    await expect.poll(() => queue.getSnapshot()?.byStatus.Cancelled).toBe(1);
    expect(queue.getSnapshot()?.running).toBe(0);
    stop();
    expect(listeners()).toBe(0);
  }, 60_000);
});

describe('observeTasks', () => {
  it('reads a page of tasks again as their statuses change, and lets go of tw.subscribe', async () => {
    const { tw, listeners } = counted(await start());
    const done = await tw.submit(sleep(1));
    await tw.wait(done);
    const running = observeTasks(tw, { status: [TaskStatus.Pending, TaskStatus.Running] }, { throttleMs: 50 });
    const all = observeTasks(tw, { limit: 10 }, { throttleMs: 50 });
    const a = record(running);
    const b = record(all);
    await expect.poll(() => running.getSnapshot().tasks).toEqual([]);
    await expect.poll(() => all.getSnapshot().tasks?.map((t) => [t.id, t.status])).toEqual([[done, TaskStatus.Completed]]);
    const slow = await tw.submit(sleep(60_000));
    await expect.poll(() => running.getSnapshot().tasks?.map((t) => [t.id, t.status])).toEqual([[slow, TaskStatus.Running]]);
    await tw.cancel(slow);
    await expect.poll(() => running.getSnapshot().tasks).toEqual([]);
    // The list's order: the last one ended first.
    await expect.poll(() => all.getSnapshot().tasks?.map((t) => [t.id, t.status])).toEqual([
      [slow, TaskStatus.Cancelled],
      [done, TaskStatus.Completed],
    ]);
    a.stop();
    b.stop();
    expect(listeners()).toBe(0);

    const bad = observeTasks(tw, { limit: 0 });
    const c = record(bad);
    await expect.poll(() => bad.getSnapshot().error?.code).toBe('validation');
    expect(bad.getSnapshot().error?.message).toContain('limit');
    c.stop();
  }, 60_000);
});

describe('searchAsYouType', () => {
  it('a new query cancels the previous search (it ends Cancelled) and the last hits stay while the next runs', async () => {
    const tw = await start();
    await (await tw.store('notes', [{ id: 'milk', text: 'buy milk and eggs' }, { id: 'report', text: 'the quarterly report is due' }], { model: 'use-lite' })).result;
    // The only worker is busy: the first search waits in the queue until the second replaces it.
    const blocker = await tw.submit(sleep(60_000));
    const search = searchAsYouType(tw, 'notes', { model: 'use-lite', topK: 1, debounceMs: 20 });
    const { seen, stop } = record(search);
    search.setQuery('something to read');
    await expect.poll(() => search.getSnapshot().taskId).toBeDefined();
    const first = search.getSnapshot().taskId as TaskId;
    search.setQuery('groceries to get');
    await expect.poll(() => search.getSnapshot().taskId).not.toBe(first);
    await expect.poll(async () => (await tw.get(first))?.status).toBe(TaskStatus.Cancelled);
    await tw.cancel(blocker);
    await expect.poll(() => search.getSnapshot().hitsFor, { timeout: 30_000 }).toBe('groceries to get');
    expect(search.getSnapshot().hits?.map((h) => h.id)).toEqual(['milk']);
    expect(search.getSnapshot()).toMatchObject({ searching: false, error: undefined });
    // A search that was replaced never showed hits.
    expect(seen.some((v) => v.hitsFor === 'something to read')).toBe(false);

    search.setQuery('the report');
    expect(search.getSnapshot()).toMatchObject({ query: 'the report', searching: true, hitsFor: 'groceries to get' });
    expect(search.getSnapshot().hits?.map((h) => h.id)).toEqual(['milk']);
    await expect.poll(() => search.getSnapshot().hitsFor, { timeout: 30_000 }).toBe('the report');
    expect(search.getSnapshot().hits?.map((h) => h.id)).toEqual(['report']);
    stop();
  }, 90_000);

  it('the last subscriber leaving cancels the search under way', async () => {
    const tw = await start();
    const blocker = await tw.submit(sleep(60_000));
    const search = searchAsYouType(tw, 'notes', { model: 'use-lite', debounceMs: 0 });
    const { stop } = record(search);
    search.setQuery('anything');
    await expect.poll(() => search.getSnapshot().taskId).toBeDefined();
    const id = search.getSnapshot().taskId as TaskId;
    stop();
    await expect.poll(async () => (await tw.get(id))?.status).toBe(TaskStatus.Cancelled);
    await tw.cancel(blocker);
  }, 60_000);
});

describe('observeModels', () => {
  it('lists the declared models, shows a prefetch’s progress and reads the list again after it', async () => {
    const tw = await start({ models: [{ id: 'use-lite', dtype: 'q8' }] });
    await tw.models.clear('use-lite');
    const models = observeModels(tw);
    const { seen, stop } = record(models);
    await expect.poll(() => models.getSnapshot().models?.map((m) => [m.id, m.cached])).toEqual([['use-lite', false]]);
    await models.prefetch('use-lite');
    expect(models.getSnapshot().models?.map((m) => [m.id, m.cached])).toEqual([['use-lite', true]]);
    expect(models.getSnapshot().prefetching).toEqual({});
    const progress = seen.flatMap((v) => Object.values(v.prefetching));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)?.overallLoaded).toBeGreaterThan(0);
    stop();
  }, 60_000);
});
