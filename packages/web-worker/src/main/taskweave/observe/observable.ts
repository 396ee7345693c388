/**
 * The store contract the framework bindings sit on: `subscribe(onChange)` returns the unsubscribe
 * function, `getSnapshot()` the current value (React's `useSyncExternalStore`, a Svelte store's
 * `subscribe`, a Vue `shallowRef` fed by `subscribe` all take this shape). `ObservableValue` is the
 * one implementation: lazy (its source starts with the first listener and stops with the last) and
 * referentially stable (the snapshot object changes only when its data changed), so a binding
 * renders once per change.
 */

/** A value that can be watched. */
export interface Observable<T> {
  /** Calls `onChange` after each change of the snapshot. @returns the unsubscribe function */
  subscribe(onChange: () => void): () => void;
  /** The current value: the same object until it changes. */
  getSnapshot(): T;
}

/**
 * Starts watching a source while an `ObservableValue` has listeners: `set` replaces the value (and
 * is ignored once this start was stopped, so late answers of a stopped start change nothing).
 * @returns what stops it
 */
export type ObservableStart<T> = (set: (next: T) => void, get: () => T) => () => void;

/**
 * Plain data compared by content (arrays and plain objects, one level after another); anything else
 * (typed arrays, class instances, errors) by identity.
 * @example sameValue({ done: 1, total: 2 }, { done: 1, total: 2 }) // true
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (!isPlain(a) || !isPlain(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameValue(a[k], b[k]));
}

function isPlain(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A lazily started, referentially stable value.
 *
 * @example
 * const clock = new ObservableValue(Date.now(), (set) => {
 *   const timer = setInterval(() => set(Date.now()), 1000)
 *   return () => clearInterval(timer)
 * })
 * const stop = clock.subscribe(() => console.log(clock.getSnapshot()))
 */
export class ObservableValue<T> implements Observable<T> {
  #value: T;
  readonly #listeners = new Set<() => void>();
  readonly #start: ObservableStart<T> | undefined;
  #stop: (() => void) | undefined;

  constructor(initial: T, start?: ObservableStart<T>) {
    this.#value = initial;
    this.#start = start;
  }

  /** Bound: can be handed around as is (`useSyncExternalStore(store.subscribe, store.getSnapshot)`). */
  readonly subscribe = (onChange: () => void): (() => void) => {
    // A wrapper per call: the same function subscribed twice is two listeners, each removed once.
    const listener = () => onChange();
    this.#listeners.add(listener);
    if (this.#listeners.size === 1 && this.#start !== undefined) {
      let active = true;
      const stop = this.#start((next) => active && this.set(next), () => this.#value);
      this.#stop = () => {
        active = false;
        stop();
      };
    }
    return () => {
      if (!this.#listeners.delete(listener) || this.#listeners.size > 0) return;
      const stop = this.#stop;
      this.#stop = undefined;
      stop?.();
    };
  };

  readonly getSnapshot = (): T => this.#value;

  /** Whether anyone listens (and the source runs). */
  get observed(): boolean {
    return this.#listeners.size > 0;
  }

  /** Replaces the value and tells the listeners, unless `next` has the same data as the current value. */
  set(next: T): void {
    if (sameValue(this.#value, next)) return;
    this.#value = next;
    for (const listener of [...this.#listeners]) listener();
  }
}
