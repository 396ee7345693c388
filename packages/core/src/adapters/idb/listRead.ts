/**
 * `IdbTaskStore.list`'s read: a page in the list order (`store/taskList.ts`) from the two sparse
 * indexes the store keeps anyway, walked backwards from the page's position: `active` (unfinished
 * rows by `seq`), then `done` (finished rows by `[doneAt, seq]`). No index of its own, so writes pay
 * nothing for it. Filters are applied to each row read, so a narrow filter over many tasks reads
 * many rows: a read for people (a task table, devtools), not for a hot path.
 */
import type { ValidationError } from '../../errors.js';
import type { TaskRecord } from '../../ports.js';
import { isTerminalStatus } from '../../task.js';
import { matchesPlan, type ListPlan } from '../../store/taskList.js';
import { parseTaskRow } from './recordSchema.js';
import type { TaskweaveDatabase } from './schema.js';

export interface ListRead {
  /** Matching records in list order, at most one past the plan's limit (so the caller knows there is more). */
  records: TaskRecord[];
  /** Rows that failed validation, for the store to set aside. */
  bad: { key: string; value: unknown; error: ValidationError }[];
}

export async function readList(db: TaskweaveDatabase, plan: ListPlan): Promise<ListRead> {
  const want = plan.limit + 1;
  const records: TaskRecord[] = [];
  const bad: ListRead['bad'] = [];
  const tx = db.transaction('tasks', 'readonly');
  const walk = async (index: 'active' | 'done', range: IDBKeyRange | null, finished: boolean) => {
    let cursor = await tx.store.index(index).openCursor(range, 'prev');
    while (cursor !== null && records.length < want) {
      const parsed = parseTaskRow(cursor.value);
      if (!parsed.ok) bad.push({ key: String(cursor.primaryKey), value: cursor.value, error: parsed.error });
      // A finished record left in the active index (an older writer's bug) is listed with the finished.
      else if (isTerminalStatus(parsed.record.status) === finished && matchesPlan(parsed.record, plan)) records.push(parsed.record);
      cursor = await cursor.continue();
    }
  };
  const after = plan.after;
  if (plan.unfinished) await walk('active', after?.part === 'unfinished' ? IDBKeyRange.upperBound(after.seq, true) : null, false);
  if (plan.finished && records.length < want) {
    await walk('done', after?.part === 'finished' ? IDBKeyRange.upperBound([after.endedAt, after.seq], true) : null, true);
  }
  await tx.done;
  return { records, bad };
}
