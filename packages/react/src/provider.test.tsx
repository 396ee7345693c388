/**
 * The provider in real Chromium with real workers: StrictMode's double mount starts one taskweave
 * and one pool, providers of one name share it, the last one to unmount closes it, and the hooks
 * refuse to run outside a provider.
 */
import { isTaskweaveError, TaskStatus, type TaskId } from '@taskweave/core';
import type { Taskweave } from '@taskweave/web-worker';
import { render, renderHook } from '@testing-library/react';
import { Component, StrictMode, type ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { TaskweaveProvider, useTaskweave } from './index.js';
import { options, sleep, workers } from './__tests__/fixtures/taskweave.js';

/** Every taskweave `useTaskweave()` returned while rendering. */
function probe(seen: (Taskweave | undefined)[]) {
  return function Probe() {
    seen.push(useTaskweave());
    return null;
  };
}

/** Whether `tw` is still open (a closed one refuses every call with `closed`). */
const isOpen = (tw: Taskweave) => tw.get(crypto.randomUUID() as TaskId).then(() => true, (e: unknown) => (isTaskweaveError(e, 'closed') ? false : Promise.reject(e)));

describe('TaskweaveProvider', () => {
  it('under StrictMode starts one taskweave with one pool, and closes it when the provider unmounts', async () => {
    const opts = options();
    const seen: (Taskweave | undefined)[] = [];
    const Probe = probe(seen);
    const before = workers.created;
    const view = render(
      <StrictMode>
        <TaskweaveProvider options={opts}>
          <Probe />
        </TaskweaveProvider>
      </StrictMode>,
    );
    await expect.poll(() => seen.at(-1)).toBeDefined();
    const tw = seen.at(-1) as Taskweave;
    expect(new Set(seen.filter((t) => t !== undefined))).toEqual(new Set([tw]));
    expect(tw.role).toBe('leader');
    // The pool ran a task: it has started its workers, one (size: 1), not one per mount.
    const id = await tw.submit(sleep(1));
    expect((await tw.wait(id)).status).toBe(TaskStatus.Completed);
    expect(workers.created - before).toBe(1);
    expect(tw.pool?.snapshot().workers).toHaveLength(1);
    expect(await isOpen(tw)).toBe(true);

    view.unmount();
    await expect.poll(() => isOpen(tw)).toBe(false);
  }, 30_000);

  it('providers of one name share one taskweave until the last of them unmounts', async () => {
    const opts = options();
    const first: (Taskweave | undefined)[] = [];
    const second: (Taskweave | undefined)[] = [];
    const [A, B] = [probe(first), probe(second)];
    const a = render(
      <TaskweaveProvider options={opts}>
        <A />
      </TaskweaveProvider>,
    );
    const b = render(
      <TaskweaveProvider options={{ ...opts, pool: { size: 3 } }}>
        <B />
      </TaskweaveProvider>,
    );
    await expect.poll(() => first.at(-1) !== undefined && second.at(-1) !== undefined).toBe(true);
    const tw = first.at(-1) as Taskweave;
    expect(second.at(-1)).toBe(tw);
    a.unmount();
    // Still used by the second provider: not closed by the first one leaving.
    expect(await isOpen(tw)).toBe(true);
    b.unmount();
    await expect.poll(() => isOpen(tw)).toBe(false);

    // A provider mounted after the close starts a new one.
    const third: (Taskweave | undefined)[] = [];
    const C = probe(third);
    render(
      <TaskweaveProvider options={opts}>
        <C />
      </TaskweaveProvider>,
    );
    await expect.poll(() => third.at(-1)).toBeDefined();
    expect(third.at(-1)).not.toBe(tw);
    expect(await isOpen(third.at(-1) as Taskweave)).toBe(true);
  }, 30_000);

  it('a taskweave that fails to start reaches the error boundary with its typed error', async () => {
    const caught: unknown[] = [];
    class Boundary extends Component<{ children: ReactNode }, { failed: boolean }> {
      override state = { failed: false };
      static getDerivedStateFromError() {
        return { failed: true };
      }
      override componentDidCatch(error: unknown) {
        caught.push(error);
      }
      override render() {
        return this.state.failed ? 'failed' : this.props.children;
      }
    }
    const Probe = probe([]);
    const view = render(
      <Boundary>
        <TaskweaveProvider options={options({ models: [{ id: '' }] })}>
          <Probe />
        </TaskweaveProvider>
      </Boundary>,
    );
    await expect.poll(() => view.container.textContent).toBe('failed');
    expect(isTaskweaveError(caught[0], 'validation')).toBe(true);
    expect((caught[0] as Error).message).toContain('models.0.id');
  });

  it('useTaskweave() outside a provider throws a clear not-configured error', () => {
    const error = (() => {
      try {
        renderHook(() => useTaskweave());
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isTaskweaveError(error, 'not-configured')).toBe(true);
    expect((error as Error).message).toContain('<TaskweaveProvider>');
  });
});
