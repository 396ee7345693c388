/**
 * The queue and pool as other tabs see them. The leader sends its queue counts to the other tabs
 * at most every `snapshotIntervalMs` (`queue`, the latest last), which `tw.getSnapshot()` shows;
 * `tw.snapshot()` in a follower asks the leader for both now (`snapshot` → `snapshot-reply`).
 */
import type { QueueSnapshot } from '@taskweave/core';
import type { PoolSnapshot } from '../../pool/poolEvents.js';
import type { TabRole, TaskweaveSnapshot } from '../taskweave.js';
import type { TabMessage } from './tabMessages.js';

/** How long a follower's `snapshot()` waits for the leader before it answers with what it has. */
export const SNAPSHOT_TIMEOUT_MS = 1000;

export type SnapshotMessage =
  /** The running tab's counts (at most every `snapshotIntervalMs`). */
  | { type: 'queue'; snapshot: QueueSnapshot }
  /** A follower's `snapshot()`, and the leader's answer. */
  | { type: 'snapshot'; requestId: string }
  | { type: 'snapshot-reply'; requestId: string; at: number; leaderTabId: string; queue: QueueSnapshot | undefined; pool: PoolSnapshot | undefined };

/** What the leader tab reads its snapshot from. */
export interface SnapshotSource {
  queue(): QueueSnapshot | undefined;
  pool(): PoolSnapshot | undefined;
}

export class SnapshotRelay {
  readonly #tabId: string;
  readonly #intervalMs: number;
  readonly #post: (message: TabMessage) => void;
  readonly #pending = new Map<string, (reply: Extract<SnapshotMessage, { type: 'snapshot-reply' }> | undefined) => void>();
  /** The leader's last counts, as a follower heard them. */
  #heard: QueueSnapshot | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sentAt = 0;

  constructor(options: { tabId: string; intervalMs: number; post: (message: TabMessage) => void }) {
    this.#tabId = options.tabId;
    this.#intervalMs = options.intervalMs;
    this.#post = options.post;
  }

  /** The last counts a follower heard from the leader. */
  get heard(): QueueSnapshot | undefined {
    return this.#heard;
  }

  /** In the leader, after its queue changed: at most one `queue` note per interval, the latest one last. */
  queueChanged(read: () => QueueSnapshot | undefined): void {
    if (this.#timer !== undefined) return;
    const send = () => {
      this.#timer = undefined;
      this.#sentAt = Date.now();
      const snapshot = read();
      if (snapshot !== undefined) this.#post({ type: 'queue', snapshot });
    };
    const wait = this.#sentAt + this.#intervalMs - Date.now();
    if (wait <= 0) send();
    else this.#timer = setTimeout(send, wait);
  }

  /** `tw.snapshot()`: read here in the leader (`source`), else asked of the leader. */
  snapshot(role: TabRole, source: SnapshotSource | undefined): Promise<TaskweaveSnapshot> {
    const tab = { id: this.#tabId, role };
    if (source !== undefined) {
      return Promise.resolve({ at: Date.now(), tab, leaderTabId: this.#tabId, queue: source.queue(), pool: source.pool() });
    }
    const requestId = crypto.randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => answer(undefined), SNAPSHOT_TIMEOUT_MS);
      const answer = (reply: Extract<SnapshotMessage, { type: 'snapshot-reply' }> | undefined) => {
        clearTimeout(timer);
        this.#pending.delete(requestId);
        resolve(
          reply === undefined
            ? { at: Date.now(), tab, leaderTabId: undefined, queue: this.#heard, pool: undefined }
            : { at: reply.at, tab, leaderTabId: reply.leaderTabId, queue: reply.queue, pool: reply.pool },
        );
      };
      this.#pending.set(requestId, answer);
      this.#post({ type: 'snapshot', requestId });
    });
  }

  /** A note from another tab: the leader answers asks (`source` is set only there), followers take counts and answers. */
  onMessage(message: SnapshotMessage, source: SnapshotSource | undefined): void {
    switch (message.type) {
      case 'queue':
        if (source === undefined) this.#heard = message.snapshot;
        return;
      case 'snapshot':
        if (source !== undefined) {
          this.#post({ type: 'snapshot-reply', requestId: message.requestId, at: Date.now(), leaderTabId: this.#tabId, queue: source.queue(), pool: source.pool() });
        }
        return;
      case 'snapshot-reply':
        this.#pending.get(message.requestId)?.(message);
        return;
    }
  }

  /** Closing: pending asks answer with what this tab has, and no note goes out later. */
  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const answer of [...this.#pending.values()]) answer(undefined);
  }
}
