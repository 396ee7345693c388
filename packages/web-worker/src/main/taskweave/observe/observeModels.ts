/**
 * `observeModels(tw)`: the declared models' cache (`tw.models.list()`) as a value to watch, with
 * `prefetch` and `clear` that show their progress and read the list again when they are done.
 */
import { toTaskweaveError, type TaskweaveError } from '@taskweave/core';
import type { AssetProgress, ModelAssetStatus } from '../../../shared/modelAssets.js';
import type { ModelAssets, PrefetchOptions } from '../modelAssets.js';
import { ObservableValue } from './observable.js';

/** The model cache as `observeModels` shows it. */
export interface ModelsView {
  /** The declared models and what the cache holds of each; undefined until read. */
  models: readonly ModelAssetStatus[] | undefined;
  /** The downloads under way, by model id: the latest progress of each. */
  prefetching: Readonly<Record<string, AssetProgress>>;
  /** Why the last read, prefetch or clear failed. */
  error: TaskweaveError | undefined;
}

/** The cache not read yet (and on the server). */
export const IDLE_MODELS: ModelsView = Object.freeze({ models: undefined, prefetching: Object.freeze({}), error: undefined });

/** The model cache to watch, and the actions that change it. */
export interface ModelsObservable extends ObservableValue<ModelsView> {
  /** `tw.models.prefetch`, its progress in `prefetching[id]` until it ends; then the list is read again. */
  prefetch(id: string, options?: PrefetchOptions): Promise<ModelAssetStatus>;
  /** `tw.models.clear`; then the list is read again. */
  clear(id?: string): Promise<void>;
  /** Reads the list again. */
  refresh(): Promise<void>;
}

/**
 * Watches the model cache (read when the first subscriber comes).
 * @example
 * const models = observeModels(tw)
 * models.subscribe(() => render(models.getSnapshot()))
 * await models.prefetch('use-lite')
 */
export function observeModels(tw: { models: ModelAssets }): ModelsObservable {
  const refresh = async (): Promise<void> => {
    try {
      const models = await tw.models.list();
      store.set({ ...store.getSnapshot(), models, error: undefined });
    } catch (error) {
      store.set({ ...store.getSnapshot(), error: toTaskweaveError(error) });
    }
  };
  const progress = (id: string, value: AssetProgress | undefined) => {
    const { [id]: _, ...others } = store.getSnapshot().prefetching;
    store.set({ ...store.getSnapshot(), prefetching: value === undefined ? others : { ...others, [id]: value } });
  };
  const after = async <R>(work: Promise<R>, id?: string): Promise<R> => {
    try {
      return await work;
    } catch (error) {
      store.set({ ...store.getSnapshot(), error: toTaskweaveError(error) });
      throw error;
    } finally {
      if (id !== undefined) progress(id, undefined);
      await refresh();
    }
  };
  const store = Object.assign(
    new ObservableValue<ModelsView>(IDLE_MODELS, () => {
      void refresh();
      return () => undefined;
    }),
    {
      prefetch: (id: string, options: PrefetchOptions = {}) =>
        after(
          tw.models.prefetch(id, {
            ...options,
            onProgress: (p: AssetProgress) => {
              progress(id, p);
              options.onProgress?.(p);
            },
          }),
          id,
        ),
      clear: (id?: string) => after(tw.models.clear(id)),
      refresh,
    },
  );
  return store;
}
