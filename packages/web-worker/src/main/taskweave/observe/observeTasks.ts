/**
 * `observeTasks(tw, query)`: a page of the store's tasks (`tw.list`) as a value to watch, read again
 * as statuses change (`tw.subscribe`'s `status` events, from every tab), at most once per
 * `throttleMs` and never two reads at a time: a burst of changes costs one read, and the last
 * change is always read.
 */
import { toTaskweaveError, type TaskListQuery, type TaskState, type TaskweaveError } from '@taskweave/core';
import type { Taskweave } from '../taskweave.js';
import { ObservableValue } from './observable.js';

/** A page of tasks as `observeTasks` shows it. */
export interface TasksView {
  /** The page, in `tw.list`'s order; undefined until read. */
  tasks: readonly TaskState[] | undefined;
  /** Where the next page starts (`query.cursor`); undefined on the last page. */
  nextCursor: string | undefined;
  /** Why the last read failed (a `ValidationError` naming the field of a bad query). */
  error: TaskweaveError | undefined;
}

/** Options of `observeTasks`. */
export interface ObserveTasksOptions {
  /** Least time between two reads. @default 250 */
  throttleMs?: number;
}

/** No page read yet (and on the server). */
export const IDLE_TASKS: TasksView = Object.freeze({ tasks: undefined, nextCursor: undefined, error: undefined });

/**
 * Watches one page of tasks.
 * @example
 * const failed = observeTasks(tw, { status: 'Failed', limit: 20 })
 * failed.subscribe(() => render(failed.getSnapshot().tasks))
 */
export function observeTasks(tw: Pick<Taskweave, 'list' | 'subscribe'>, query: TaskListQuery = {}, options: ObserveTasksOptions = {}): ObservableValue<TasksView> {
  const throttleMs = options.throttleMs ?? 250;
  return new ObservableValue<TasksView>(IDLE_TASKS, (set, get) => {
    let stopped = false;
    let reading = false;
    let again = false;
    let lastRead = -Infinity;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async () => {
      timer = undefined;
      reading = true;
      again = false;
      lastRead = performance.now();
      try {
        const page = await tw.list(query);
        set({ tasks: page.tasks, nextCursor: page.nextCursor, error: undefined });
      } catch (error) {
        set({ ...get(), error: toTaskweaveError(error) });
      } finally {
        reading = false;
        if (again && !stopped) schedule();
      }
    };
    const schedule = () => {
      if (reading) again = true;
      else timer ??= setTimeout(() => void read(), Math.max(0, lastRead + throttleMs - performance.now()));
    };
    const unsubscribe = tw.subscribe((event) => {
      if (event.type === 'status') schedule();
    });
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer);
      unsubscribe();
    };
  });
}
