/**
 * Batch forming for the scheduler's ready queue: an executor's `BatchPolicy` checked once
 * (`resolveBatchPolicy`), the length-aware cut of a key's ready tasks into batches under one cost
 * model (`cutBySize`), and `BatchFormer`, which parks a keyed task until its group fills or its
 * window closes and then hands out the batch. The scheduler owns it (scheduler/state.ts); an
 * executor only says how its tasks batch.
 */
import type { Clock, BatchPolicy } from '../ports.js';
import { Heap } from './heap.js';
import { before, type QueueItem } from './taskQueue.js';
import { ValidationError } from '../errors.js';
import type { Task } from '../task.js';

/** A `BatchPolicy` checked once; `maxBatchSize` below 2 means nothing batches. */
export interface ResolvedBatchPolicy {
  key(task: Task): string | undefined;
  maxBatchSize: number;
  /** The most tasks a batch of `key` may hold now (1 to maxBatchSize). */
  maxSizeOf(key: string): number;
  windowMs: number;
  sizeHint: ((task: Task) => number) | undefined;
  /** Most size a batch holds padded (Infinity: no limit). */
  maxPaddedSize: number;
}

/**
 * How many ready tasks of a key, in queue order, one length-aware grouping looks at: this many
 * full batches' worth. They are sorted by size and cut into batches (`cutBySize`), and each of
 * those batches runs as soon as any of its tasks is the next the queue hands out, so a grouping
 * runs whole before any task after it: no task is passed over by more than the rest of its own
 * grouping (the fairness bound).
 */
export const SIZE_GROUPING_BATCHES = 4;

/**
 * The cost model `cutBySize` minimises, in size-hint units (characters of text, for the worker
 * package's hint): a batch pays every member padded to its longest, plus this much per member
 * (work that does not grow with the padding) and this much per call (a message each way, a
 * model run's fixed part). Measured for a small text-embedding model in WebAssembly: about
 * 0.3 ms per padded token (~4 characters), 0.8 ms per row, a few ms per call.
 */
export const ROW_COST = 12;
export const CALL_COST = 128;

/**
 * Cuts sizes sorted ascending into consecutive batches of at most `max` members and at most
 * `maxPadded` padded size (members × largest; one member alone may exceed it), so that the padded
 * cost (each batch: `CALL_COST + count × (ROW_COST + its largest size)`) is least; returns where
 * each batch ends (exclusive). Equal cuts of `max` pay for the longest member of a wide spread; a
 * shorter batch at the long end costs one call more and saves the padding of the rest.
 *
 * @example cutBySize([5, 6, 7, 400], 4) // [3, 4]: the 400 alone, the three short ones together
 */
export function cutBySize(sorted: readonly number[], max: number, maxPadded = Number.POSITIVE_INFINITY): number[] {
  const n = sorted.length;
  const best = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
  const from = new Int32Array(n + 1);
  best[0] = 0;
  for (let end = 1; end <= n; end++) {
    const largest = sorted[end - 1] as number;
    const row = ROW_COST + largest;
    // Longer batches first (start going down), stopping at the padded limit; on equal cost the
    // longest batch wins.
    for (let start = end - 1; start >= Math.max(0, end - max); start--) {
      if (start < end - 1 && (end - start) * largest > maxPadded) break;
      const cost = (best[start] as number) + CALL_COST + (end - start) * row;
      if (cost <= (best[end] as number)) {
        best[end] = cost;
        from[end] = start;
      }
    }
  }
  const ends: number[] = [];
  for (let end = n; end > 0; end = from[end] as number) ends.push(end);
  return ends.reverse();
}

