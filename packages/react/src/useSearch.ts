/**
 * `useSearch(collection, query, options)`: search as you type over `tw.search` (`searchAsYouType`):
 * debounced, a new query cancels the previous search task, the last hits stay while the next runs,
 * and unmounting cancels the search under way.
 */
import { IDLE_SEARCH, searchAsYouType, type SearchAsYouTypeOptions, type SearchView } from '@taskweave/web-worker';
import { useEffect, useMemo } from 'react';
import { useObservable } from './useObservable.js';
import { useTaskweave } from './provider.js';

/**
 * @example
 * const [query, setQuery] = useState('')
 * const { hits, searching } = useSearch('notes', query, { model: 'use-lite', topK: 5 })
 */
export function useSearch(collection: string, query: string, options: SearchAsYouTypeOptions = {}): SearchView {
  const tw = useTaskweave();
  // Options are plain data: the same options written inline on each render are the same search.
  const key = JSON.stringify(options);
  const search = useMemo(() => (tw === undefined ? undefined : searchAsYouType(tw, collection, options)), [tw, collection, key]);
  const view = useObservable(search, IDLE_SEARCH);
  useEffect(() => search?.setQuery(query), [search, query]);
  return view;
}
