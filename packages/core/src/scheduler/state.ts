/**
 * The one state object the scheduler's parts (admission, dispatch, settlement, recovery,
 * retention) share, and `move`: how an action reaches an entry and everything kept in step with
 * it (queue, counters, events, store).
 */
import { TaskweaveError, toTaskweaveError } from '../errors.js';
import type { SchedulerEvent } from '../events.js';
import type { TaskRecord } from '../ports.js';
import { BatchFormer, resolveBatchPolicy } from '../queue/batching.js';
import { TaskQueue, type QueueItem } from '../queue/taskQueue.js';
import { StoreWriter } from '../store/storeWriter.js';
import { Subscribable } from '../subscribable.js';
import type { TaskId, TaskResult, TaskStatus } from '../task.js';
import { DependencyGraph } from './dependencyGraph.js';
import type { Action, Entry } from './entry.js';
import { GcQueue } from './gcQueue.js';
import type { ResolvedSchedulerOptions } from './options.js';
import { QueueCounters } from './queueCounters.js';
import { transition } from './transition.js';

export const RESOLVED = Promise.resolve();

/** What the scheduler knows and counts, shared by its parts (each keeps only its own timer or flag). */
export interface SchedulerState {
  readonly options: ResolvedSchedulerOptions;
  /** The ready queue: priority, ageing, deadline, submission order. */
  readonly queue: TaskQueue<Entry>;
  /** Batch groups of ready tasks; undefined when the executor does not batch. */
  readonly former: BatchFormer<Entry> | undefined;
  readonly graph: DependencyGraph;
  readonly events: Subscribable<SchedulerEvent>;
  /** Every task held in memory: unfinished ones, and finished ones until they leave (`finished`). */
  readonly entries: Map<TaskId, Entry>;
  /** Ids taken by submits still awaiting the store, so concurrent submits cannot take them. */
  readonly reserved: Set<string>;
  readonly counters: QueueCounters;
  readonly idleWaiters: Set<() => void>;
  readonly writes: StoreWriter;
  /** Finished entries in memory, leaving by `gcTimeMs` and `maxFinishedInMemory`. */
  readonly finished: GcQueue<Entry>;
  /** Asks for a pump of the ready queue (dispatch installs it). */
  wake: () => void;
  seq: number;
  /** Tasks not ended yet. */
  active: number;
  /** Tasks ended in memory whose end is not durable (not announced) yet. */
  unannounced: number;
  /** Submits between validation and admission (their records are being written). */
  submitting: number;
  busySlots: number;
  /** Calls decided whose durable start write is not done yet (not handed to the executor). */
  starting: number;
  snapshotScheduled: boolean;
  closed: boolean;
  /** The store's unfinished tasks are queued again (`ready()` resolved or about to). */
  recovered: boolean;
}

/** The state of a new scheduler: nothing held, nothing counted. */
export function createState(options: ResolvedSchedulerOptions): SchedulerState {
  const { executor, clock } = options;
  const policy = resolveBatchPolicy(executor.batching, typeof executor.executeBatch === 'function');
  const s: SchedulerState = {
    options,
    queue: new TaskQueue<Entry>(options.agingMs),
    former:
      policy === undefined
        ? undefined
        : new BatchFormer<Entry>(
            policy,
            clock,
            (item) => item.owner.item === item && item.owner.phase === 'ready',
            (items) => {
              for (const item of items) s.queue.push(item);
              s.wake();
            },
            (item) => item.owner.task.modelId,
            (item) => item.owner.task,
          ),
    graph: new DependencyGraph(),
    events: new Subscribable<SchedulerEvent>(),
    entries: new Map(),
    reserved: new Set(),
    counters: new QueueCounters(),
    idleWaiters: new Set(),
    writes: new StoreWriter(options.store, (error, records) => onWriteError(s, error, records)),
    finished: new GcQueue<Entry>({
      gcTimeMs: options.gcTimeMs,
      maxItems: options.maxFinishedInMemory,
      clock,
      evict: (entry) => {
        if (s.entries.get(entry.task.id) === entry) s.entries.delete(entry.task.id);
      },
    }),
    wake: () => undefined,
    seq: 0,
    active: 0,
    unannounced: 0,
    submitting: 0,
    busySlots: 0,
    starting: 0,
    snapshotScheduled: false,
    closed: false,
    recovered: false,
  };
  return s;
}

/**
 * Every phase/status change of a held task goes through here: `transition` changes the entry, and
 * this keeps the rest in step — the ready queue, the counters, the status event, the store's
 * record of a task back in line.
 */
