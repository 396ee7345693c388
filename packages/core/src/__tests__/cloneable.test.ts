/** What structured clone refuses, found with its path before anything is written or posted. */
import { describe, expect, it } from 'vitest';
import { findUncloneable } from '../cloneable.js';

describe('findUncloneable', () => {
  it('accepts what structured clone copies: primitives, plain objects, arrays, Maps, Sets, typed arrays, dates, cycles', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    const values = [
      null,
      undefined,
      1,
      'text',
      10n,
      { a: [1, { b: 'c' }] },
      new Map([['k', { v: 1 }]]),
      new Set([1, 2]),
      new Float32Array(4),
      new ArrayBuffer(8),
      new Date(0),
      /re/g,
      cyclic,
    ];
    for (const value of values) {
      expect(findUncloneable(value)).toBeUndefined();
      expect(() => structuredClone(value)).not.toThrow();
    }
  });

  it('finds a function or a symbol, with the path to it', () => {
    expect(findUncloneable({ a: [1, () => 2] })).toEqual({ path: ['a', 1], what: 'a function' });
    expect(findUncloneable({ deep: { s: Symbol('x') } })).toEqual({ path: ['deep', 's'], what: 'a symbol' });
    expect(findUncloneable(() => 1)).toEqual({ path: [], what: 'a function' });
  });

  it('searches Maps (keys and values) and Sets', () => {
    expect(findUncloneable({ m: new Map([['key', { f: () => 1 }]]) })).toEqual({ path: ['m', 'key', 'f'], what: 'a function' });
    expect(findUncloneable(new Set([1, Symbol('s')]))).toEqual({ path: [1], what: 'a symbol' });
  });

  it('names the built-ins that cannot be copied', () => {
    expect(findUncloneable({ w: new WeakMap() })).toEqual({ path: ['w'], what: 'a WeakMap' });
    expect(findUncloneable([new WeakSet()])).toEqual({ path: [0], what: 'a WeakSet' });
    expect(findUncloneable({ p: Promise.resolve(1) })).toEqual({ path: ['p'], what: 'a Promise' });
    expect(() => structuredClone({ p: Promise.resolve(1) })).toThrow();
  });

  it('reports the first one found, and leaves the path clean for a later search', () => {
    const input = { ok: [1, 2], bad: [{ x: 1 }, { f: () => 0 }], later: () => 1 };
    expect(findUncloneable(input)).toEqual({ path: ['bad', 1, 'f'], what: 'a function' });
    expect(findUncloneable({ ok: 1 })).toBeUndefined();
  });
});
