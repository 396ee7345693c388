/**
 * `useSearch` in real Chromium with real workers and use-lite: a new query cancels the search of the
 * previous one (that task ends `Cancelled`), the last hits stay on screen while the next search
 * runs, and queries typed within the debounce submit nothing.
 */
import { TaskStatus, type TaskId } from '@taskweave/core';
import type { SearchView } from '@taskweave/web-worker';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { TaskweaveProvider, useSearch } from './index.js';
import { options, shared, sleep } from './__tests__/fixtures/taskweave.js';

describe('useSearch', () => {
  it('a new query cancels the previous search, which ends Cancelled; the last hits stay while the next runs', async () => {
    const opts = options();
    const { tw } = await shared(opts);
    await (await tw.store('notes', [{ id: 'milk', text: 'buy milk and eggs' }, { id: 'report', text: 'the quarterly report is due' }], { model: 'use-lite' })).result;
    // The only worker is busy: the first search waits in the queue until the next query replaces it.
    const blocker = await tw.submit(sleep(60_000));
    const renders: SearchView[] = [];
    function Search({ query }: { query: string }): ReactNode {
      const view = useSearch('notes', query, { model: 'use-lite', topK: 1, debounceMs: 20 });
      renders.push(view);
      return <ul>{view.hits?.map((hit) => <li key={hit.id}>{hit.text}</li>)}</ul>;
    }
    const app = (query: string) => (
      <TaskweaveProvider options={opts}>
        <Search query={query} />
      </TaskweaveProvider>
    );
    const view = render(app('something to read'));
    await expect.poll(() => renders.at(-1)?.taskId).toBeDefined();
    const first = renders.at(-1)?.taskId as TaskId;
    view.rerender(app('groceries to get'));
    await expect.poll(() => renders.at(-1)?.taskId).not.toBe(first);
    await expect.poll(async () => (await tw.get(first))?.status).toBe(TaskStatus.Cancelled);
    await tw.cancel(blocker);
    await expect.poll(() => renders.at(-1)?.hitsFor, { timeout: 30_000 }).toBe('groceries to get');
    expect(renders.at(-1)?.hits?.map((h) => h.id)).toEqual(['milk']);
    expect(view.container.textContent).toBe('buy milk and eggs');
    // The replaced search's hits were never shown.
    expect(renders.some((r) => r.hitsFor === 'something to read')).toBe(false);

    const shown = renders.length;
    view.rerender(app('the report'));
    await expect.poll(() => renders.at(-1)?.hitsFor, { timeout: 30_000 }).toBe('the report');
    expect(view.container.textContent).toBe('the quarterly report is due');
    // Meanwhile it searched with the last hits on screen.
    const meanwhile = renders.slice(shown, -1);
    expect(meanwhile.some((r) => r.searching)).toBe(true);
    for (const r of meanwhile) expect(r.hits?.map((h) => h.id)).toEqual(['milk']);
  }, 60_000);

  it('queries typed within the debounce submit nothing', async () => {
    const opts = options();
    const { tw } = await shared(opts);
    const submitted: string[] = [];
    tw.subscribe((event) => event.type === 'status' && event.status === TaskStatus.Pending && submitted.push(event.taskId));
    let last: SearchView | undefined;
    function Search({ query }: { query: string }): ReactNode {
      last = useSearch('notes', query, { model: 'use-lite', debounceMs: 60_000 });
      return null;
    }
    const app = (query: string) => (
      <TaskweaveProvider options={opts}>
        <Search query={query} />
      </TaskweaveProvider>
    );
    const view = render(app('g'));
    await expect.poll(() => last?.searching).toBe(true);
    view.rerender(app('gr'));
    view.rerender(app('gro'));
    await expect.poll(() => last?.query).toBe('gro');
    expect(last).toMatchObject({ searching: true, taskId: undefined, hits: undefined });
    // A task submitted now would be announced before this one is.
    const probe = await tw.submit(sleep(1));
    await tw.wait(probe);
    expect(submitted).toEqual([probe]);
    view.unmount();
  }, 30_000);
});
