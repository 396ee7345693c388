/** The metadata filter of a search: equality on every key it names. */
import type { FilterValue } from '@taskweave/core';

/** True when `metadata` has every key of `filter` with an equal value. */
export function matchesFilter(metadata: Record<string, FilterValue> | undefined, filter: Record<string, FilterValue>): boolean {
  for (const key in filter) {
    if (metadata === undefined || !Object.hasOwn(metadata, key) || metadata[key] !== filter[key]) return false;
  }
  return true;
}
