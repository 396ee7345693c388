import { Heap } from './heap.js';
import type { TaskId, TaskPriority } from '../task.js';

/**
 * A ready task as the queue sees it, with the `owner` it stands for (the scheduler's entry).
 * `queued` turns false when it leaves (lazy removal).
 */
export interface QueueItem<T = unknown> {
  readonly owner: T;
  readonly id: TaskId;
  readonly priority: TaskPriority;
  /**
   * Epoch ms; undefined when the task has no deadline. Not Infinity: a number field holding
   * Infinity is a heap number allocated with each item, undefined is not — 100,000 tasks queued
   * held 1.6 MB less (82.6 → 81.0 MB heap used after `gc()`, bench:scheduler's task shape).
   */
  readonly deadline: number | undefined;
  readonly seq: number;
  /** When it became ready (dependencies done, or retry delay over). */
  readonly readyAt: number;
  queued: boolean;
}

const LEVELS = 4;
const TOP = LEVELS - 1;

/** Earliest deadline first (none: after every deadline), then submission order. */
export function before(a: QueueItem, b: QueueItem): boolean {
  const da = a.deadline;
  const db = b.deadline;
  if (da === db) return a.seq < b.seq;
  if (da === undefined) return false;
  return db === undefined || da < db;
}

/** A FIFO with O(1) amortised shift (head index, compacted when half is dead). */
class Fifo<T> {
  #items: QueueItem<T>[] = [];
  #head = 0;
  /** `seq` of the last item pushed. */
  lastSeq = -Infinity;
  push(item: QueueItem<T>): void {
    this.#items.push(item);
    this.lastSeq = item.seq;
  }
  /** Items still held, queued or not yet dropped. */
  get held(): number {
    return this.#items.length - this.#head;
  }
  peekLive(): QueueItem<T> | undefined {
    const items = this.#items;
    while (this.#head < items.length) {
      const item = items[this.#head] as QueueItem<T>;
      if (item.queued) {
        if (this.#head > 1024 && this.#head * 2 > items.length) {
          this.#items = items.slice(this.#head);
          this.#head = 0;
        }
        return item;
      }
      this.#head++;
    }
    if (this.#head > 0) {
      this.#items = [];
      this.#head = 0;
    }
    return undefined;
  }
}

/**
 * One priority level: tasks without a deadline that arrive in submission order (the common
 * case) wait in a FIFO, O(1) both ways; the rest (deadlines, retries and dependents that
 * arrive after newer tasks) in a heap. The level's next task is the better of the two heads.
 */
class Level<T> {
  readonly lane = new Fifo<T>();
  readonly heap = new Heap<QueueItem<T>>(before);
  push(item: QueueItem<T>): void {
    if (item.deadline === undefined && item.seq > this.lane.lastSeq) this.lane.push(item);
    else this.heap.push(item);
  }
  head(): QueueItem<T> | undefined {
    const heap = this.heap;
    let fromHeap = heap.peek();
    while (fromHeap !== undefined && !fromHeap.queued) {
      heap.pop();
      fromHeap = heap.peek();
    }
    const fromLane = this.lane.peekLive();
    if (fromHeap === undefined) return fromLane;
    if (fromLane === undefined) return fromHeap;
    return before(fromLane, fromHeap) ? fromLane : fromHeap;
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
export class TaskQueue<T> {
  readonly #byOrder: Level<T>[] = [];
  readonly #byAge: Fifo<T>[] = [];
  readonly #agingMs: number;
  #size = 0;
  /**
   * No queued task became ready before this (a lower bound, exact after each full look): until
   * `agingMs` past it no task can have aged a level, and a pop takes the top level's head alone.
   */
  #readySince = Number.POSITIVE_INFINITY;

  constructor(agingMs: number) {
    this.#agingMs = agingMs;
    for (let level = 0; level < LEVELS; level++) {
      this.#byOrder.push(new Level<T>());
      this.#byAge.push(new Fifo<T>());
    }
  }

  get size(): number {
    return this.#size;
  }

  /** Items the structures still hold, queued or not yet dropped (lazy removal): what memory keeps. */
  get held(): number {
    let held = 0;
    for (let level = 0; level < LEVELS; level++) {
      const byOrder = this.#byOrder[level] as Level<T>;
      held += byOrder.lane.held + byOrder.heap.size + (this.#byAge[level] as Fifo<T>).held;
    }
    return held;
  }

  push(item: QueueItem<T>): void {
    item.queued = true;
    (this.#byOrder[item.priority] as Level<T>).push(item);
    if (Number.isFinite(this.#agingMs)) {
      (this.#byAge[item.priority] as Fifo<T>).push(item);
      if (item.readyAt < this.#readySince) this.#readySince = item.readyAt;
    }
    this.#size++;
  }

  /** Takes `item` out; O(1), the structures drop it when it reaches their head. */
  remove(item: QueueItem<T>): void {
    if (!item.queued) return;
    item.queued = false;
    this.#size--;
  }

  /** Removes and returns the next task to run at time `now`. */
  pop(now: number): QueueItem<T> | undefined {
    if (this.#size === 0) return undefined;
    let best: QueueItem<T> | undefined;
    let bestLevel = -1;
    // Ageing can only matter once the oldest queued task waited `agingMs`: the full look below,
    // which also learns how long the oldest one has waited now.
    const aging = now - this.#readySince >= this.#agingMs;
    if (aging) this.#readySince = Number.POSITIVE_INFINITY;
    for (let level = TOP; level >= 0; level--) {
      // Nothing below can beat a candidate already at the top level without ageing.
      if (!aging && best !== undefined) break;
      const head = (this.#byOrder[level] as Level<T>).head();
      if (head !== undefined && (level > bestLevel || (level === bestLevel && before(head, best as QueueItem<T>)))) {
        best = head;
        bestLevel = level;
      }
      if (!aging) continue;
      const oldest = (this.#byAge[level] as Fifo<T>).peekLive();
      if (oldest === undefined) continue;
      if (oldest.readyAt < this.#readySince) this.#readySince = oldest.readyAt;
      const effective = Math.min(TOP, level + Math.floor((now - oldest.readyAt) / this.#agingMs));
      if (effective > bestLevel || (effective === bestLevel && effective > level && oldest.readyAt < (best as QueueItem<T>).readyAt)) {
        best = oldest;
        bestLevel = effective;
      }
    }
    if (best === undefined) return undefined;
    best.queued = false;
    this.#size--;
    // Without the full look, the level's age order still drops what left it (bounded memory).
    if (!aging && Number.isFinite(this.#agingMs)) (this.#byAge[best.priority] as Fifo<T>).peekLive();
    return best;
  }
}