export function move(s: SchedulerState, entry: Entry, action: Action): void {
  const previous = entry.status;
  const previousPhase = entry.phase;
  // The attempt a retry or split leaves behind reports nothing more.
  const ending = action.type === 'retry' || action.type === 'split' ? entry.current : undefined;
  transition(entry, action);
  ending?.end();
  if (action.type === 'enqueue' || action.type === 'split') enqueue(s, entry);
  s.counters.move(entry.task.priority, previous, previousPhase, entry.status, entry.phase);
  if (previous !== entry.status) {
    if (entry.phase === 'done') s.active--;
    // A settled task's status event waits for its durable end (settlement announces it).
    if (action.type !== 'settle') emitStatus(s, entry, previous);
  }
  // Running is recorded by dispatch (one durable write per call, before the executor has the
  // task); a task back in the queue is recorded Pending again.
  if (action.type === 'retry' || action.type === 'split') persistState(s, entry);
  scheduleSnapshot(s);
}

/** Puts a ready entry in the ready queue, and in its batch group when it batches. */
function enqueue(s: SchedulerState, entry: Entry): void {
  const item: QueueItem<Entry> = {
    owner: entry,
    id: entry.task.id,
    priority: entry.task.priority,
    // A stored task's Infinity (no schema lets a submit give one) is no deadline too, as it was.
    deadline: entry.task.deadline === Number.POSITIVE_INFINITY ? undefined : entry.task.deadline,
    seq: entry.seq,
    readyAt: entry.readyAt,
    queued: false,
  };
  entry.item = item;
  s.queue.push(item);
  const former = s.former;
  if (former !== undefined && !entry.solo) {
    const key = former.keyOf(entry.task);
    entry.batchKey = key;
    if (key !== undefined) former.add(key, item);
  }
  s.wake();
}

/** The stored form of an entry now (with its result once terminal). */
export function record(entry: Entry, now: number, result?: TaskResult): TaskRecord {
  const stored: TaskRecord = { task: entry.task, status: entry.status, seq: entry.seq, updatedAt: now };
  if (result !== undefined) stored.result = result;
  if (entry.interruptions > 0) stored.interruptions = entry.interruptions;
  if (entry.checkpoint !== undefined && result === undefined) stored.checkpoint = entry.checkpoint;
  return stored;
}

/** Writes an entry's current state (not its end: settlement writes that, and waits for it). */
export function persistState(s: SchedulerState, entry: Entry, now: number = s.options.clock.now()): void {
  if (s.closed) return;
  // A refusal reaches onError (an `error` event); nobody awaits this write, so it must not also
  // surface as an unhandled rejection.
  s.writes.write(record(entry, now)).catch(() => undefined);
}

/** `store.getMany`, read once more when a corrupt record was quarantined (it then reads as absent). */
export async function readMany(s: SchedulerState, ids: readonly TaskId[]): Promise<(TaskRecord | undefined)[]> {
  const store = s.options.store;
  try {
    return await store.getMany(ids);
  } catch (error) {
    if (!(error instanceof TaskweaveError && error.code === 'persistence' && error.details?.['reason'] === 'corrupt')) throw error;
    s.events.emit({ type: 'error', error });
    return store.getMany(ids);
  }
}

/** A batch the store refused: status changes in it are reported (submits reject on their own). */
function onWriteError(s: SchedulerState, error: unknown, records: readonly TaskRecord[]): void {
  const failure = toTaskweaveError(error);
  for (const stored of records) {
    if (!s.entries.has(stored.task.id)) continue; // a submit's own record: that submit rejects
    s.events.emit({ type: 'error', error: failure, taskId: stored.task.id });
  }
}

/** Resolves `onIdle()` callers once nothing is unfinished, unannounced or being submitted. */
export function maybeIdle(s: SchedulerState): void {
  if (s.active > 0 || s.unannounced > 0 || s.submitting > 0 || s.idleWaiters.size === 0) return;
  const waiters = [...s.idleWaiters];
  s.idleWaiters.clear();
  for (const resolve of waiters) resolve();
}

export function emitStatus(s: SchedulerState, entry: Entry, previous: TaskStatus | undefined): void {
  if (!s.events.hasListeners()) return;
  s.events.emit({
    type: 'status',
    taskId: entry.task.id,
    status: entry.status,
    previousStatus: previous,
    task: entry.task,
    ...(entry.result === undefined ? {} : { result: entry.result }),
  });
}

/** One `queue` event per turn, whatever the number of changes in it. */
export function scheduleSnapshot(s: SchedulerState): void {
  if (s.snapshotScheduled || !s.events.hasListeners()) return;
  s.snapshotScheduled = true;
  void RESOLVED.then(() => {
    s.snapshotScheduled = false;
    s.events.emit({ type: 'queue', snapshot: s.counters.snapshot(s.options.concurrency) });
  });
}
