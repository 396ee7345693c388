/**
 * The task hooks in real Chromium with real workers: one render per change of a task (its statuses,
 * its end together with its typed output), streamed tokens from a real generative model, typed
 * embeddings, a cancel, the queue's counts and the model cache; and unmounting leaves no
 * `subscribe` listener behind.
 */
import { isTaskweaveError, TaskStatus, type TaskId } from '@taskweave/core';
import type { TaskHandle, TaskView } from '@taskweave/web-worker';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { TaskweaveProvider, useEmbed, useGenerate, useModels, useQueue, useSearch, useStream, useSubmit, useTask, useTasks } from './index.js';
import { options, shared, sleep } from './__tests__/fixtures/taskweave.js';

type Output = Awaited<TaskHandle<{ kind: 'text'; text: string; chunks?: { text: string }[] }>['result']>;

describe('useTask', () => {
  it('renders once per change: each status once, the end together with the typed output', async () => {
    const opts = options();
    const { tw } = await shared(opts);
    const blocker = await tw.submit(sleep(60_000));
    const handle = await tw.process('One. Two three. Four!', { op: 'chunk', chunkSize: 10 });
    const renders: TaskView<Output>[] = [];
    function Watch(): ReactNode {
      const view = useTask(handle);
      renders.push(view);
      return <output>{view.status}</output>;
    }
    render(
      <TaskweaveProvider options={opts}>
        <Watch />
      </TaskweaveProvider>,
    );
    await expect.poll(() => renders.at(-1)?.status).toBe(TaskStatus.Pending);
    await tw.cancel(blocker);
    await expect.poll(() => renders.at(-1)?.status, { timeout: 20_000 }).toBe(TaskStatus.Completed);
    // No render without a change: each one shows a snapshot the one before it did not.
    for (let i = 1; i < renders.length; i++) expect(renders[i]).not.toBe(renders[i - 1]);
    // Idle, then (the provider started) the task not read yet, then its statuses, each once.
    expect(renders.map((r) => r.status)).toEqual([undefined, undefined, TaskStatus.Pending, TaskStatus.Running, TaskStatus.Completed]);
    expect(renders.at(-1)?.output?.chunks?.map((c) => c.text).join(' ')).toContain('Two three.');
  }, 30_000);

  it('unmounting leaves no subscription behind, and the search it ran is cancelled', async () => {
    const opts = options();
    const { tw, listeners } = await shared(opts);
    const blocker = await tw.submit(sleep(60_000));
    const running = await tw.submit(sleep(60_000));
    let searchTask: TaskId | undefined;
    function Everything(): ReactNode {
      const task = useTask(running);
      useStream(running);
      useQueue();
      useModels();
      useTasks({ limit: 5 });
      searchTask = useSearch('notes', 'anything at all', { model: 'use-lite', debounceMs: 0 }).taskId;
      return <output>{task.status}</output>;
    }
    const view = render(
      <TaskweaveProvider options={opts}>
        <Everything />
      </TaskweaveProvider>,
    );
    await expect.poll(() => searchTask).toBeDefined();
    // useTask's, useQueue's and useTasks' (a stream, the model list and a search hold none while they run).
    expect(listeners()).toBe(3);
    view.unmount();
    expect(listeners()).toBe(0);
    await expect.poll(async () => (await tw.get(searchTask as TaskId))?.status).toBe(TaskStatus.Cancelled);
    // The tasks it only watched go on.
    expect((await tw.get(running))?.status).toBe(TaskStatus.Pending);
    await Promise.all([tw.cancel(blocker), tw.cancel(running)]);
    expect(listeners()).toBe(0);
  }, 30_000);
});

