/**
 * Starting work: the pump takes ready tasks from the queue (batches, model affinity, placement),
 * records their start durably, and only then hands them to the executor.
 */
import { PersistenceError, TaskweaveError, TimeoutError, toTaskweaveError } from '../errors.js';
import type { BatchOutcome, Executor, FreeWorkers, TaskRecord } from '../ports.js';
import type { QueueItem } from '../queue/taskQueue.js';
import { TaskStatus, isTerminalStatus, type Task, type TaskId, type TaskOutput, type TaskResult } from '../task.js';
import { Attempt } from './attempt.js';
import type { Entry } from './entry.js';
import type { Reports } from './reports.js';
import { NONE, UNFINISHED, type Settlement } from './settlement.js';
import { RESOLVED, move, readMany, record, type SchedulerState } from './state.js';

/** The dependency results of a task that depends on nothing (shared: an attempt context never owns it). */
const NO_RESULTS: readonly TaskResult[] = Object.freeze([]);
/**
 * A call whose start write is in flight: its members and their attempts, in order. The argument
 * the writer hands back to `#started`/`#notStarted` (one small object per call, no closures).
 */
interface Starting {
  readonly live: Entry[];
  readonly contexts: Attempt[];
}

/** Still the attempt the start was written for: not cancelled, timed out or closed meanwhile. */
function handed(entry: Entry, ctx: Attempt): boolean {
  return entry.phase === 'running' && entry.current === ctx;
}

function allHanded(entries: readonly Entry[], contexts: readonly Attempt[]): boolean {
  for (let i = 0; i < entries.length; i++) if (!handed(entries[i] as Entry, contexts[i] as Attempt)) return false;
  return true;
}

/** Most ready tasks one pump leaves in the queue because `executor.place` has no slot for them. */
const PLACE_LOOKAHEAD = 16;

/** Runs the ready queue on the executor within `concurrency` (and what the executor has free). */
export class Dispatch {
  readonly #s: SchedulerState;
  readonly #settlement: Settlement;
  readonly #reports: Reports;
  #pumpScheduled = false;

  constructor(state: SchedulerState, settlement: Settlement, reports: Reports) {
    this.#s = state;
    this.#settlement = settlement;
    this.#reports = reports;
    state.wake = () => this.schedule();
  }

