/**
 * Resuming after a reload or a new scheduler on the same store: what the store holds unfinished
 * is queued again, and a task found Running counts as interrupted, not failed.
 */
import { TaskweaveError, toTaskweaveError } from '../errors.js';
import { TaskStatus, type TaskId } from '../task.js';
import type { Admission } from './admission.js';
import type { Phase } from './entry.js';
import { NONE, type Settlement } from './settlement.js';
import { move, persistState, readMany, type SchedulerState } from './state.js';

/** What `ready()` reports about the work found in the store at start. */
export interface RecoveryReport {
  /** Pending tasks queued again. */
  resumed: number;
  /** Tasks found Running (their run was interrupted), queued again without spending a retry. */
  interrupted: number;
  /** Tasks found Running that had passed their deadline or `maxInterruptions`. */
  failed: number;
  quarantined: number;
}

/** Queues again what the store holds unfinished; a task found Running was interrupted. */
export async function recover(s: SchedulerState, admission: Admission, settlement: Settlement): Promise<RecoveryReport> {
  const { store, clock, maxInterruptions } = s.options;
  const snapshot = await store.load();
  s.seq = Math.max(s.seq, snapshot.lastSeq);
  const report: RecoveryReport = { resumed: 0, interrupted: 0, failed: 0, quarantined: snapshot.quarantined.length };
  for (const q of snapshot.quarantined) {
    queueMicrotask(() => s.events.emit({ type: 'error', error: toTaskweaveError(q.error) }));
  }
  const known = new Set(snapshot.active.map((r) => r.task.id));
  const finishedDeps = new Set<TaskId>();
  for (const stored of snapshot.active) {
    for (const dep of stored.task.dependencies) if (!known.has(dep) && !s.entries.has(dep)) finishedDeps.add(dep);
  }
  if (finishedDeps.size > 0) {
    const ids = [...finishedDeps];
    const records = await readMany(s, ids);
    ids.forEach((dep, i) => {
      const depRecord = records[i];
      if (depRecord !== undefined) admission.rememberFinished(dep, depRecord);
    });
  }
  for (const stored of snapshot.active) {
    const interrupted = stored.status === TaskStatus.Running;
    const entry = admission.admit(stored.task, stored.seq, interrupted);
    entry.interruptions = stored.interruptions ?? 0;
    entry.checkpoint = stored.checkpoint;
    if (!interrupted) {
      report.resumed++;
      continue;
    }
    if ((entry.phase as Phase) === 'done') {
      report.failed++; // its deadline passed meanwhile
      continue;
    }
    // Its run was cut short by a reload, close() or a tab handover: not its doing, so no retry
    // is spent; only the interruption bound can end it.
    entry.interruptions++;
    if (entry.interruptions > maxInterruptions) {
      settlement.settle(
        entry,
        TaskStatus.Failed,
        NONE,
        new TaskweaveError(
          'interrupted',
          `Task ${stored.task.id} was interrupted ${entry.interruptions} times while running (page reload, close() or tab handover); maxInterruptions is ${maxInterruptions}`,
          { retryable: false, details: { taskId: stored.task.id, interruptions: entry.interruptions } },
        ),
      );
      report.failed++;
      continue;
    }
    entry.startedAt = stored.updatedAt;
    move(s, entry, { type: 'enqueue', at: clock.now() });
    persistState(s, entry);
    report.interrupted++;
  }
  s.recovered = true;
  return report;
}