describe('useSubmit, useEmbed, useGenerate', () => {
  it('useEmbed shows a typed embedding; useSubmit cancels what it submitted', async () => {
    const opts = options();
    let embedded: ReturnType<typeof useEmbed> | undefined;
    let submitted: ReturnType<typeof useSubmit> | undefined;
    function Both(): ReactNode {
      embedded = useEmbed();
      submitted = useSubmit();
      return null;
    }
    render(
      <TaskweaveProvider options={opts}>
        <Both />
      </TaskweaveProvider>,
    );
    await expect.poll(() => embedded?.embed('a cat sits on the mat', { model: 'use-lite' }).then(() => true, () => false)).toBe(true);
    await expect.poll(() => embedded?.status, { timeout: 20_000 }).toBe(TaskStatus.Completed);
    expect(embedded?.output?.vector).toBeInstanceOf(Float32Array);
    expect(embedded?.output?.dims).toBe(512);

    const id = await submitted?.submit(sleep(60_000));
    await expect.poll(() => submitted?.status).toBe(TaskStatus.Running);
    expect(submitted?.id).toBe(id);
    expect(await submitted?.cancel()).toBe(true);
    await expect.poll(() => submitted?.status).toBe(TaskStatus.Cancelled);
    expect(isTaskweaveError(submitted?.error, 'cancelled')).toBe(true);
  }, 30_000);

  it('useGenerate streams the tokens of a real generative model; the text adds up to the output', async () => {
    const opts = options();
    const texts: string[] = [];
    let generated: ReturnType<typeof useGenerate> | undefined;
    function Generate(): ReactNode {
      generated = useGenerate();
      if (texts.at(-1) !== generated.text) texts.push(generated.text);
      return <p>{generated.text}</p>;
    }
    render(
      <TaskweaveProvider options={opts}>
        <Generate />
      </TaskweaveProvider>,
    );
    await expect.poll(() => generated?.generate('Tonight, I ask', { model: 'sotu-gen', maxNewTokens: 12 }).then(() => true, () => false)).toBe(true);
    await expect.poll(() => generated?.status, { timeout: 30_000 }).toBe(TaskStatus.Completed);
    expect(generated?.output?.text).toBeTruthy();
    expect(generated?.text).toBe(generated?.output?.text);
    // It grew while it ran: more than the empty and the final text were shown.
    expect(texts.length).toBeGreaterThan(2);
    for (let i = 1; i < texts.length; i++) expect(texts[i]?.startsWith(texts[i - 1] as string)).toBe(true);
  }, 60_000);
});

describe('useTasks', () => {
  it('shows a page of tasks, in tw.list order, as their statuses change', async () => {
    const opts = options();
    const { tw } = await shared(opts);
    const first = await tw.submit(sleep(60_000));
    function List(): ReactNode {
      const { tasks } = useTasks({ limit: 5, throttleMs: 50 });
      return <ul>{tasks?.map((t) => <li key={t.id}>{`${t.id === first ? 'first' : 'second'}:${t.status}`}</li>)}</ul>;
    }
    const view = render(
      <TaskweaveProvider options={opts}>
        <List />
      </TaskweaveProvider>,
    );
    const rows = () => [...view.container.querySelectorAll('li')].map((li) => li.textContent);
    await expect.poll(rows, { timeout: 10_000 }).toEqual(['first:Running']);
    const second = await tw.submit(sleep(60_000));
    // Unfinished tasks, newest submitted first.
    await expect.poll(rows).toEqual(['second:Pending', 'first:Running']);
    await tw.cancel(first);
    await expect.poll(rows).toEqual(['second:Running', 'first:Cancelled']);
    await tw.cancel(second);
    // Finished tasks, most recently ended first.
    await expect.poll(rows).toEqual(['second:Cancelled', 'first:Cancelled']);
  }, 30_000);
});

describe('useQueue, useModels', () => {
  it('useQueue follows the counts; useModels lists the declared models and prefetches one', async () => {
    const opts = options({ models: [{ id: 'use-lite', dtype: 'q8' }] });
    const { tw } = await shared(opts);
    let queue: ReturnType<typeof useQueue>;
    let models: ReturnType<typeof useModels> | undefined;
    function Panel(): ReactNode {
      queue = useQueue();
      models = useModels();
      return null;
    }
    render(
      <TaskweaveProvider options={opts}>
        <Panel />
      </TaskweaveProvider>,
    );
    const id = await tw.submit(sleep(60_000));
    await expect.poll(() => queue?.running, { timeout: 10_000 }).toBe(1);
    await tw.cancel(id);
    await expect.poll(() => queue?.byStatus.Cancelled).toBe(1);
    expect(queue?.running).toBe(0);

    await expect.poll(() => models?.models?.map((m) => m.id)).toEqual(['use-lite']);
    const status = await models?.prefetch('use-lite');
    expect(status?.cached).toBe(true);
    await expect.poll(() => models?.models?.[0]?.cached).toBe(true);
    expect(models?.prefetching).toEqual({});
  }, 30_000);
});
