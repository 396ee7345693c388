/// <reference lib="dom" />
/**
 * Deleting many records of an object store in a few requests: IndexedDB deletes by key range,
 * so the records to delete are grouped into runs of consecutive primary keys with nothing to
 * keep between them, and each run is one `delete(range)`. Task ids are random, so the runs come
 * from the store's own key order, not from the order of the records' ages.
 */

/**
 * The runs of `doomed` keys in `sortedKeys` (every primary key of the store, ascending) that hold
 * no kept key between them, as inclusive `[first, last]` pairs.
 *
 * @example keyRuns(['a', 'b', 'c', 'd'], new Set(['a', 'b', 'd'])) // [['a', 'b'], ['d', 'd']]
 */
export function keyRuns<K>(sortedKeys: readonly K[], doomed: ReadonlySet<K>): [K, K][] {
  const runs: [K, K][] = [];
  let first: K | undefined;
  let last: K | undefined;
  let open = false;
  for (const key of sortedKeys) {
    if (doomed.has(key)) {
      if (!open) {
        first = key;
        open = true;
      }
      last = key;
    } else if (open) {
      runs.push([first as K, last as K]);
      open = false;
    }
  }
  if (open) runs.push([first as K, last as K]);
  return runs;
}

/**
 * Deletes the records with primary keys `doomed` from `store` (inside the caller's readwrite
 * transaction): one `getAllKeys` to learn the key order, then one `delete(range)` per run. Resolves
 * once the requests are issued and the keys read; the caller awaits the transaction's end.
 * Returns the number of delete requests made.
 */
export async function deleteInRuns(store: IDBObjectStore, doomed: readonly IDBValidKey[]): Promise<number> {
  if (doomed.length === 0) return 0;
  const all = await new Promise<IDBValidKey[]>((resolve, reject) => {
    const request = store.getAllKeys();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const runs = keyRuns(all, new Set(doomed));
  for (const [first, last] of runs) store.delete(first === last ? first : IDBKeyRange.bound(first, last));
  return runs.length;
}
