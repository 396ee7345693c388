/**
 * A task's progress as an async iterable over `Taskweave.subscribe`: each `progress` event of the
 * task (in any tab: the leader relays them), ending when the task ends. Values that come faster
 * than the reader reads are merged: it gets the latest.
 */
import { isTerminalStatus, type TaskId, type TaskProgress, type TaskState } from '@taskweave/core';
import type { TaskweaveListener } from '../tabs/taskweaveEvent.js';

export async function* taskProgress(
  id: TaskId,
  subscribe: (listener: TaskweaveListener) => () => void,
  get: (id: TaskId) => Promise<TaskState | undefined>,
): AsyncGenerator<TaskProgress, void, undefined> {
  let latest: TaskProgress | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const stop = subscribe((event) => {
    if (!('taskId' in event) || event.taskId !== id) return;
    // A checkpoint's event repeats the progress of when it was taken; it reaches this tab through the
    // store's feed, possibly after newer live progress, so it is not shown again (values never go back).
    if (event.type === 'progress' && event.checkpoint !== true) {
      latest = { done: event.done, ...(event.total === undefined ? {} : { total: event.total }), ...(event.note === undefined ? {} : { note: event.note }) };
    } else if (event.type === 'status' && isTerminalStatus(event.status)) ended = true;
    else return;
    wake?.();
  });
  try {
    // Subscribed first, then read: an end between the two is seen either way.
    const state = await get(id);
    if (state === undefined || isTerminalStatus(state.status)) return;
    for (;;) {
      if (latest !== undefined) {
        const value = latest;
        latest = undefined;
        yield value;
        continue;
      }
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    stop();
  }
}
