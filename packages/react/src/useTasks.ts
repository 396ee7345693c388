/**
 * `useTasks(filter)`: a page of the store's tasks (`tw.list`, through `observeTasks`), read again as
 * statuses change, throttled.
 */
import type { TaskListQuery } from '@taskweave/core';
import { IDLE_TASKS, observeTasks, type ObserveTasksOptions, type TasksView } from '@taskweave/web-worker';
import { useMemo } from 'react';
import { useObservable } from './useObservable.js';
import { useTaskweave } from './provider.js';

/**
 * @example
 * const { tasks } = useTasks({ status: ['Pending', 'Running'], limit: 20 })
 * return <ul>{tasks?.map((t) => <li key={t.id}>{t.type} {t.status}</li>)}</ul>
 */
export function useTasks(filter: TaskListQuery & ObserveTasksOptions = {}): TasksView {
  const tw = useTaskweave();
  // A filter is plain data: the same filter written inline on each render is the same list.
  const key = JSON.stringify(filter);
  const observable = useMemo(() => {
    if (tw === undefined) return undefined;
    const { throttleMs, ...query } = filter;
    return observeTasks(tw, query, throttleMs === undefined ? {} : { throttleMs });
  }, [tw, key]);
  return useObservable(observable, IDLE_TASKS);
}
