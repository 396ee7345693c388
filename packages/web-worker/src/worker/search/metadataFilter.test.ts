/** A search's metadata filter: every key it names must be present with an equal value. */
import { describe, expect, it } from 'vitest';
import { matchesFilter } from './metadataFilter.js';

describe('matchesFilter', () => {
  it('matches when every key of the filter is there with an equal value, other keys aside', () => {
    expect(matchesFilter({ year: 2024, tag: 'a', ok: true }, { year: 2024, ok: true })).toBe(true);
    expect(matchesFilter({ year: 2024 }, {})).toBe(true);
    expect(matchesFilter(undefined, {})).toBe(true);
  });

  it('does not match a missing key, another value, another type, or no metadata', () => {
    expect(matchesFilter({ year: 2024 }, { tag: 'a' })).toBe(false);
    expect(matchesFilter({ year: 2024 }, { year: 2023 })).toBe(false);
    expect(matchesFilter({ year: '2024' }, { year: 2024 })).toBe(false);
    expect(matchesFilter({ ok: 1 }, { ok: true })).toBe(false);
    expect(matchesFilter(undefined, { year: 2024 })).toBe(false);
  });

  it('reads only the metadata’s own keys (not its prototype’s)', () => {
    const inherited = Object.create({ tag: 'a' }) as Record<string, string>;
    expect(matchesFilter(inherited, { tag: 'a' })).toBe(false);
  });
});
