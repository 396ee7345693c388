/** `useQueue()`: the queue's counts (`observeQueue`), undefined until a tab runs the tasks. */
import type { QueueSnapshot } from '@taskweave/core';
import { observeQueue } from '@taskweave/web-worker';
import { useMemo } from 'react';
import { useObservable } from './useObservable.js';
import { useTaskweave } from './provider.js';

/** @example const queue = useQueue(); return <span>{queue?.running ?? 0} running, {queue?.ready ?? 0} waiting</span> */
export function useQueue(): QueueSnapshot | undefined {
  const tw = useTaskweave();
  const observable = useMemo(() => (tw === undefined ? undefined : observeQueue(tw)), [tw]);
  return useObservable(observable, undefined);
}
