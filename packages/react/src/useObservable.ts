/**
 * Every hook's one path to a value: `useSyncExternalStore` over an observable of
 * `@taskweave/web-worker` (lazy, referentially stable), or the idle value when there is none yet.
 * The server snapshot is the idle value: server rendering subscribes to nothing and starts nothing.
 */
import type { Observable } from '@taskweave/web-worker';
import { useSyncExternalStore } from 'react';

const nothing = () => () => undefined;

export function useObservable<T, I>(observable: Observable<T> | undefined, idle: I): T | I {
  const idleSnapshot = (): T | I => idle;
  return useSyncExternalStore<T | I>(observable?.subscribe ?? nothing, observable?.getSnapshot ?? idleSnapshot, idleSnapshot);
}