  /** The scheduled pump (one function for the scheduler's life, not a closure per schedule). */
  readonly #scheduledPump = (): void => {
    this.#pumpScheduled = false;
    this.#pump();
  };

  /** Pumps at the end of this microtask turn (once, however many ask). */
  schedule(): void {
    if (this.#pumpScheduled || this.#s.closed) return;
    this.#pumpScheduled = true;
    // A resolved promise, not queueMicrotask: Node wraps each queueMicrotask in an AsyncResource.
    void RESOLVED.then(this.#scheduledPump);
  }

  /**
   * A call just ended and its end was handled: fills the freed slot now, in the same turn, unless
   * a pump is scheduled anyway. (Scheduling one per ended task was a promise, a reaction and a
   * microtask for every task.) Never called from inside `#pump`: only from a call's settlement.
   */
  #pumpAfterEnd(): void {
    if (!this.#pumpScheduled) this.#pump();
  }

  #pump(): void {
    const s = this.#s;
    const executor = s.options.executor;
    if (s.closed || s.queue.size === 0) return;
    let slots = s.options.concurrency - s.busySlots;
    // Only what the executor can start now: a task never waits inside it, it stays Pending here.
    if (executor.available !== undefined) slots = Math.min(slots, executor.available() - s.starting);
    if (slots <= 0) return;
    // One clock read per pump: the starts below happen in the same synchronous turn.
    const now = s.options.clock.now();
    const former = s.former;
    const free = former === undefined || executor.freeWorkers === undefined ? undefined : executor.freeWorkers();
    const place = executor.place;
    let deferred: QueueItem<Entry>[] | undefined;
    while (!s.closed && slots > 0) {
      let item = s.queue.pop(now);
      if (item === undefined) break;
      const entry = item.owner;
      if (entry.item !== item || entry.phase !== 'ready') continue;
      let key = entry.batchKey;
      if (free !== undefined) [item, key] = this.#withAffinity(item, key, free, now);
      let placed: Readonly<Record<string, string>> | undefined;
      if (place !== undefined) {
        placed = place.call(executor, item.owner.task);
        if (placed === undefined) {
          // No slot of its kind now: it stays Pending, in line, and the next ones are asked.
          (deferred ??= []).push(item);
          if (deferred.length >= PLACE_LOOKAHEAD) break;
          continue;
        }
      }
      if (former === undefined || key === undefined) {
        if (this.#startCall([item.owner], now, placed)) {
          slots--;
          free?.take(item.owner.task.modelId, 1);
        }
        continue;
      }
      // Parked (undefined) while its window fills; the loop goes on with other ready work.
      const batch = former.take(key, item, now);
      if (batch === undefined) continue;
      const entries: Entry[] = [];
      for (const member of batch) {
        s.queue.remove(member);
        member.owner.batchKey = undefined; // taken out of its group
        entries.push(member.owner);
      }
      if (this.#startCall(entries, now, placed)) {
        slots--;
        free?.take(item.owner.task.modelId, entries.length);
      }
    }
    if (deferred !== undefined) for (const item of deferred) s.queue.push(item);
  }

  /**
   * Model affinity: when no free worker holds the model of the task the queue handed out, a batch
   * of equal or higher priority whose model a free worker does hold goes first, and the task goes
   * back to the queue — for at most `agingMs` (then it is taken as it is), so it waits for a
   * holder rather than make another worker load its model. Which worker a call then takes is the
   * executor's decision (`free.take` when it starts).
   */
  #withAffinity(item: QueueItem<Entry>, key: string | undefined, free: FreeWorkers, now: number): [QueueItem<Entry>, string | undefined] {
    const s = this.#s;
    const modelId = item.owner.task.modelId;
    const models = free.models;
    if (modelId === undefined || models.length === 0) return [item, key];
    if (models.some((held) => held.includes(modelId)) || now - item.readyAt >= s.options.agingMs) return [item, key];
    for (const held of models) {
      const alternative = s.former?.preferred(held, item.priority, now);
      if (alternative === undefined || alternative.item === item) continue;
      s.queue.push(item); // back in line: it was handed out but not taken
      s.queue.remove(alternative.item);
      return [alternative.item, alternative.key];
    }
    return [item, key];
  }

  /**
   * Starts one executor call for `entries` (one task, or a batch): Running in memory now, Running in
   * the store by one durable write, and only then handed to the executor, so a task the executor
   * has is never recorded Pending. Returns whether a call was started (false: all past deadline).
   */
  #startCall(entries: Entry[], now: number, placed?: Readonly<Record<string, string>>): boolean {
    const s = this.#s;
    // Lists made at their final size and filled in one plain loop, no `map`/`filter` callbacks:
    // this runs once per call, and on bench:scheduler #startCall was the largest allocation site
    // (1.3 KB of the scheduler's 6.5 KB per task, measured with V8's sampling heap profiler).
    const n = entries.length;
    const live: Entry[] = new Array(n);
    const contexts: Attempt[] = new Array(n);
    const records: TaskRecord[] = new Array(n);
    let k = 0;
    for (const entry of entries) {
      const ctx = this.#begin(entry, now, placed);
      if (ctx === undefined) continue;
      live[k] = entry;
      contexts[k] = ctx;
      records[k++] = record(entry, now);
    }
    if (k === 0) return false;
    if (k < n) live.length = contexts.length = records.length = k;
    s.busySlots++;
    s.starting++;
    // A compare-and-set: a task that another writer ended in the store meanwhile (a tab cancelled
    // it) is not started. Whoever commits first wins; the loser learns it from the store.
    void s.writes.writeIfThen(records, UNFINISHED, { live, contexts } satisfies Starting, this.#started, this.#notStarted);
    return true;
  }

  /** The start write of a call is done: the members it wrote go to the executor, the others ended elsewhere. */
  readonly #started = (written: boolean[], { live, contexts }: Starting): void => {
    this.#s.starting--;
    if (written.every(Boolean)) {
      this.#call(live, contexts);
      return;
    }
    const refused: Entry[] = [];
    const refusedContexts: Attempt[] = [];
    const members: Entry[] = [];
    const memberContexts: Attempt[] = [];
    for (let i = 0; i < live.length; i++) {
      if (written[i] === true) {
        members.push(live[i] as Entry);
        memberContexts.push(contexts[i] as Attempt);
      } else {
        refused.push(live[i] as Entry);
        refusedContexts.push(contexts[i] as Attempt);
      }
    }
    void this.#endedElsewhere(refused, refusedContexts);
    this.#call(members, memberContexts);
  };

  /** The store refused a call's start write: its attempts fail (retried by the rules). */
  readonly #notStarted = (error: unknown, { live, contexts }: Starting): void => {
    const s = this.#s;
    s.starting--;
    s.busySlots--;
    const failure = toTaskweaveError(error);
    for (let i = 0; i < live.length; i++) {
      const entry = live[i] as Entry;
      if (!s.closed && entry.phase === 'running' && entry.current === contexts[i]) this.#settlement.failAttempt(entry, failure);
    }
    this.schedule();
  };

  /** Running now, with a new attempt context; undefined (and Timeout) when its deadline passed. */
  #begin(entry: Entry, now: number, placed?: Readonly<Record<string, string>>): Attempt | undefined {
    let task = entry.task;
    if (task.deadline !== undefined && now >= task.deadline) {
      this.#settlement.settle(entry, TaskStatus.Timeout, NONE, new TimeoutError(`Task ${task.id} reached its deadline before it started`));
      return undefined;
    }
    // What the executor decided at the start (where it runs) goes into the Running record.
    if (placed !== undefined) {
      for (const k in placed) {
        if (task.metadata[k] === placed[k]) continue;
        task = entry.task = { ...task, metadata: { ...task.metadata, ...placed } };
        break;
      }
    }
    move(this.#s, entry, { type: 'start', at: now });
    const deps = task.dependencies;
    // Most tasks depend on nothing: they share one frozen empty list.
    let dependencies: readonly TaskResult[] = NO_RESULTS;
    if (deps.length > 0) {
      const results: TaskResult[] = [];
      for (let i = 0; i < deps.length; i++) {
        const dep = deps[i] as TaskId;
        const result = entry.depResults?.get(dep) ?? this.#s.entries.get(dep)?.result;
        if (result !== undefined) results.push(result);
      }
      dependencies = results;
    }
    const ctx = new Attempt(entry.attempt, dependencies, entry, this.#reports);
    entry.current = ctx;
    // A run after a checkpoint numbers its chunks on from there (a stream reader skips those it has).
    entry.chunks = entry.checkpoint?.chunks ?? 0;
    entry.progress = entry.checkpoint?.progress;
    return ctx;
  }

  /** Tasks whose start the store refused: another writer ended them there, so they end so here. */
  async #endedElsewhere(entries: Entry[], contexts: Attempt[]): Promise<void> {
    const s = this.#s;
    let records: (TaskRecord | undefined)[];
    try {
      records = await readMany(s, entries.map((entry) => entry.task.id));
    } catch (error) {
      records = [];
      s.events.emit({ type: 'error', error: toTaskweaveError(error) });
    }
    entries.forEach((entry, i) => {
      if (s.closed || entry.phase !== 'running' || entry.current !== contexts[i]) return;
      const stored = records[i];
      if (stored !== undefined && isTerminalStatus(stored.status)) this.#settlement.takeEnd(entry, stored);
      else if (stored !== undefined) move(s, entry, { type: 'split', at: s.options.clock.now() }); // changed back meanwhile: try again
      else {
        const id = entry.task.id;
        this.#settlement.settle(entry, TaskStatus.Failed, NONE, new PersistenceError('unavailable', `Task ${id} is no longer in the store; it was not started`, { details: { taskId: id } }));
      }
    });
  }

  /** Hands a started call to the executor: `execute` for one task, `executeBatch` for several; one settlement for both. */
  #call(entries: Entry[], contexts: Attempt[]): void {
    const s = this.#s;
    let members = entries;
    let ctxs = contexts;
    // A member cancelled (or timed out) while its start was being written is not handed over.
    if (!allHanded(entries, contexts)) {
      members = [];
      ctxs = [];
      for (let i = 0; i < entries.length; i++) {
        if (!handed(entries[i] as Entry, contexts[i] as Attempt)) continue;
        members.push(entries[i] as Entry);
        ctxs.push(contexts[i] as Attempt);
      }
    }
    if (s.closed || members.length === 0) {
      this.#releaseSlot();
      return;
    }
    for (const ctx of ctxs) ctx.handed = true;
    const executor = s.options.executor;
    // One task is a batch of one: `execute` answers for it, and its failure is its own (charged),
    // whether it rejects or throws; only a batch of several fails as a whole. Its answer is taken
    // as it comes (one reaction, no outcome list wrapped around it: on bench:scheduler that was a
    // promise, two arrays and a microtask per task).
    if (members.length === 1) {
      const entry = members[0] as Entry;
      const ctx = ctxs[0] as Attempt;
      try {
        executor.execute(entry.task, ctx).then(
          (output) => this.#answered(entry, ctx, true, output),
          (error: unknown) => this.#answered(entry, ctx, false, error),
        );
      } catch (error) {
        RESOLVED.then(() => this.#answered(entry, ctx, false, error));
      }
      return;
    }
    let promise: Promise<readonly BatchOutcome[]>;
    try {
      const tasks: Task[] = [];
      for (const entry of members) tasks.push(entry.task);
      promise = (executor.executeBatch as NonNullable<Executor['executeBatch']>)(tasks, ctxs);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (outcomes) => {
        s.busySlots--;
        for (let i = 0; i < members.length; i++) {
          const entry = members[i] as Entry;
          const ctx = ctxs[i] as Attempt;
          const outcome = outcomes[i];
          if (outcome === undefined) {
            this.#settlement.onFailure(entry, ctx, new TaskweaveError('execution', `executeBatch returned no outcome for task ${entry.task.id}`, { retryable: false }));
          } else if (outcome.ok) this.#settlement.onSuccess(entry, ctx, outcome.output);
          else this.#settlement.onFailure(entry, ctx, outcome.error);
        }
        this.#pumpAfterEnd();
      },
      () => {
        this.#releaseSlot();
        this.#split(members, ctxs);
      },
    );
  }

  /** The executor answered for a call of one task: its output, or its error (`ok` false). */
  #answered(entry: Entry, ctx: Attempt, ok: boolean, answer: unknown): void {
    this.#s.busySlots--;
    if (ok) this.#settlement.onSuccess(entry, ctx, answer as TaskOutput);
    else this.#settlement.onFailure(entry, ctx, answer);
    this.#pumpAfterEnd();
  }

  /**
   * A batch failed as a whole (a worker crashed under it, its handler threw, it could not be sent):
   * nobody knows whose fault it was, so no member is charged. Each runs again alone; only a task
   * that then fails alone spends an attempt. Straight to single tasks rather than halving: every
   * crash costs the pool a worker and a model reload (seconds), and halving a batch of 32 with one
   * bad input would crash log2(32) = 5 more times; singles crash once more, with the culprit.
   */
  #split(members: Entry[], contexts: Attempt[]): void {
    const s = this.#s;
    if (s.closed) return;
    members.forEach((entry, i) => {
      if (entry.phase !== 'running' || entry.current !== contexts[i]) return;
      // A member cancelled while the batch ran does not run again: it ends Cancelled.
      const cancel = (contexts[i] as Attempt).cancel;
      if (cancel !== undefined) this.#settlement.settle(entry, TaskStatus.Cancelled, NONE, cancel.error);
      else move(s, entry, { type: 'split', at: entry.readyAt });
    });
  }

  #releaseSlot(): void {
    this.#s.busySlots--;
    this.schedule();
  }
}