/** Checks an executor's batching policy, naming the bad field. */
export function resolveBatchPolicy(policy: BatchPolicy | undefined, hasExecuteBatch: boolean): ResolvedBatchPolicy | undefined {
  if (policy === undefined) return undefined;
  const bad = (field: string, message: string) =>
    new ValidationError(`TaskScheduler: executor.batching.${field} ${message}`, [{ path: ['executor', 'batching', field], field: `executor.batching.${field}`, message }]);
  if (typeof policy.key !== 'function') throw bad('key', 'must be a function of the task');
  if (!Number.isInteger(policy.maxBatchSize) || policy.maxBatchSize < 1) throw bad('maxBatchSize', 'must be a whole number ≥ 1');
  if (typeof policy.windowMs !== 'number' || !(policy.windowMs >= 0)) throw bad('windowMs', 'must be a number ≥ 0');
  if (policy.maxBatchSize < 2) return undefined;
  if (!hasExecuteBatch) {
    throw new ValidationError('TaskScheduler: an executor with batching must implement executeBatch(tasks, contexts)', [
      { path: ['executor', 'executeBatch'], field: 'executor.executeBatch', message: 'required with batching' },
    ]);
  }
  if (policy.sizeHint !== undefined && typeof policy.sizeHint !== 'function') throw bad('sizeHint', 'must be a function of the task');
  if (policy.maxSizeOf !== undefined && typeof policy.maxSizeOf !== 'function') throw bad('maxSizeOf', 'must be a function of the key');
  const maxPaddedSize = policy.maxPaddedSize ?? Number.POSITIVE_INFINITY;
  if (typeof maxPaddedSize !== 'number' || !(maxPaddedSize > 0)) throw bad('maxPaddedSize', 'must be a number > 0');
  const sizeHint = policy.sizeHint;
  const maxBatchSize = policy.maxBatchSize;
  const maxSizeOf = policy.maxSizeOf;
  return {
    key: (task) => policy.key(task),
    maxBatchSize,
    maxSizeOf:
      maxSizeOf === undefined
        ? () => maxBatchSize
        : (key) => {
            const n = maxSizeOf.call(policy, key);
            return Number.isInteger(n) && n >= 1 ? Math.min(n, maxBatchSize) : maxBatchSize;
          },
    windowMs: policy.windowMs,
    sizeHint: sizeHint === undefined ? undefined : (task) => sizeHint(task),
    maxPaddedSize,
  };
}

/** Higher priority first, then earliest deadline, then submission order (the ready queue's order without ageing). */
function mateBefore(a: QueueItem, b: QueueItem): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return before(a, b);
}

interface Group<T> {
  key: string;
  /** The model its tasks name (the key includes it), for affinity. */
  modelId: string | undefined;
  /** Ready tasks of this key, best first (lazy removal: dead items drop when they reach the top). */
  mates: Heap<QueueItem<T>>;
  /** The same tasks in the order they became ready, for the window's start (lazy removal too). */
  byAge: QueueItem<T>[];
  ageHead: number;
  /** Live ready tasks of this key. */
  count: number;
  /** Items the ready queue handed out while the window was open; given back when it closes. */
  parked: QueueItem<T>[];
  /** Length-aware grouping: the batch each recently grouped task was planned into. */
  planned: Map<QueueItem<T>, QueueItem<T>[]>;
  timer: unknown;
}

/**
 * Forms batches from the scheduler's ready queue. Every ready task with a batch key is in the ready
 * queue and, here, in its key's group. When the queue hands out a task with a key (it is the best
 * task that could run now), its batch is formed at once if the group is full or its window (from
 * the oldest ready member) has passed: the task, then the best of its mates. Otherwise the task is
 * parked until the window closes or the group fills, and the scheduler goes on with the next ready
 * task, so a filling window never delays other work that could run now. Parked tasks go back into
 * the ready queue when their window closes, and take their turn by the queue's order (ageing too).
 *
 * @example
 * const former = new BatchFormer(policy, clock, isLive, requeue)
 * const batch = former.take(item, clock.now()) // undefined: parked until the window closes
 */
export class BatchFormer<T> {
  readonly #policy: ResolvedBatchPolicy;
  readonly #clock: Clock;
  readonly #isLive: (item: QueueItem<T>) => boolean;
  readonly #requeue: (items: readonly QueueItem<T>[]) => void;
  readonly #groups = new Map<string, Group<T>>();

