/**
 * zod schemas for rows read back from IndexedDB. Whatever another version, another tab or a
 * damaged disk left there is checked before the scheduler sees it.
 */
import { z } from 'zod';
import { taskRecordSchema } from '../../schemas.js';
import { isTerminalStatus, type TaskStatus } from '../../task.js';
import type { TaskRecord } from '../../ports.js';
import { ValidationError } from '../../errors.js';

/**
 * A stored task row: a valid `TaskRecord` whose `result` is present exactly when its status
 * is terminal, and whose result belongs to it. The sparse index fields are stripped.
 */
export const taskRowSchema = taskRecordSchema.superRefine((row, ctx) => {
  const terminal = isTerminalStatus(row.status as TaskStatus);
  if (terminal && row.result === undefined) {
    ctx.addIssue({ code: 'custom', path: ['result'], message: `a ${row.status} record needs a result` });
  }
  if (!terminal && row.result !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['result'], message: `a ${row.status} record has no result yet` });
  }
  if (row.result !== undefined && row.result.taskId !== row.task.id) {
    ctx.addIssue({ code: 'custom', path: ['result', 'taskId'], message: 'must be the id of the record’s task' });
  }
  if (row.result !== undefined && row.result.status !== row.status) {
    ctx.addIssue({ code: 'custom', path: ['result', 'status'], message: 'must equal the record’s status' });
  }
});

/** Checks a row read back; returns the record or the ValidationError naming the bad field. */
export function parseTaskRow(value: unknown): { ok: true; record: TaskRecord } | { ok: false; error: ValidationError } {
  const parsed = taskRowSchema.safeParse(value);
  if (parsed.success) return { ok: true, record: parsed.data as TaskRecord };
  return { ok: false, error: ValidationError.fromZod('stored task record', parsed.error.issues) };
}
