/**
 * `searchAsYouType(tw, collection, options)`: a search box's state. `setQuery` is debounced; a new
 * query cancels the search task of the previous one (it ends `Cancelled`), and the last hits stay
 * shown while the next search runs. The last subscriber leaving cancels the search under way:
 * nobody would read its hits.
 */
import { isTaskweaveError, toTaskweaveError, type SearchHit, type SearchOptions, type TaskId, type TaskweaveError } from '@taskweave/core';
import type { TaskHandle, TypedTasks } from '../typedTasks.js';
import { ObservableValue } from './observable.js';

/** A search box's state. */
export interface SearchView {
  /** The query the hits (or the search under way) are for. */
  query: string;
  /** The hits of the latest search that finished; kept while the next one runs. */
  hits: readonly SearchHit[] | undefined;
  /** The query whose hits are shown. */
  hitsFor: string | undefined;
  /** A search waits out the debounce or runs. */
  searching: boolean;
  /** The search task under way (or the last one). */
  taskId: TaskId | undefined;
  /** Why the latest search failed. */
  error: TaskweaveError | undefined;
}

/** Options of `searchAsYouType`: the search's own (`topK`, `filter`, `model`, …), and the debounce. */
export interface SearchAsYouTypeOptions extends SearchOptions {
  /** The embedding model of a text query (the collection's). */
  model?: string;
  /** How long the query must stay the same before it is searched. @default 200 */
  debounceMs?: number;
}

/** No search yet (and on the server). */
export const IDLE_SEARCH: SearchView = Object.freeze({ query: '', hits: undefined, hitsFor: undefined, searching: false, taskId: undefined, error: undefined });

/** A search box to watch, and its input. */
export interface SearchObservable extends ObservableValue<SearchView> {
  /** The text to search for; '' clears the hits (and cancels a search under way). */
  setQuery(query: string): void;
}

/**
 * A search-as-you-type over `tw.search`.
 * @example
 * const search = searchAsYouType(tw, 'notes', { model: 'use-lite', topK: 5 })
 * search.subscribe(() => render(search.getSnapshot().hits))
 * input.oninput = () => search.setQuery(input.value)
 */
export function searchAsYouType(tw: Pick<TypedTasks, 'search'>, collection: string, options: SearchAsYouTypeOptions = {}): SearchObservable {
  const { debounceMs = 200, ...searchOptions } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<TaskHandle<unknown>> | undefined;
  const patch = (change: Partial<SearchView>) => store.set({ ...store.getSnapshot(), ...change });

  /** Cancels the search under way (submitted or about to be). */
  const stop = () => {
    clearTimeout(timer);
    timer = undefined;
    const running = current;
    current = undefined;
    void running?.then((handle) => handle.cancel()).catch(() => undefined);
  };

  const run = async (query: string) => {
    const started = tw.search(collection, { text: query }, searchOptions);
    current = started;
    try {
      const handle = await started;
      if (current !== started) return; // superseded while it was submitted: stop() cancels it
      patch({ taskId: handle.id });
      const { hits } = await handle.result;
      if (current === started) patch({ hits, hitsFor: query, searching: false, error: undefined });
    } catch (error) {
      // A superseded search ends `cancelled`: not an error of the box.
      if (current === started && !isTaskweaveError(error, 'cancelled')) patch({ searching: false, error: toTaskweaveError(error) });
    } finally {
      if (current === started) current = undefined;
    }
  };

  const store = Object.assign(
    new ObservableValue<SearchView>(IDLE_SEARCH, () => () => {
      stop();
      patch({ searching: false });
    }),
    {
      setQuery(query: string) {
        const now = store.getSnapshot();
        if (query === now.query && (timer !== undefined || current !== undefined || now.hitsFor === query)) return;
        stop();
        if (query.trim() === '') {
          patch({ query, hits: undefined, hitsFor: undefined, searching: false, error: undefined });
          return;
        }
        patch({ query, searching: true });
        timer = setTimeout(() => {
          timer = undefined;
          void run(query);
        }, debounceMs);
      },
    },
  );
  return store;
}
