/**
 * `observeTask(tw, idOrHandle)`: one task as a value to watch — its status, progress, and once it
 * ended its output or error — over `tw.subscribe` (statuses and progress, in any tab) and one
 * `tw.get` when watching starts. An end is shown together with its output (one change, not two).
 */
import {
  TaskStatus,
  TaskweaveError,
  isTerminalStatus,
  resultError,
  toTaskweaveError,
  type TaskId,
  type TaskOutput,
  type TaskProgress,
} from '@taskweave/core';
import type { Taskweave } from '../taskweave.js';
import type { TaskHandle } from '../typedTasks.js';
import { ObservableValue } from './observable.js';

/** A task as `observeTask` shows it. Every field is undefined until known (and on the server). */
export interface TaskView<O = TaskOutput> {
  id: TaskId | undefined;
  status: TaskStatus | undefined;
  /** The latest progress its handler reported while it ran. */
  progress: TaskProgress | undefined;
  /** The output, once it completed: typed as the helper that made the handle types it. */
  output: O | undefined;
  /** Why it did not complete (`code`: `cancelled`, `timeout`, `validation`, …), once it ended. */
  error: TaskweaveError | undefined;
}

/** A view of no task: before a submit, on the server, outside a provider's start. */
export const IDLE_TASK: TaskView<never> = Object.freeze({ id: undefined, status: undefined, progress: undefined, output: undefined, error: undefined });

/** The part of a `Taskweave` handle the observers read. */
export type TaskSource = Pick<Taskweave, 'subscribe' | 'get' | 'wait'>;

/**
 * Watches one task. A handle (`await tw.embed(…)`) gives its typed output; an id the raw
 * `TaskOutput`. Nothing is read until the first subscriber comes; the last one leaving unsubscribes.
 *
 * @example
 * const task = observeTask(tw, await tw.embed('hello', { model: 'use-lite' }))
 * task.subscribe(() => console.log(task.getSnapshot().status))
 */
export function observeTask<O = TaskOutput>(tw: TaskSource, task: TaskId | TaskHandle<O, unknown>): ObservableValue<TaskView<O>> {
  const handle = typeof task === 'string' ? undefined : task;
  const id = typeof task === 'string' ? task : task.id;
  return new ObservableValue<TaskView<O>>({ ...IDLE_TASK, id }, (set, get) => {
    let ended = false;
    let heard = false;
    const end = (status: TaskStatus) => {
      if (ended) return;
      ended = true;
      // The output (typed by the handle) or the error, read once: shown with the end itself.
      const settled: Promise<Pick<TaskView<O>, 'output' | 'error'>> =
        handle !== undefined
          ? handle.result.then((output) => ({ output, error: undefined }), (error: unknown) => ({ output: undefined, error: toTaskweaveError(error) }))
          : tw.wait(id).then(
              (result) => (result.status === TaskStatus.Completed ? { output: result.output as O, error: undefined } : { output: undefined, error: resultError(result) }),
              (error: unknown) => ({ output: undefined, error: toTaskweaveError(error) }),
            );
      void settled.then((outcome) => set({ ...get(), status, ...outcome }));
    };
    const stop = tw.subscribe((event) => {
      if (ended || !('taskId' in event) || event.taskId !== id) return;
      if (event.type === 'status') {
        heard = true;
        if (isTerminalStatus(event.status)) end(event.status);
        else set({ ...get(), status: event.status });
      } else if (event.type === 'progress' && event.checkpoint !== true) {
        // A checkpoint's progress repeats an older value (see streams/taskProgress.ts): not shown again.
        const { done, total, note } = event;
        set({ ...get(), progress: { done, ...(total === undefined ? {} : { total }), ...(note === undefined ? {} : { note }) } });
      }
    });
    // Subscribed first, then read: a change between the two is heard either way; an event heard
    // before the read answers is newer than a status the read saw unfinished.
    tw.get(id).then(
      (state) => {
        if (ended) return;
        if (state === undefined) set({ ...get(), error: new TaskweaveError('not-found', `No task with id ${id}`, { details: { taskId: id } }) });
        else if (isTerminalStatus(state.status)) end(state.status);
        else if (!heard) set({ ...get(), status: state.status });
      },
      (error: unknown) => set({ ...get(), error: toTaskweaveError(error) }),
    );
    return stop;
  });
}
