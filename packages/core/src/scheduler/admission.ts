/**
 * How tasks come in: submits (validated, checked, stored durably, then admitted), tasks another
 * writer stored (adopted), and finished tasks read back from the store for their dependents.
 */
import { DependencyFailedError, TaskweaveError, toTaskweaveError } from '../errors.js';
import type { TaskRecord } from '../ports.js';
import type { ResolvedSubmit, SubmitTaskOptions } from '../schemas.js';
import { TaskStatus, isTerminalStatus, type Task, type TaskId, type TaskResult } from '../task.js';
import { armDeadline } from './deadline.js';
import { newEntry, type Entry } from './entry.js';
import { NONE, type Settlement } from './settlement.js';
import { SLICE_CHECK_EVERY, Slicer } from './slicer.js';
import { emitStatus, maybeIdle, move, readMany, record, type SchedulerState } from './state.js';
import { newTaskRecord, parseSubmission, parseSubmissionsInSlices, prepareSubmissions } from './submission.js';
import { transition } from './transition.js';

const closedDuringSubmit = () => new TaskweaveError('closed', 'The scheduler closed during submit');

/** Takes tasks in: from submits, from the store (adopt), and as finished dependencies. */
export class Admission {
  readonly #s: SchedulerState;
  readonly #settlement: Settlement;
  /** Recovery's promise: submits and adoptions wait for the store's tasks to be queued first. */
  readonly #ready: () => Promise<unknown>;

  constructor(state: SchedulerState, settlement: Settlement, ready: () => Promise<unknown>) {
    this.#s = state;
    this.#settlement = settlement;
    this.#ready = ready;
  }

  /** `TaskScheduler.submit`: one task, durable before it resolves. */
  submit(options: SubmitTaskOptions): Promise<TaskId> {
    const s = this.#s;
    if (s.closed) return Promise.reject(new TaskweaveError('closed', 'The scheduler is closed'));
    let p: ResolvedSubmit;
    try {
      p = parseSubmission(options, s.options.validate);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!s.recovered || p.id !== undefined || p.dependencies.length > 0) {
      return this.#submit([p], false).then((ids) => ids[0] as TaskId);
    }
    // Common case, kept lean: a fresh id cannot collide and nothing needs looking up.
    const id = s.options.generateId() as TaskId;
    const stored = newTaskRecord(p, id, s.options.clock.now(), ++s.seq);
    s.submitting++;
    return s.writes.writeAnd(stored, this.#admitWritten, this.#submitRefused);
  }

  /** A submit's record is durable: the task is admitted (one function for the scheduler's life, not closures per submit). */
  readonly #admitWritten = (stored: TaskRecord): TaskId => {
    const s = this.#s;
    s.submitting--;
    if (s.closed) throw closedDuringSubmit();
    this.admit(stored.task, stored.seq);
    return stored.task.id;
  };

  /** A submit's record was refused: the submit rejects with the store's error. */
  readonly #submitRefused = (): void => {
    this.#s.submitting--;
    maybeIdle(this.#s);
  };

  /** `TaskScheduler.submitMany`: all or nothing, in slices that yield to the event loop. */
  async submitMany(options: readonly SubmitTaskOptions[]): Promise<TaskId[]> {
    const s = this.#s;
    if (s.closed) throw new TaskweaveError('closed', 'The scheduler is closed');
    // Validated, prepared and admitted in slices of a few ms (the page stays responsive for
    // 20,000 tasks); still all or nothing: every task is checked before any is stored.
    const slicer = new Slicer(s.options.clock);
    return this.#submit(await parseSubmissionsInSlices(options, () => slicer.pause(), s.options.validate), true, slicer);
  }

