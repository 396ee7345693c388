/**
 * A minimal listener set: `subscribe` returns the unsubscribe function.
 * A throwing listener does not stop the others (its error is reported asynchronously).
 */
export class Subscribable<E> {
  readonly #listeners = new Set<(event: E) => void>();

  subscribe(listener: (event: E) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  hasListeners(): boolean {
    return this.#listeners.size > 0;
  }

  emit(event: E): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
