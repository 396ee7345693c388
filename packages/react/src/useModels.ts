/**
 * `useModels()`: the declared models' cache (`observeModels`): what is cached, the downloads under
 * way with their progress, and `prefetch` / `clear`.
 */
import { IDLE_MODELS, observeModels, type ModelAssetStatus, type ModelsObservable, type ModelsView, type PrefetchOptions } from '@taskweave/web-worker';
import { useMemo } from 'react';
import { useObservable } from './useObservable.js';
import { notStarted, useTaskweave } from './provider.js';

/**
 * @example
 * const { models, prefetching, prefetch } = useModels()
 * <button onClick={() => prefetch('use-lite')}>Download ({prefetching['use-lite']?.overallLoaded ?? 0} bytes)</button>
 */
export function useModels(): ModelsView & {
  prefetch(id: string, options?: PrefetchOptions): Promise<ModelAssetStatus>;
  clear(id?: string): Promise<void>;
  refresh(): Promise<void>;
} {
  const tw = useTaskweave();
  const observable = useMemo(() => (tw === undefined ? undefined : observeModels(tw)), [tw]);
  const view = useObservable(observable, IDLE_MODELS);
  const actions = useMemo(() => {
    const models = (): ModelsObservable => {
      if (observable === undefined) throw notStarted();
      return observable;
    };
    return {
      prefetch: (id: string, options?: PrefetchOptions) => models().prefetch(id, options),
      clear: (id?: string) => models().clear(id),
      refresh: () => models().refresh(),
    };
  }, [observable]);
  return { ...view, ...actions };
}
