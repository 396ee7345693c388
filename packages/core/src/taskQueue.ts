import { Heap } from './heap.js';
import type { TaskId, TaskPriority } from './task.js';

/** A ready task as the queue sees it. `queued` turns false when it leaves (lazy removal). */
export interface QueueItem {
  readonly id: TaskId;
  readonly priority: TaskPriority;
  /** Epoch ms, or Infinity when the task has no deadline. */
  readonly deadline: number;
  readonly seq: number;
  /** When it became ready (dependencies done, or retry delay over). */
  readonly readyAt: number;
  queued: boolean;
}

const LEVELS = 4;
const TOP = LEVELS - 1;

function before(a: QueueItem, b: QueueItem): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

/** A FIFO with O(1) amortised shift (head index, compacted when half is dead). */
class Fifo {
  #items: QueueItem[] = [];
  #head = 0;
  push(item: QueueItem): void {
    this.#items.push(item);
  }
  peekLive(): QueueItem | undefined {
    while (this.#head < this.#items.length) {
      const item = this.#items[this.#head] as QueueItem;
      if (item.queued) return item;
      this.#head++;
    }
    if (this.#head > 0) {
      this.#items = [];
      this.#head = 0;
    }
    return undefined;
  }
  compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}

/**
 * The ready queue: priority first (Critical first), then earliest deadline, then submission
 * order.
 *
 * Ageing, so Low is never starved: a task that has waited `agingMs` in the queue counts one
 * level higher, two levels after `2 × agingMs`, and so on up to Critical. Among tasks of the
 * same effective level the ordinary order applies, except that aged tasks are taken oldest
 * first. `agingMs: Infinity` turns ageing off.
 */
export class TaskQueue {
  readonly #byOrder: Heap<QueueItem>[] = [];
  readonly #byAge: Fifo[] = [];
  readonly #agingMs: number;
  #size = 0;

  constructor(agingMs: number) {
    this.#agingMs = agingMs;
    for (let level = 0; level < LEVELS; level++) {
      this.#byOrder.push(new Heap(before));
      this.#byAge.push(new Fifo());
    }
  }

  get size(): number {
    return this.#size;
  }

  push(item: QueueItem): void {
    item.queued = true;
    (this.#byOrder[item.priority] as Heap<QueueItem>).push(item);
    if (Number.isFinite(this.#agingMs)) (this.#byAge[item.priority] as Fifo).push(item);
    this.#size++;
  }

  /** Takes `item` out; O(1), the structures drop it when it reaches their head. */
  remove(item: QueueItem): void {
    if (!item.queued) return;
    item.queued = false;
    this.#size--;
  }

  /** Removes and returns the next task to run at time `now`. */
  pop(now: number): QueueItem | undefined {
    if (this.#size === 0) return undefined;
    let best: QueueItem | undefined;
    let bestLevel = -1;
    const aging = Number.isFinite(this.#agingMs);
    for (let level = TOP; level >= 0; level--) {
      // Nothing below can beat a candidate already at the top level without ageing.
      if (!aging && best !== undefined) break;
      const head = this.#liveHead(level);
      if (head !== undefined && (level > bestLevel || (level === bestLevel && before(head, best as QueueItem)))) {
        best = head;
        bestLevel = level;
      }
      if (!aging) continue;
      const oldest = (this.#byAge[level] as Fifo).peekLive();
      if (oldest === undefined) continue;
      const effective = Math.min(TOP, level + Math.floor((now - oldest.readyAt) / this.#agingMs));
      if (effective > bestLevel || (effective === bestLevel && effective > level && oldest.readyAt < (best as QueueItem).readyAt)) {
        best = oldest;
        bestLevel = effective;
      }
    }
    if (best === undefined) return undefined;
    best.queued = false;
    this.#size--;
    (this.#byAge[best.priority] as Fifo).compact();
    return best;
  }

  #liveHead(level: number): QueueItem | undefined {
    const heap = this.#byOrder[level] as Heap<QueueItem>;
    let head = heap.peek();
    while (head !== undefined && !head.queued) {
      heap.pop();
      head = heap.peek();
    }
    return head;
  }
}
