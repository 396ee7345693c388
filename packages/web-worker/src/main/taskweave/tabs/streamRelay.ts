/**
 * Streams across tabs. Chunks (partial outputs) are payloads, and tabs exchange no payloads on
 * the shared channel: a follower that reads a task's stream asks the leader for it on the shared
 * channel (`stream`, from the index it holds), and the leader sends that task's chunks only to
 * that tab, on the tab's own channel (`taskweave:<name>:tab:<tabId>`), at most one message per
 * task every `CHUNK_RELAY_MS` (leading edge: a slow stream is not held back), then `ended` when
 * the task ends. Tabs that did not ask get nothing. A follower asks again when the lead changes,
 * from where it is (the chunks a resumed run repeats are skipped by index).
 *
 * Progress is not a payload: the leader posts each task's latest progress on the shared channel,
 * at most every `PROGRESS_RELAY_MS` per task, like the statuses the store's feed carries.
 */
import type { TaskId, TaskProgress } from '@taskweave/core';
import type { TabMessage } from './tabMessages.js';
import type { TaskStreams } from '../streams/taskStreams.js';

export const CHUNK_RELAY_MS = 16;
export const PROGRESS_RELAY_MS = 100;

/** What the leader sends on a follower's own channel. */
export interface ChunksMessage {
  type: 'chunks';
  taskId: TaskId;
  from: number;
  chunks: unknown[];
  /** The task ended: nothing more comes. */
  ended: boolean;
}

export function tabChannelName(name: string, tabId: string): string {
  return `taskweave:${name}:tab:${tabId}`;
}

interface Watch {
  /** Next index to send to each watching tab. */
  tabs: Map<string, number>;
  sentAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The leader's side: relays chunks to the tabs that asked, and progress to every tab. */
export class LeaderRelay {
  readonly #name: string;
  readonly #streams: TaskStreams;
  readonly #post: (message: TabMessage) => void;
  readonly #watches = new Map<TaskId, Watch>();
  readonly #channels = new Map<string, BroadcastChannel>();
  readonly #progress = new Map<TaskId, { latest: TaskProgress | undefined; sentAt: number; timer: ReturnType<typeof setTimeout> | undefined }>();

  constructor(name: string, streams: TaskStreams, post: (message: TabMessage) => void) {
    this.#name = name;
    this.#streams = streams;
    this.#post = post;
  }

  /** A follower asks for a task's chunks from `from` on; `state` says what this leader knows of the task. */
  watch(taskId: TaskId, tabId: string, from: number, state: 'running' | 'ended' | 'unknown'): void {
    if (state !== 'running' && !this.#streams.has(taskId)) {
      this.#send(tabId, { type: 'chunks', taskId, from, chunks: [], ended: true });
      return;
    }
    let watch = this.#watches.get(taskId);
    if (watch === undefined) {
      watch = { tabs: new Map(), sentAt: Number.NEGATIVE_INFINITY, timer: undefined };
      this.#watches.set(taskId, watch);
    }
    watch.tabs.set(tabId, from);
    this.#flush(taskId, watch);
  }

