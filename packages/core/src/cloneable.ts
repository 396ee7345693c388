/**
 * Finding what the structured clone algorithm refuses (IndexedDB, `postMessage`), without
 * cloning: functions, symbols and the few built-ins that cannot be copied. Used by the schemas,
 * so a task whose input could not be stored or sent to a worker is refused at `submit` with the
 * field that holds it, before anything is written.
 */

/** Where an uncloneable value sits (`['value', 'fn']`) and what it is. */
export interface UncloneableValue {
  path: (string | number)[];
  what: string;
}

const UNCLONEABLE: readonly (readonly [string, string])[] = [
  ['WeakMap', 'a WeakMap'],
  ['WeakSet', 'a WeakSet'],
  ['WeakRef', 'a WeakRef'],
  ['Promise', 'a Promise'],
];

/**
 * The first value in `root` that structured clone refuses for sure, or undefined. Plain objects,
 * arrays, Maps and Sets are searched; typed arrays, buffers, dates and other leaves are not.
 * Objects it cannot judge (a platform object such as a `MessagePort`) pass: the store still
 * refuses them when it writes, naming the field.
 *
 * @example findUncloneable({ a: [1, () => 2] }) // { path: ['a', 1], what: 'a function' }
 */
export function findUncloneable(root: unknown): UncloneableValue | undefined {
  const seen = new Set<object>();
  const path: (string | number)[] = [];
  const visit = (value: unknown): string | undefined => {
    if (typeof value === 'function') return 'a function';
    if (typeof value === 'symbol') return 'a symbol';
    if (value === null || typeof value !== 'object') return undefined;
    if (seen.has(value)) return undefined; // structured clone keeps cycles
    seen.add(value);
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Date || value instanceof RegExp) return undefined;
    for (const [name, what] of UNCLONEABLE) {
      const ctor = (globalThis as Record<string, unknown>)[name];
      if (typeof ctor === 'function' && value instanceof (ctor as abstract new (...args: never[]) => unknown)) return what;
    }
    if (value instanceof Map) {
      for (const [key, item] of value) {
        path.push(typeof key === 'string' || typeof key === 'number' ? key : String(key));
        const bad = visit(key) ?? visit(item);
        if (bad !== undefined) return bad;
        path.pop();
      }
      return undefined;
    }
    if (value instanceof Set) {
      let i = 0;
      for (const item of value) {
        path.push(i++);
        const bad = visit(item);
        if (bad !== undefined) return bad;
        path.pop();
      }
      return undefined;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        const bad = visit(value[i]);
        if (bad !== undefined) return bad;
        path.pop();
      }
      return undefined;
    }
    for (const key of Object.keys(value)) {
      path.push(key);
      const bad = visit((value as Record<string, unknown>)[key]);
      if (bad !== undefined) return bad;
      path.pop();
    }
    return undefined;
  };
  const what = visit(root);
  return what === undefined ? undefined : { path, what };
}

/**
 * About how many bytes `value` takes once structured-cloned (strings 2 per UTF-16 unit, numbers
 * 8, buffers and typed arrays their length, keys as strings), to bound what a handler may keep
 * (a checkpoint) without cloning it. Stops counting past `limit`.
 *
 * @example cloneSizeOf({ tokens: [1, 2, 3] }) // 12 + 24 = 36
 */
export function cloneSizeOf(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let bytes = 0;
  const seen = new Set<object>();
  const visit = (v: unknown): void => {
    if (bytes > limit) return;
    if (typeof v === 'string') bytes += 2 * v.length;
    else if (typeof v === 'number' || typeof v === 'bigint') bytes += 8;
    else if (typeof v === 'boolean' || v === null || v === undefined) bytes += 1;
    else if (typeof v === 'object') {
      if (seen.has(v)) return;
      seen.add(v);
      if (ArrayBuffer.isView(v)) bytes += v.byteLength;
      else if (v instanceof ArrayBuffer) bytes += v.byteLength;
      else if (v instanceof Date) bytes += 8;
      else if (v instanceof Map) {
        for (const [key, item] of v) {
          visit(key);
          visit(item);
        }
      } else if (v instanceof Set) for (const item of v) visit(item);
      else if (Array.isArray(v)) for (const item of v) visit(item);
      else {
        for (const key of Object.keys(v)) {
          bytes += 2 * key.length;
          visit((v as Record<string, unknown>)[key]);
        }
      }
    }
  };
  visit(value);
  return bytes;
}
