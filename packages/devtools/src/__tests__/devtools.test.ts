/**
 * The devtools panel in real Chromium against a running taskweave (IndexedDB store, a pool of two
 * real workers) holding 1,000 tasks: the panel's code loads only on open; it lists and pages the
 * tasks, filters them by status, type and model, shows a task's details, cancels a pending and a
 * running task (both end Cancelled), shows the workers and tabs, clears a model from the cache and
 * prunes; closed, it holds no subscription and reads nothing. It also takes the README's screenshot.
 */
import { TaskStatus, type SubmitTaskOptions, type TaskId } from '@taskweave/core';
import { createTaskweave, type Taskweave } from '@taskweave/web-worker';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { mountDevtools, type DevtoolsHandle } from '../index.js';
import { mountDevtools as mountInProduction } from '../noop.js';
import { counted } from './fixtures/counted.js';

/** Where the screenshot test writes (vitest.config.ts `define`). */
declare const __SCREENSHOT_DIR__: string;

// Every script the page fetches, by URL (an observer: the resource timing buffer may be full).
const fetched: string[] = [];
new PerformanceObserver((list) => fetched.push(...list.getEntries().map((e) => e.name))).observe({ type: 'resource', buffered: true });
const panelChunkLoaded = (): boolean => fetched.some((url) => new URL(url).pathname.includes('/src/panel/'));

const createWorker = () => new Worker(new URL('./fixtures/devtools.worker.ts', import.meta.url), { type: 'module' });
const name = `devtools-${Date.now()}`;
const MODEL = 'tiny-random-bert';
let tw: Taskweave;
let dependent: TaskId;
const mounted: DevtoolsHandle[] = [];

function mount(options: Parameters<typeof mountDevtools>[1] = {}, target: Parameters<typeof mountDevtools>[0] = tw): DevtoolsHandle {
  const devtools = mountDevtools(target, options);
  mounted.push(devtools);
  return devtools;
}

/** The devtools' shadow root (one mounted at a time). */
function shadow(): ShadowRoot {
  const root = document.querySelector('taskweave-devtools')?.shadowRoot;
  if (!root) throw new Error('devtools not mounted');
  return root;
}
const $ = <E extends Element = HTMLElement>(selector: string): E | null => shadow().querySelector<E>(selector);
const $$ = <E extends Element = HTMLElement>(selector: string): E[] => [...shadow().querySelectorAll<E>(selector)];
const rows = () => $$<HTMLTableRowElement>('table.tasks tbody tr');
const shownCount = () => Number($('[data-count]')?.dataset['count'] ?? -1);

beforeAll(async () => {
  tw = await createTaskweave({ name, pool: { size: 2, createWorker }, models: [{ id: MODEL, dtype: 'fp32' }] });
  await tw.models.prefetch(MODEL);
  const model = (i: number) => (i % 2 === 0 ? 'model-a' : 'model-b');
  // 99 echo tasks that complete, one more that depends on two of them, 2 that fail, then 898 that
  // hold until cancelled (two run, the rest wait): 1,000 in all.
  const echo = await tw.submitMany(Array.from({ length: 99 }, (_, i): SubmitTaskOptions => ({ type: 'custom:echo', modelId: model(i), input: { kind: 'custom', value: { i } } })));
  await Promise.all(echo.map((id) => tw.wait(id)));
  dependent = await tw.submit({ type: 'custom:echo', modelId: 'model-a', dependencies: [echo[0]!, echo[1]!], input: { kind: 'custom', value: { joined: true } }, metadata: { source: 'devtools test' } });
  await tw.wait(dependent);
  const failed = await tw.submitMany([0, 1].map((i): SubmitTaskOptions => ({ type: 'custom:fail', modelId: model(i), maxRetries: 0, input: { kind: 'custom', value: i } })));
  await Promise.all(failed.map((id) => tw.wait(id)));
  const running = new Set<string>();
  const twoRunning = new Promise<void>((resolve) => {
    const off = tw.subscribe((e) => {
      if (e.type !== 'status' || e.status !== TaskStatus.Running || !held.has(e.taskId)) return;
      running.add(e.taskId);
      if (running.size === 2) {
        off();
        resolve();
      }
    });
  });
  const held = new Set<string>(await tw.submitMany(Array.from({ length: 898 }, (_, i): SubmitTaskOptions => ({ type: 'custom:hold', modelId: model(i), input: { kind: 'custom', value: { i } } }))));
  await twoRunning;
}, 120_000);

afterEach(() => {
  for (const devtools of mounted.splice(0)) devtools.unmount();
});