  /** New chunks (or the end) of a task this tab holds. */
  changed(taskId: TaskId): void {
    const watch = this.#watches.get(taskId);
    if (watch === undefined) return;
    if (this.#streams.ended(taskId)) {
      this.#flush(taskId, watch);
      return;
    }
    if (watch.timer !== undefined) return;
    const wait = watch.sentAt + CHUNK_RELAY_MS - performance.now();
    if (wait <= 0) this.#flush(taskId, watch);
    else watch.timer = setTimeout(() => this.#flush(taskId, watch), wait);
  }

  #flush(taskId: TaskId, watch: Watch): void {
    if (watch.timer !== undefined) clearTimeout(watch.timer);
    watch.timer = undefined;
    watch.sentAt = performance.now();
    const ended = this.#streams.ended(taskId);
    for (const [tabId, from] of watch.tabs) {
      const { from: start, chunks } = this.#streams.slice(taskId, from);
      if (chunks.length === 0 && !ended) continue;
      watch.tabs.set(tabId, start + chunks.length);
      this.#send(tabId, { type: 'chunks', taskId, from: start, chunks, ended });
    }
    if (ended) this.#watches.delete(taskId);
    if (this.#watches.size === 0) this.#closeChannels();
  }

  /** A task's progress, relayed at most every `PROGRESS_RELAY_MS` (its latest value). */
  progress(taskId: TaskId, progress: TaskProgress): void {
    let entry = this.#progress.get(taskId);
    if (entry === undefined) {
      entry = { latest: undefined, sentAt: Number.NEGATIVE_INFINITY, timer: undefined };
      this.#progress.set(taskId, entry);
    }
    entry.latest = progress;
    if (entry.timer !== undefined) return;
    const send = (e: NonNullable<typeof entry>) => {
      e.timer = undefined;
      if (e.latest === undefined) return;
      e.sentAt = performance.now();
      this.#post({ type: 'progress', taskId, ...e.latest });
      e.latest = undefined;
    };
    const wait = entry.sentAt + PROGRESS_RELAY_MS - performance.now();
    if (wait <= 0) send(entry);
    else {
      const e = entry;
      e.timer = setTimeout(() => send(e), wait);
    }
  }

  /** A task ended: its pending progress goes now, and its bookkeeping is dropped. */
  ended(taskId: TaskId): void {
    const entry = this.#progress.get(taskId);
    if (entry !== undefined) {
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      if (entry.latest !== undefined) this.#post({ type: 'progress', taskId, ...entry.latest });
      this.#progress.delete(taskId);
    }
    this.changed(taskId);
  }

  #send(tabId: string, message: ChunksMessage): void {
    let channel = this.#channels.get(tabId);
    if (channel === undefined) {
      channel = new BroadcastChannel(tabChannelName(this.#name, tabId));
      this.#channels.set(tabId, channel);
    }
    try {
      channel.postMessage(message);
    } catch {
      // A chunk structured clone refuses cannot cross: that tab's reader misses it (the leader's has it).
    }
  }

  #closeChannels(): void {
    for (const channel of this.#channels.values()) channel.close();
    this.#channels.clear();
  }

  close(): void {
    for (const watch of this.#watches.values()) if (watch.timer !== undefined) clearTimeout(watch.timer);
    for (const entry of this.#progress.values()) if (entry.timer !== undefined) clearTimeout(entry.timer);
    this.#watches.clear();
    this.#progress.clear();
    this.#closeChannels();
  }
}

/** A follower's side: asks the leader for the streams its readers read, and takes what comes. */
export class FollowerRelay {
  readonly #streams: TaskStreams;
  readonly #post: (message: TabMessage) => void;
  readonly #tabId: string;
  readonly #inbox: BroadcastChannel;
  /** Tasks whose stream this tab reads and that have not ended. */
  readonly #asked = new Set<TaskId>();
  readonly #onChange: (taskId: TaskId) => void;

  constructor(name: string, tabId: string, streams: TaskStreams, post: (message: TabMessage) => void, onChange: (taskId: TaskId) => void) {
    this.#streams = streams;
    this.#post = post;
    this.#tabId = tabId;
    this.#onChange = onChange;
    this.#inbox = new BroadcastChannel(tabChannelName(name, tabId));
    this.#inbox.onmessage = (event: MessageEvent<ChunksMessage>) => this.#take(event.data);
  }

  /** Asks the leader for the task's chunks from what this tab holds on. */
  ask(taskId: TaskId): void {
    this.#asked.add(taskId);
    this.#post({ type: 'stream', taskId, tabId: this.#tabId, from: this.#streams.nextIndex(taskId) });
  }

  /** The lead changed: ask the new leader for every stream still read. */
  askAgain(): void {
    for (const taskId of this.#asked) this.ask(taskId);
  }

  /** The streams this tab asked for and that have not ended (a tab that takes the lead checks them itself). */
  open(): TaskId[] {
    return [...this.#asked];
  }

  #take(message: ChunksMessage): void {
    if (message?.type !== 'chunks') return;
    this.#streams.put(message.taskId, message.from, message.chunks);
    if (message.ended) {
      this.#asked.delete(message.taskId);
      this.#streams.end(message.taskId);
    }
    this.#onChange(message.taskId);
  }

  close(): void {
    this.#asked.clear();
    this.#inbox.close();
  }
}
