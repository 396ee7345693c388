import type { PruneOptions, StoreSnapshot, TaskRecord, TaskStore } from '../ports.js';
import { isTerminalStatus, type TaskId, type TaskStatus } from '../task.js';
import { compareForList, isAfter, matchesPlan, planList, toPage, type TaskListPage, type TaskListQuery } from '../store/taskList.js';

const DONE = Promise.resolve();

/**
 * A store of records in a Map, gone with the page. Records are stored as given;
 * the scheduler never mutates a record after handing it to `put`.
 *
 * @example new TaskScheduler({ executor, store: new MemoryTaskStore() })
 */
export class MemoryTaskStore implements TaskStore {
  readonly #records = new Map<TaskId, TaskRecord>();
  #lastSeq = 0;
  #closed = false;

  async load(): Promise<StoreSnapshot> {
    const active = [...this.#records.values()].filter((r) => !isTerminalStatus(r.status)).sort((a, b) => a.seq - b.seq);
    return { active, lastSeq: this.#lastSeq, quarantined: [] };
  }

  put(records: readonly TaskRecord[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('MemoryTaskStore is closed'));
    for (const record of records) {
      this.#records.set(record.task.id, record);
      if (record.seq > this.#lastSeq) this.#lastSeq = record.seq;
    }
    // The scheduler calls this once per write: one shared settled promise, not one per call.
    return DONE;
  }

  putIfStatus(records: readonly TaskRecord[], expected: readonly TaskStatus[]): Promise<boolean[]> {
    if (this.#closed) return Promise.reject(new Error('MemoryTaskStore is closed'));
    // Synchronous from the check to the write: no other call runs in between. A loop and one
    // settled promise rather than an async function and a `map` callback: the scheduler calls this
    // once per start, and the pair was 90 of the 200 bytes it allocated per call (V8
    // sampling heap profiler on bench:scheduler, inlining off to see it apart).
    try {
      const written: boolean[] = new Array(records.length);
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as TaskRecord;
        const stored = this.#records.get(record.task.id);
        written[i] = stored !== undefined && expected.includes(stored.status);
        if (written[i] !== true) continue;
        this.#records.set(record.task.id, record);
        if (record.seq > this.#lastSeq) this.#lastSeq = record.seq;
      }
      return Promise.resolve(written);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async get(id: TaskId): Promise<TaskRecord | undefined> {
    return this.#records.get(id);
  }

  async getMany(ids: readonly TaskId[]): Promise<(TaskRecord | undefined)[]> {
    return ids.map((id) => this.#records.get(id));
  }

  async prune(options: PruneOptions): Promise<number> {
    const terminal = [...this.#records.values()]
      .filter((r) => isTerminalStatus(r.status))
      .sort((a, b) => b.updatedAt - a.updatedAt || b.seq - a.seq);
    const cutoff = options.olderThanMs === undefined ? undefined : Date.now() - options.olderThanMs;
    let removed = 0;
    terminal.forEach((record, index) => {
      const tooMany = options.keepLast !== undefined && index >= options.keepLast;
      const tooOld = cutoff !== undefined && record.updatedAt < cutoff;
      if (tooMany || tooOld) {
        this.#records.delete(record.task.id);
        removed++;
      }
    });
    return removed;
  }

  async list(query?: TaskListQuery): Promise<TaskListPage> {
    const plan = planList(query);
    const { after } = plan;
    const matching = [...this.#records.values()].filter((r) => matchesPlan(r, plan) && (after === undefined || isAfter(r, after)));
    // A filter and sort per call: list serves people (a task table, devtools), not a hot path.
    return toPage(matching.sort(compareForList).slice(0, plan.limit + 1), plan);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