  async #submit(parsed: readonly ResolvedSubmit[], many: boolean, slicer?: Slicer): Promise<TaskId[]> {
    const s = this.#s;
    if (s.closed) throw new TaskweaveError('closed', 'The scheduler is closed');
    s.submitting++;
    try {
      return await this.#submitChecked(parsed, many, slicer);
    } finally {
      s.submitting--;
      maybeIdle(s);
    }
  }

  async #submitChecked(parsed: readonly ResolvedSubmit[], many: boolean, slicer: Slicer | undefined): Promise<TaskId[]> {
    const s = this.#s;
    await this.#ready();
    // Ids are reserved while we await the store, so concurrent submits cannot take them.
    const reserved: TaskId[] = [];
    try {
      const { records, found } = await prepareSubmissions(parsed, many, {
        generateId: s.options.generateId,
        now: () => s.options.clock.now(),
        nextSeq: () => ++s.seq,
        isTaken: (id) => s.entries.has(id) || s.reserved.has(id),
        isKnown: (id) => s.entries.has(id),
        reserve: (ids) => {
          for (const id of ids) {
            reserved.push(id);
            s.reserved.add(id);
          }
        },
        ...(slicer === undefined ? {} : { pause: () => slicer.pause() }),
        lookup: (id) => {
          const entry = s.entries.get(id);
          if (entry === undefined) return s.options.store.get(id);
          // A durable end is handed over as found, so it is remembered again should it leave
          // memory before the submit's write is done.
          if (!entry.announced) return Promise.resolve(undefined);
          return Promise.resolve(record(entry, entry.result?.timestamp ?? 0, entry.result));
        },
      });
      await s.writes.write(records);
      if (s.closed) throw closedDuringSubmit();
      // A dependency another tab wrote but this scheduler has not adopted yet is adopted now
      // (queued to run), not remembered as finished.
      const unfinished: TaskId[] = [];
      for (const [id, stored] of found) {
        if (isTerminalStatus(stored.status)) this.rememberFinished(id, stored);
        else unfinished.push(id);
      }
      if (unfinished.length > 0) await this.adopt(unfinished);
      if (s.closed) throw closedDuringSubmit();
      for (let i = 0; i < records.length; i++) {
        const stored = records[i] as TaskRecord;
        this.admit(stored.task, stored.seq);
        const wait = (i & (SLICE_CHECK_EVERY - 1)) === SLICE_CHECK_EVERY - 1 ? slicer?.pause() : undefined;
        if (wait !== undefined) {
          await wait;
          // Stored, so a scheduler on this store resumes the rest; this one runs nothing more.
          if (s.closed) throw closedDuringSubmit();
        }
      }
      return records.map((r) => r.task.id);
    } finally {
      for (const id of reserved) s.reserved.delete(id);
    }
  }

  /** `TaskScheduler.adopt`: takes in what another writer stored for these ids. */
  async adopt(ids: readonly TaskId[]): Promise<TaskId[]> {
    await this.#ready();
    const s = this.#s;
    const read = new Map<TaskId, TaskRecord>();
    const toAdmit: TaskRecord[] = [];
    let frontier = [...new Set(ids)].filter((id) => !s.reserved.has(id) && s.entries.get(id)?.phase !== 'done');
    while (frontier.length > 0 && !s.closed) {
      const records = await readMany(s, frontier);
      const next = new Set<TaskId>();
      frontier.forEach((id, i) => {
        const stored = records[i];
        if (stored === undefined) return;
        read.set(id, stored);
        if (isTerminalStatus(stored.status)) {
          const entry = s.entries.get(id);
          // A running task's start was durable, so no other writer ended it: its end comes from here.
          if (entry !== undefined && entry.phase !== 'done' && entry.phase !== 'running') this.#settlement.takeEnd(entry, stored);
          return;
        }
        if (s.entries.has(id)) return;
        toAdmit.push(stored);
        for (const dep of stored.task.dependencies) if (!s.entries.has(dep) && !read.has(dep)) next.add(dep);
      });
      frontier = [...next].filter((dep) => !read.has(dep));
    }
    if (s.closed) return [];
    // Finished dependencies first (a dependent admitted before them would wait forever), then the
    // unfinished tasks in submission order; a dependency admitted after its dependent still frees it.
    for (const stored of toAdmit) {
      for (const dep of stored.task.dependencies) {
        const depRecord = read.get(dep);
        if (depRecord !== undefined && isTerminalStatus(depRecord.status)) this.rememberFinished(dep, depRecord);
      }
    }
    toAdmit.sort((a, b) => a.seq - b.seq);
    const adopted: TaskId[] = [];
    for (const stored of toAdmit) {
      if (s.entries.has(stored.task.id)) continue; // adopted meanwhile by a concurrent call
      s.seq = Math.max(s.seq, stored.seq);
      this.admit(stored.task, stored.seq);
      adopted.push(stored.task.id);
    }
    return adopted;
  }

  /** Keeps a finished task read from the store (for a while), so dependents see its result. */
  rememberFinished(id: TaskId, stored: TaskRecord): Entry {
    const s = this.#s;
    const known = s.entries.get(id);
    if (known !== undefined) return known;
    const entry = newEntry(stored.task, stored.seq);
    transition(entry, { type: 'remember', status: stored.status });
    entry.result = stored.result;
    entry.announced = true;
    s.entries.set(id, entry);
    s.finished.add(entry, s.options.clock.now());
    return entry;
  }

  /**
   * Registers a stored Pending task: deadline, dependencies, then queue. An interrupted one (found
   * Running at recovery) is registered but not queued: recovery decides its run.
   */
  admit(task: Task, seq: number, interrupted = false): Entry {
    const s = this.#s;
    const entry = newEntry(task, seq);
    entry.attempt = task.retryCount;
    s.entries.set(task.id, entry);
    s.active++;
    s.counters.add(task.priority);
    emitStatus(s, entry, undefined);

    if (task.deadline !== undefined) {
      entry.cancelDeadline = armDeadline(s.options.clock, task.deadline, () => this.#settlement.onDeadline(entry));
      if (entry.phase === 'done') return entry;
    }
    // Most tasks depend on nothing: straight to the queue, without the lists below.
    if (task.dependencies.length === 0) {
      if (!interrupted) move(s, entry, { type: 'enqueue', at: s.options.clock.now() });
      return entry;
    }
    const unfinished: TaskId[] = [];
    let missing: TaskId[] | undefined;
    for (const dep of task.dependencies) {
      const depEntry = s.entries.get(dep);
      if (depEntry === undefined) {
        // Finished and gone from memory since the submit checked it: read back below.
        unfinished.push(dep);
        (missing ??= []).push(dep);
        continue;
      }
      // Done in memory is not enough: its end must be durable before anyone runs on it.
      if (depEntry.phase !== 'done' || (!depEntry.announced && depEntry.storeError === undefined)) {
        unfinished.push(dep);
        continue;
      }
      if (depEntry.status !== TaskStatus.Completed || depEntry.storeError !== undefined) {
        const status = depEntry.storeError === undefined ? depEntry.status : `${depEntry.status}, but its result could not be stored`;
        this.#settlement.settle(entry, TaskStatus.Cancelled, NONE, new DependencyFailedError(dep, status));
        return entry;
      }
      (entry.depResults ??= new Map()).set(dep, depEntry.result as TaskResult);
    }
    // An interrupted task had all its dependencies done; the caller decides its retry.
    if (interrupted) return entry;
    if (unfinished.length > 0) {
      s.graph.add(task.id, unfinished);
      for (const dep of missing ?? []) this.#readBackDependency(dep);
    } else move(s, entry, { type: 'enqueue', at: s.options.clock.now() });
    return entry;
  }

  /**
   * A dependency that left memory between a submit's checks and its admission: read it back from
   * the store and release (or cancel) whoever waits on it.
   */
  #readBackDependency(dep: TaskId): void {
    const s = this.#s;
    const cancelWaiting = (status: string, cause?: unknown) => {
      const error = new DependencyFailedError(dep, status, cause === undefined ? {} : { cause });
      for (const id of s.graph.finish(dep).dependents) {
        const dependent = s.entries.get(id);
        if (dependent !== undefined && dependent.phase !== 'done') this.#settlement.settle(dependent, TaskStatus.Cancelled, NONE, error);
      }
    };
    s.options.store.get(dep).then(
      (stored) => {
        if (s.closed) return;
        const known = s.entries.get(dep);
        if (known !== undefined) {
          // Back in memory meanwhile: released by its own end, or now if that end is behind it.
          if (known.announced || known.storeError !== undefined) this.#settlement.releaseDependents(known, known.storeError);
        } else if (stored !== undefined && isTerminalStatus(stored.status)) {
          this.#settlement.releaseDependents(this.rememberFinished(dep, stored), undefined);
        } else if (stored !== undefined) {
          void this.adopt([dep]);
        } else cancelWaiting('missing from the store');
      },
      (error: unknown) => {
        if (s.closed) return;
        s.events.emit({ type: 'error', error: toTaskweaveError(error), taskId: dep });
        cancelWaiting('unreadable', error);
      },
    );
  }
}
