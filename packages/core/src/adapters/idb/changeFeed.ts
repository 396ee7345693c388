/**
 * The change feed of an `IdbTaskStore`: after every committed write, a short summary of what
 * changed goes to this store's listeners and, over the BroadcastChannel
 * `taskweave:<name>:store`, to the stores of the same name in other tabs (and workers). A tab
 * that does not run tasks watches results this way without polling, and the running tab learns
 * of tasks other tabs wrote. Summaries carry ids and statuses, not records: read the record
 * with `get(id)` when needed (it is durable before the summary is sent).
 */
import type { TaskId, TaskStatus } from '../../task.js';

/** One record as summarised by the feed. */
export interface ChangedRecord {
  id: TaskId;
  status: TaskStatus;
  seq: number;
  updatedAt: number;
  /** The write only took a checkpoint of a running task (its progress; no status change). */
  checkpoint?: { done?: number; total?: number; note?: string };
}

/** What the feed reports; `origin` says whether this store or another one made the change. */
export type StoreChange =
  | { type: 'put'; records: ChangedRecord[]; origin: 'local' | 'remote' }
  | { type: 'prune'; removed: number; origin: 'local' | 'remote' };

type WireChange = { type: 'put'; records: ChangedRecord[] } | { type: 'prune'; removed: number };

/** The channel name of a store's change feed. */
export function changeFeedChannel(name: string): string {
  return `taskweave:${name}:store`;
}

/**
 * Local listeners plus a BroadcastChannel (opened only when enabled and available).
 *
 * @example
 * const off = feed.subscribe((change) => { if (change.type === 'put') refresh(change.records) })
 */
export class ChangeFeed {
  readonly #listeners = new Set<(change: StoreChange) => void>();
  #channel: BroadcastChannel | undefined;

  constructor(name: string, broadcast: boolean) {
    if (broadcast && typeof BroadcastChannel === 'function') {
      this.#channel = new BroadcastChannel(changeFeedChannel(name));
      this.#channel.onmessage = (event: MessageEvent<WireChange>) => this.#deliver({ ...event.data, origin: 'remote' } as StoreChange);
    }
  }

  /** Whether changes also travel to other tabs. */
  get broadcasting(): boolean {
    return this.#channel !== undefined;
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Announces a committed change here and to the other tabs. */
  publish(change: WireChange): void {
    this.#deliver({ ...change, origin: 'local' } as StoreChange);
    try {
      this.#channel?.postMessage(change);
    } catch {
      // The channel is closed: other tabs fall back to reading the store.
    }
  }

  close(): void {
    this.#channel?.close();
    this.#channel = undefined;
    this.#listeners.clear();
  }

  #deliver(change: StoreChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (error) {
        // A listener's bug must not break the store's write path.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
