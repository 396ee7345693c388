/**
 * Listing a store's tasks a page at a time (`TaskStore.list`), in one order every store keeps:
 * unfinished tasks (Pending, Running) first, newest submitted first; then finished tasks, most
 * recently ended first. A page ends at `limit` tasks and names where the next one starts
 * (`nextCursor`), a position in that order, so pages neither repeat nor skip a task that stays
 * where it was; a task that ends while a reader pages moves from the first part to the second.
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { TaskRecord } from '../ports.js';
import { isTerminalStatus, TASK_STATUSES, type TaskStatus } from '../task.js';

/** What `TaskStore.list` (and `tw.list`) returns: filters, and a page size and position. */
export interface TaskListQuery {
  /** One status or several. @default every status */
  status?: TaskStatus | readonly TaskStatus[];
  /** A task type, e.g. `'EmbeddingGeneration'`. */
  type?: string;
  /** The tasks' `modelId`. */
  model?: string;
  /** Most tasks in one page, 1 to 1000. @default 50 */
  limit?: number;
  /** Where the page starts: the previous page's `nextCursor`. @default the first task */
  cursor?: string;
}

/** One page of `list`. */
export interface TaskListPage<T = TaskRecord> {
  tasks: T[];
  /** Where the next page starts; absent on the last page. */
  nextCursor?: string;
}

/**
 * A position in the list's order, after the task it names: in the unfinished part by its `seq`,
 * in the finished part by when it ended (`updatedAt` of its terminal record) and its `seq`.
 */
export type ListPosition = { part: 'unfinished'; seq: number } | { part: 'finished'; endedAt: number; seq: number };

/** A query checked once, with its defaults in. */
export interface ListPlan {
  /** undefined: every status. */
  statuses: ReadonlySet<TaskStatus> | undefined;
  type: string | undefined;
  model: string | undefined;
  limit: number;
  after: ListPosition | undefined;
  /** Whether any status of each part can match (a status filter may rule a whole part out). */
  unfinished: boolean;
  finished: boolean;
}

export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 1000;

/** Checks a query; bad input is a `ValidationError` naming the field. */
export function planList(query: TaskListQuery = {}): ListPlan {
  const issues: ValidationIssue[] = [];
  const issue = (field: string, message: string) => issues.push({ path: [field], field, message });
  let statuses: Set<TaskStatus> | undefined;
  if (query.status !== undefined) {
    const given: readonly unknown[] = typeof query.status === 'string' ? [query.status] : Array.isArray(query.status) ? query.status : [query.status];
    const unknown = given.filter((s) => !TASK_STATUSES.includes(s as TaskStatus));
    if (unknown.length > 0 || given.length === 0) issue('status', `must be one or more of ${TASK_STATUSES.join(', ')}${unknown.length > 0 ? ` (got ${unknown.map(String).join(', ')})` : ''}`);
    else statuses = new Set(given as TaskStatus[]);
  }
  if (query.type !== undefined && (typeof query.type !== 'string' || query.type === '')) issue('type', 'must be a task type name');
  if (query.model !== undefined && (typeof query.model !== 'string' || query.model === '')) issue('model', 'must be a model id');
  const limit = query.limit ?? LIST_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT_MAX) issue('limit', `must be a whole number from 1 to ${LIST_LIMIT_MAX}`);
  let after: ListPosition | undefined;
  if (query.cursor !== undefined) {
    after = typeof query.cursor === 'string' ? decodeCursor(query.cursor) : undefined;
    if (after === undefined) issue('cursor', "must be a page's nextCursor, as list returned it");
  }
  if (issues.length > 0) throw new ValidationError(`list: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`, issues);
  const has = (terminal: boolean) => statuses === undefined || [...statuses].some((s) => isTerminalStatus(s) === terminal);
  return { statuses, type: query.type, model: query.model, limit, after, unfinished: has(false) && after?.part !== 'finished', finished: has(true) };
}

/** Whether a record passes the plan's filters (its position aside). */
export function matchesPlan(record: TaskRecord, plan: ListPlan): boolean {
  return (
    (plan.statuses === undefined || plan.statuses.has(record.status)) &&
    (plan.type === undefined || record.task.type === plan.type) &&
    (plan.model === undefined || record.task.modelId === plan.model)
  );
}

/** The position right after `record`. */
export function positionOf(record: TaskRecord): ListPosition {
  return isTerminalStatus(record.status) ? { part: 'finished', endedAt: record.updatedAt, seq: record.seq } : { part: 'unfinished', seq: record.seq };
}

export function encodeCursor(position: ListPosition): string {
  return position.part === 'unfinished' ? `u.${position.seq}` : `f.${position.endedAt}.${position.seq}`;
}

function decodeCursor(cursor: string): ListPosition | undefined {
  const unfinished = /^u\.(\d+)$/.exec(cursor);
  if (unfinished) return { part: 'unfinished', seq: Number(unfinished[1]) };
  const finished = /^f\.(\d+)\.(\d+)$/.exec(cursor);
  if (finished) return { part: 'finished', endedAt: Number(finished[1]), seq: Number(finished[2]) };
  return undefined;
}

/** Sorts records into the list's order (for a store that holds them in memory). */
export function compareForList(a: TaskRecord, b: TaskRecord): number {
  const aDone = isTerminalStatus(a.status);
  const bDone = isTerminalStatus(b.status);
  if (aDone !== bDone) return aDone ? 1 : -1;
  return aDone ? b.updatedAt - a.updatedAt || b.seq - a.seq : b.seq - a.seq;
}

/** Whether `record` comes after `position` in the list's order. */
export function isAfter(record: TaskRecord, position: ListPosition): boolean {
  const done = isTerminalStatus(record.status);
  if (position.part === 'unfinished') return done || record.seq < position.seq;
  return done && (record.updatedAt < position.endedAt || (record.updatedAt === position.endedAt && record.seq < position.seq));
}

/** Builds the page from matching records in list order, read one past the limit. */
export function toPage(matching: readonly TaskRecord[], plan: ListPlan): TaskListPage {
  if (matching.length <= plan.limit) return { tasks: [...matching] };
  const tasks = matching.slice(0, plan.limit);
  return { tasks, nextCursor: encodeCursor(positionOf(tasks[tasks.length - 1] as TaskRecord)) };
}