  readonly #modelOf: (item: QueueItem<T>) => string | undefined;
  readonly #taskOf: (item: QueueItem<T>) => Task | undefined;

  constructor(
    policy: ResolvedBatchPolicy,
    clock: Clock,
    isLive: (item: QueueItem<T>) => boolean,
    requeue: (items: readonly QueueItem<T>[]) => void,
    modelOf: (item: QueueItem<T>) => string | undefined = () => undefined,
    taskOf: (item: QueueItem<T>) => Task | undefined = () => undefined,
  ) {
    this.#modelOf = modelOf;
    this.#taskOf = taskOf;
    this.#policy = policy;
    this.#clock = clock;
    this.#isLive = isLive;
    this.#requeue = requeue;
  }

  get maxBatchSize(): number {
    return this.#policy.maxBatchSize;
  }

  /** The batch key of a task, or undefined when it never batches. */
  keyOf(task: Task): string | undefined {
    return this.#policy.key(task);
  }

  /** A task of `key` became ready (it is in the ready queue too). */
  add(key: string, item: QueueItem<T>): void {
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = {
        key,
        modelId: this.#modelOf(item),
        mates: new Heap<QueueItem<T>>(mateBefore),
        byAge: [],
        ageHead: 0,
        count: 0,
        parked: [],
        planned: new Map(),
        timer: undefined,
      };
      this.#groups.set(key, group);
    }
    group.mates.push(item);
    group.byAge.push(item);
    group.count++;
    if (group.parked.length > 0 && group.count >= this.#policy.maxSizeOf(key)) this.#release(group);
  }

  /** A ready task of `key` left without running (cancelled, timed out). */
  drop(key: string): void {
    const group = this.#groups.get(key);
    if (group === undefined) return;
    group.count--;
    if (group.count <= 0) this.#forget(key, group);
  }