afterAll(async () => {
  await tw?.close();
  indexedDB.deleteDatabase(`taskweave:${name}`);
});

describe('devtools panel', () => {
  it('loads the panel code only when first opened', async () => {
    const devtools = mount();
    expect(document.querySelector('taskweave-devtools')).not.toBeNull();
    expect($('button.launcher')).not.toBeNull();
    expect(panelChunkLoaded()).toBe(false);
    await devtools.open();
    await expect.poll(panelChunkLoaded).toBe(true);
    expect($('.panel')).not.toBeNull();
  });

  it('lists the 1,000 tasks page by page in tw.list order', async () => {
    await mount({ pageSize: 250 }).open();
    await expect.poll(shownCount).toBe(250);
    const first = await tw.list({ limit: 250 });
    expect(rows().map((r) => r.dataset['taskId'])).toEqual(first.tasks.map((t) => t.id));
    for (const expected of [500, 750, 1000]) {
      await userEvent.click($('[data-action="load-more"]')!);
      await expect.poll(shownCount).toBe(expected);
    }
    expect($('[data-action="load-more"]')!.hidden).toBe(true);
    expect($('[data-count]')!.textContent).toContain('end of list');
    expect(new Set(rows().map((r) => r.dataset['taskId'])).size).toBe(1000);
    // The status filter shows the leader's counts.
    await expect.poll(() => $('option[data-status="Pending"]')?.textContent).toBe('Pending (896)');
    expect($('[data-field="summary"]')!.textContent).toBe('896 pending · 2 running · 100 completed · 2 failed');
  });

  it('filters by status, type and model', async () => {
    await mount().open();
    await expect.poll(shownCount).toBe(50);
    const status = $<HTMLSelectElement>('[data-filter="status"]')!;
    const statuses = () => rows().map((r) => r.dataset['status']);
    await userEvent.selectOptions(status, 'Completed');
    await expect.poll(statuses).toEqual(Array(50).fill('Completed'));
    await userEvent.selectOptions(status, 'Failed');
    await expect.poll(shownCount).toBe(2);
    expect(rows().map((r) => r.cells[1]!.textContent)).toEqual(['custom:fail', 'custom:fail']);

    await userEvent.selectOptions(status, '');
    await userEvent.fill($<HTMLInputElement>('[data-filter="type"]')!, 'custom:echo');
    await userEvent.fill($<HTMLInputElement>('[data-filter="model"]')!, 'model-a');
    const expected = await tw.list({ type: 'custom:echo', model: 'model-a' });
    expect(expected.tasks.length).toBe(50);
    await expect.poll(() => rows().map((r) => r.dataset['taskId'])).toEqual(expected.tasks.map((t) => t.id));
    expect(rows().every((r) => r.cells[1]!.textContent === 'custom:echo' && r.cells[2]!.textContent === 'model-a')).toBe(true);
    await userEvent.selectOptions(status, 'Pending');
    await expect.poll(shownCount).toBe(0);
  });

  it("shows a task's input, output, attempts and dependencies", async () => {
    await mount().open();
    await userEvent.selectOptions($<HTMLSelectElement>('[data-filter="status"]')!, 'Completed');
    await expect.poll(() => rows()[0]?.dataset['taskId']).toBe(dependent);
    await userEvent.click(rows()[0]!);
    await expect.poll(() => $('.detail dl')?.textContent ?? '').toContain('dependencies');
    const detail = $('.detail')!.textContent!;
    expect(detail).toContain(dependent);
    expect(detail).toContain('custom {"joined":true}');
    expect(detail).toContain('custom {"echoed":{"joined":true}}');
    expect(detail).toContain('1 (retries 0 of');
    expect(detail).toContain('{"source":"devtools test"}');
    expect($$('.detail .deps button')).toHaveLength(2);
    expect($('[data-action="cancel-selected"]')).toBeNull();
  });

  it('cancels a pending task from its row and a running one from its details: both end Cancelled', async () => {
    await mount().open();
    await expect.poll(() => rows().filter((r) => r.dataset['status'] === 'Pending').length).toBe(50);
    const pendingRow = rows()[3]!;
    const pending = pendingRow.dataset['taskId'] as TaskId;
    await userEvent.click(pendingRow);
    await userEvent.click(pendingRow.querySelector('[data-action="cancel"]')!);
    expect((await tw.wait(pending)).status).toBe(TaskStatus.Cancelled);
    await expect.poll(() => $('.detail .status')?.textContent).toBe('Cancelled');
    await expect.poll(() => $('.notice')?.textContent).toBe(`Cancelled ${pending.slice(0, 8)}`);

    await userEvent.selectOptions($<HTMLSelectElement>('[data-filter="status"]')!, 'Running');
    await expect.poll(shownCount).toBe(2);
    const running = rows()[0]!.dataset['taskId'] as TaskId;
    await userEvent.click(rows()[0]!);
    await expect.poll(() => $('[data-action="cancel-selected"]')).not.toBeNull();
    await userEvent.click($('[data-action="cancel-selected"]')!);
    expect((await tw.wait(running)).status).toBe(TaskStatus.Cancelled);
    await expect.poll(() => $('.detail .status')?.textContent).toBe('Cancelled');
    // The next task took its slot: still two running, and the cancelled one left the filtered list.
    await expect.poll(() => rows().some((r) => r.dataset['taskId'] === running)).toBe(false);
  });

  it('shows the queue, the workers and this tab as the leader', async () => {
    await mount().open();
    await userEvent.click($('[data-tab="system"]')!);
    await expect.poll(() => $$('[data-worker]').map((w) => w.dataset['state'])).toEqual(['busy', 'busy']);
    const snapshot = await tw.snapshot();
    expect($('[data-field="role"]')!.textContent).toBe('leader');
    expect($('[data-field="tab-id"]')!.textContent).toBe(snapshot.tab.id);
    expect($('[data-field="leader"]')!.textContent).toBe(`${snapshot.leaderTabId} (this tab)`);
    expect($('[data-field="header-leader"]')!.textContent).toBe('leader: this tab');
    expect($('[data-counter="Completed"] .value')!.textContent).toBe(String(snapshot.queue!.byStatus.Completed));
    expect($('[data-field="pool"]')!.textContent).toContain('pool size 2');
  });

  // The README's pictures: TASKWEAVE_UPDATE_DOCS=1 writes them into docs/ (see vitest.config.ts).
  it('takes the screenshot of the open panel (docs/devtools.png)', async () => {
    await mount().open();
    const status = $<HTMLSelectElement>('[data-filter="status"]')!;
    // Select the task with dependencies (the details pane shows its metrics), then list every task.
    await userEvent.selectOptions(status, 'Completed');
    await expect.poll(() => rows()[0]?.dataset['taskId']).toBe(dependent);
    await userEvent.click(rows()[0]!);
    await expect.poll(() => $('.detail')?.textContent?.includes(dependent)).toBe(true);
    await userEvent.selectOptions(status, '');
    await expect.poll(() => rows().filter((r) => r.dataset['status'] === 'Pending').length).toBe(50);
    await expect.poll(() => $('option[data-status="Pending"]')?.textContent).toMatch(/^Pending \(\d+\)$/);
    await page.screenshot({ path: `${__SCREENSHOT_DIR__}/devtools.png`, element: $('.panel')! });
    await userEvent.click($('[data-tab="system"]')!);
    await expect.poll(() => $$('[data-worker]').length).toBe(2);
    await page.screenshot({ path: `${__SCREENSHOT_DIR__}/devtools-workers.png`, element: $('.panel')! });
  });

  it('shows the model cache and clears a model', async () => {
    await mount().open();
    await userEvent.click($('[data-tab="models"]')!);
    await expect.poll(() => $(`tr[data-model="${MODEL}"]`)?.dataset['cached']).toBe('true');
    expect($(`tr[data-model="${MODEL}"] [data-field="bytes"]`)!.textContent).not.toBe('0 B');
    expect($('[data-field="quota"]')!.textContent).toMatch(/ (KB|MB|GB|TB) /);
    await userEvent.click($('[data-action="clear-model"]')!);
    await expect.poll(() => $(`tr[data-model="${MODEL}"]`)?.dataset['cached']).toBe('false');
    const [status] = await tw.models.list();
    expect(status).toMatchObject({ id: MODEL, cached: false, bytes: 0 });
  });

  it('prunes finished tasks', async () => {
    const finished = (await tw.list({ status: ['Completed', 'Failed', 'Cancelled'], limit: 1000 })).tasks.length;
    expect(finished).toBeGreaterThanOrEqual(102);
    await mount().open();
    await userEvent.selectOptions($<HTMLSelectElement>('[data-field="prune-rule"]')!, 'all');
    await userEvent.click($('[data-action="prune"]')!);
    await expect.poll(() => $('.notice')?.textContent).toMatch(/^Pruned \d+ finished tasks$/);
    expect(Number(/\d+/.exec($('.notice')!.textContent!)![0])).toBeGreaterThanOrEqual(finished);
    expect((await tw.list({ status: ['Completed', 'Failed'] })).tasks).toEqual([]);
  });

  it('open on a full page, it reads nothing while tasks it does not show run and end', async () => {
    const { target, reads } = counted(tw);
    await mount({ refreshMs: 100 }, target).open();
    await expect.poll(shownCount).toBe(50);
    const shown = new Set(rows().map((r) => r.dataset['taskId']));
    // The 200 oldest held tasks (far below the page) are released: they run and complete.
    let page = await tw.list({ status: [TaskStatus.Pending, TaskStatus.Running], limit: 1000 });
    const oldest = page.tasks.slice(-200).map((t) => t.id);
    expect(oldest.some((id) => shown.has(id))).toBe(false);
    let completed = 0;
    const done = new Promise<void>((resolve) => {
      const off = tw.subscribe((e) => {
        if (e.type === 'status' && e.status === TaskStatus.Completed && oldest.includes(e.taskId) && ++completed === oldest.length) {
          off();
          resolve();
        }
      });
    });
    const listedBefore = reads('list');
    const release = new BroadcastChannel('devtools-release');
    release.postMessage({ ids: oldest });
    release.close();
    await done;
    // Then a task it shows ends: that makes one read, after which the task left the page (the
    // finished come after every unfinished one) and the next unfinished task joined it.
    const top = rows()[0]!;
    expect(await tw.cancel(top.dataset['taskId'] as TaskId)).toBe(true);
    await expect.poll(() => top.isConnected).toBe(false);
    expect(reads('list') - listedBefore).toBe(1);
    expect(shownCount()).toBe(50);
    page = await tw.list({ status: TaskStatus.Completed, limit: 1000 });
    expect(page.tasks.length).toBeGreaterThanOrEqual(200);
  });

  it('closed, it holds no subscription and reads nothing; it opens again', async () => {
    const { target, live, reads } = counted(tw);
    const devtools = mount({}, target);
    expect(live()).toBe(0);
    await devtools.open();
    expect(live()).toBe(2);
    await expect.poll(reads).toBeGreaterThan(0);
    // An event while open makes it read again.
    const before = reads();
    const [first] = (await tw.list({ status: TaskStatus.Pending, limit: 1 })).tasks;
    expect(await tw.cancel(first!.id)).toBe(true);
    await expect.poll(reads).toBeGreaterThan(before);

    await userEvent.click($('[data-action="close"]')!);
    expect(devtools.isOpen).toBe(false);
    expect(live()).toBe(0);
    expect($('.panel')).toBeNull();
    const closedAt = reads();
    // Every held task runs and ends while it is closed: the statuses reach this tab (a subscriber
    // of our own sees them) and the panel reads nothing.
    let completed = 0;
    const off = tw.subscribe((e) => void (e.type === 'status' && e.status === TaskStatus.Completed && completed++));
    const unfinished = (await tw.list({ status: [TaskStatus.Pending, TaskStatus.Running], limit: 1000 })).tasks.length;
    expect(unfinished).toBeGreaterThan(600);
    const release = new BroadcastChannel('devtools-release');
    release.postMessage({});
    release.close();
    await expect.poll(() => completed, { timeout: 30_000 }).toBe(unfinished);
    off();
    expect(reads()).toBe(closedAt);
    expect(live()).toBe(0);

    await userEvent.click($('button.launcher')!);
    await expect.poll(live).toBe(2);
    await expect.poll(reads).toBeGreaterThan(closedAt);
    devtools.unmount();
    expect(live()).toBe(0);
    expect(document.querySelector('taskweave-devtools')).toBeNull();
  });

  it('refuses bad options with a ValidationError naming the field', () => {
    expect(() => mountDevtools(tw, { pageSize: 0 })).toThrow(expect.objectContaining({ name: 'ValidationError', field: 'pageSize' }));
    expect(() => mountDevtools(tw, { position: 'middle' as 'top-left' })).toThrow(expect.objectContaining({ field: 'position' }));
    expect(() => mountDevtools({} as Taskweave)).toThrow(expect.objectContaining({ field: 'tw' }));
    expect(document.querySelector('taskweave-devtools')).toBeNull();
  });

  it('in a production build (the no-op entry) mounts nothing and subscribes to nothing', async () => {
    const { target, live, reads } = counted(tw);
    const devtools = mountInProduction(target, { open: true });
    await devtools.open();
    expect(devtools.isOpen).toBe(false);
    expect(document.querySelector('taskweave-devtools')).toBeNull();
    expect([live(), reads()]).toEqual([0, 0]);
  });
});
