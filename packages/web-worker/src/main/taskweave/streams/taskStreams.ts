/**
 * The chunks (partial outputs) of tasks as one tab holds them, and their readers. The leader tab
 * fills it from its scheduler's `chunk` events; a follower from what the leader relays to it
 * (tabs/streamRelay.ts). A task's chunks stay while it runs and `gcTimeMs` after it ends, so a
 * late reader first gets what was emitted so far, then the rest as it comes; the stream ends when
 * the task ends.
 *
 * Chunks are numbered by the scheduler (0, 1, …). A run resumed from a checkpoint numbers on from
 * the checkpoint's count and emits again what came after it: an index already held is not taken
 * twice, so a reader sees every index once.
 */

interface Buffer {
  /** Index of `chunks[0]`. */
  first: number;
  chunks: unknown[];
  ended: boolean;
  readers: Set<() => void>;
  gcTimer: ReturnType<typeof setTimeout> | undefined;
}

/** What a reader learns of a task it asks about when no chunk of it is held. */
export type StreamLookup = 'running' | 'ended' | 'unknown';

export class TaskStreams {
  readonly #buffers = new Map<string, Buffer>();
  readonly #gcTimeMs: number;
  #closed = false;

  constructor(gcTimeMs: number) {
    this.#gcTimeMs = gcTimeMs;
  }

  #buffer(taskId: string): Buffer {
    let buffer = this.#buffers.get(taskId);
    if (buffer === undefined) {
      buffer = { first: 0, chunks: [], ended: false, readers: new Set(), gcTimer: undefined };
      this.#buffers.set(taskId, buffer);
    }
    return buffer;
  }

  /** Index of the next chunk this tab expects for the task (what it holds ends before it). */
  nextIndex(taskId: string): number {
    const buffer = this.#buffers.get(taskId);
    return buffer === undefined ? 0 : buffer.first + buffer.chunks.length;
  }

  has(taskId: string): boolean {
    return this.#buffers.has(taskId);
  }

  ended(taskId: string): boolean {
    return this.#buffers.get(taskId)?.ended === true;
  }

  /** Chunks from `from` on (those still held). */
  slice(taskId: string, from: number): { from: number; chunks: unknown[] } {
    const buffer = this.#buffers.get(taskId);
    if (buffer === undefined) return { from, chunks: [] };
    const start = Math.max(from, buffer.first);
    return { from: start, chunks: buffer.chunks.slice(start - buffer.first) };
  }

  /**
   * Takes chunks numbered from `from`: those below what is held are skipped (a resumed run's
   * repeats), a gap (chunks lost with a reload before the checkpoint was written) is closed by
   * numbering on from `from`.
   */
  put(taskId: string, from: number, chunks: readonly unknown[]): void {
    if (this.#closed || chunks.length === 0) return;
    const buffer = this.#buffer(taskId);
    if (buffer.ended) return;
    const next = buffer.first + buffer.chunks.length;
    if (buffer.chunks.length === 0 && from > next) buffer.first = from;
    const skip = Math.max(0, next - from);
    if (skip >= chunks.length) return;
    for (let i = skip; i < chunks.length; i++) buffer.chunks.push(chunks[i]);
    this.#wake(buffer);
  }

  /** The task ended: its readers finish what is held, and the chunks leave after `gcTimeMs`. */
  end(taskId: string): void {
    if (this.#closed) return;
    const buffer = this.#buffer(taskId);
    if (buffer.ended) return;
    buffer.ended = true;
    this.#wake(buffer);
    this.#scheduleGc(taskId, buffer);
  }

  #scheduleGc(taskId: string, buffer: Buffer): void {
    if (buffer.gcTimer !== undefined) clearTimeout(buffer.gcTimer);
    buffer.gcTimer = setTimeout(() => {
      if (buffer.readers.size > 0) return; // a reader still walks it: it goes when that one ends
      if (this.#buffers.get(taskId) === buffer) this.#buffers.delete(taskId);
    }, this.#gcTimeMs);
  }

  #wake(buffer: Buffer): void {
    for (const wake of [...buffer.readers]) wake();
  }

  /**
   * Reads the task's stream from its start (what is still held), then as it comes, until the task
   * ends. `lookup` is asked when nothing is held for the task: 'ended' ends the stream at once,
   * 'unknown' rejects with the error `unknown()` makes.
   */
  async *read(taskId: string, lookup: () => Promise<StreamLookup>, unknown: () => Error): AsyncGenerator<unknown, void, undefined> {
    if (!this.#buffers.has(taskId)) {
      const found = await lookup();
      if (found === 'unknown' && !this.#buffers.has(taskId)) throw unknown();
      if (found === 'ended' && !this.#buffers.has(taskId)) return;
    }
    const buffer = this.#buffer(taskId);
    let next = buffer.first;
    let wake: (() => void) | undefined;
    const reader = () => wake?.();
    buffer.readers.add(reader);
    try {
      for (;;) {
        if (this.#closed) return;
        next = Math.max(next, buffer.first);
        while (next < buffer.first + buffer.chunks.length) {
          yield buffer.chunks[next - buffer.first];
          next++;
        }
        if (buffer.ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      buffer.readers.delete(reader);
      if (buffer.ended && buffer.readers.size === 0) this.#scheduleGc(taskId, buffer);
    }
  }

  /** Drops every buffer and ends every reader. */
  close(): void {
    this.#closed = true;
    for (const buffer of this.#buffers.values()) {
      if (buffer.gcTimer !== undefined) clearTimeout(buffer.gcTimer);
      this.#wake(buffer);
    }
    this.#buffers.clear();
  }
}
