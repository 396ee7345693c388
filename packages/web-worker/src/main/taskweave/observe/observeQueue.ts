/**
 * `observeQueue(tw)`: the queue's counts (`QueueSnapshot`: by status, by priority, ready, blocked,
 * retrying, running) as a value to watch, from `tw.getSnapshot()` and the `queue` events of
 * `tw.subscribe` (in a follower tab, the leader's latest).
 */
import type { QueueSnapshot } from '@taskweave/core';
import type { Taskweave } from '../taskweave.js';
import { ObservableValue } from './observable.js';

/**
 * Watches the queue's counts; undefined until a tab runs the tasks and told its counts.
 * @example
 * const queue = observeQueue(tw)
 * queue.subscribe(() => (badge.textContent = String(queue.getSnapshot()?.running ?? 0)))
 */
export function observeQueue(tw: Pick<Taskweave, 'subscribe' | 'getSnapshot'>): ObservableValue<QueueSnapshot | undefined> {
  return new ObservableValue<QueueSnapshot | undefined>(undefined, (set) => {
    const stop = tw.subscribe((event) => {
      if (event.type === 'queue') set(event.snapshot);
    });
    set(tw.getSnapshot());
    return stop;
  });
}