  /**
   * The ready queue handed out `item` (key `key`): returns its batch (item first, then its best
   * mates, all taken out of the group), or undefined when it waits for its window (parked).
   */
  take(key: string, item: QueueItem<T>, now: number): QueueItem<T>[] | undefined {
    const group = this.#groups.get(key);
    if (group === undefined) return [item];
    const max = this.#policy.maxSizeOf(key);
    const closesAt = this.#oldestReadyAt(group) + this.#policy.windowMs;
    if (group.count < max && now < closesAt) {
      group.parked.push(item);
      if (group.timer === undefined) {
        group.timer = this.#clock.setTimeout(() => {
          group.timer = undefined;
          this.#release(group);
        }, closesAt - now);
      }
      return undefined;
    }
    const batch = this.#policy.sizeHint === undefined || max === 1 ? this.#best(group, item, max) : this.#bySize(group, item, max);
    for (const member of batch) group.planned.delete(member);
    group.count -= batch.length;
    if (group.count <= 0) this.#forget(key, group);
    else if (group.parked.length > 0) this.#release(group);
    return batch;
  }

  /**
   * For affinity: the best ready task (priority ≥ `minPriority`) of a group whose model is in
   * `models` and whose batch would run now, with its key; undefined when there is none.
   */
  preferred(models: readonly string[], minPriority: number, now: number): { key: string; item: QueueItem<T> } | undefined {
    let best: { key: string; item: QueueItem<T> } | undefined;
    for (const [key, group] of this.#groups) {
      if (group.modelId === undefined || !models.includes(group.modelId)) continue;
      // Only a batch that would run now: not one whose window is still filling.
      if (group.count < this.#policy.maxSizeOf(key) && now < this.#oldestReadyAt(group) + this.#policy.windowMs) continue;
      const top = this.#top(group);
      if (top === undefined || top.priority < minPriority) continue;
      if (best === undefined || mateBefore(top, best.item)) best = { key, item: top };
    }
    return best;
  }

  /** Stops every window timer (the scheduler closed). */
  close(): void {
    for (const group of this.#groups.values()) {
      if (group.timer !== undefined) this.#clock.clearTimeout(group.timer);
      group.timer = undefined;
    }
    this.#groups.clear();
  }

  /** The item and its best mates (priority, deadline, submission order), taken out of the group. */
  #best(group: Group<T>, item: QueueItem<T>, max: number): QueueItem<T>[] {
    const batch = [item];
    const mates = group.mates;
    while (batch.length < max) {
      const next = mates.pop();
      if (next === undefined) break;
      if (next === item || !this.#isLive(next)) continue;
      batch.push(next);
    }
    return batch;
  }

  /**
   * Length-aware: the batch `item` was planned into, or a new plan — the next
   * `SIZE_GROUPING_BATCHES` batches' worth of ready tasks in queue order (item first), sorted by
   * size hint and cut into batches (`cutBySize`), so a batch pads its members to a similar length. Tasks not in
   * `item`'s batch stay ready (in the group and the queue) with their batch planned.
   */
  #bySize(group: Group<T>, item: QueueItem<T>, max: number): QueueItem<T>[] {
    const planned = group.planned.get(item)?.filter((member) => member === item || this.#isLive(member));
    if (planned !== undefined) return planned;
    const chunk: QueueItem<T>[] = [item];
    const mates = group.mates;
    const limit = max * SIZE_GROUPING_BATCHES;
    while (chunk.length < limit) {
      const next = mates.pop();
      if (next === undefined) break;
      if (next === item || !this.#isLive(next)) continue;
      chunk.push(next);
    }
    const size = this.#policy.sizeHint as (task: Task) => number;
    const sized = chunk.map((member, order) => ({ member, order, size: this.#sizeOf(member, size) }));
    sized.sort((a, b) => a.size - b.size || a.order - b.order);
    let mine: QueueItem<T>[] = [item];
    let at = 0;
    for (const end of cutBySize(sized.map((s) => s.size), max, this.#policy.maxPaddedSize)) {
      const members = sized.slice(at, end).map((s) => s.member);
      at = end;
      if (members.includes(item)) mine = members;
      else for (const member of members) group.planned.set(member, members);
    }
    // The rest of the chunk is still ready: back into the group's index.
    for (const member of chunk) if (!mine.includes(member)) mates.push(member);
    return mine;
  }

  #sizeOf(item: QueueItem<T>, size: (task: Task) => number): number {
    const task = this.#taskOf(item);
    if (task === undefined) return 0;
    const hint = size(task);
    return Number.isFinite(hint) ? hint : 0;
  }

  #top(group: Group<T>): QueueItem<T> | undefined {
    let top = group.mates.peek();
    while (top !== undefined && !this.#isLive(top)) {
      group.mates.pop();
      top = group.mates.peek();
    }
    return top;
  }

  #oldestReadyAt(group: Group<T>): number {
    const byAge = group.byAge;
    while (group.ageHead < byAge.length && !this.#isLive(byAge[group.ageHead] as QueueItem<T>)) group.ageHead++;
    if (group.ageHead > 64 && group.ageHead * 2 > byAge.length) {
      group.byAge = byAge.slice(group.ageHead);
      group.ageHead = 0;
    }
    const oldest = group.byAge[group.ageHead];
    return oldest === undefined ? this.#clock.now() : oldest.readyAt;
  }

  /** Gives the parked items back to the ready queue (the window closed or the group filled). */
  #release(group: Group<T>): void {
    if (group.timer !== undefined) this.#clock.clearTimeout(group.timer);
    group.timer = undefined;
    const parked = group.parked.filter((item) => this.#isLive(item));
    group.parked = [];
    if (parked.length > 0) this.#requeue(parked);
  }

  #forget(key: string, group: Group<T>): void {
    if (group.timer !== undefined) this.#clock.clearTimeout(group.timer);
    this.#groups.delete(key);
  }
}
