/**
 * Turning `submit()` input into stored records: validation, ids, dependency and cycle checks.
 * Shared by the scheduler and by anything else that writes tasks into a store for a scheduler
 * to pick up (another tab, through `TaskScheduler.adopt`).
 */
import { DependencyGraph } from './dependencyGraph.js';
import { TaskweaveError, ValidationError } from './errors.js';
import type { TaskRecord } from './ports.js';
import { submitTaskSchema, type ResolvedSubmit, type SubmitTaskOptions } from './schemas.js';
import { TaskStatus, type Task, type TaskId } from './task.js';

/** Most tasks one `submitMany` takes. */
export const MAX_SUBMIT_BATCH = 100_000;

/** One problem a `SubmitValidator` found: where in the task (`['metadata', 'backend']`) and what. */
export interface SubmitIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Extra checks of a task at submit, after the core's schema accepted it: what an executor knows
 * it cannot run (the worker pool's `validateSubmission`). Returns the problems found; none (an
 * empty list or `undefined`) means accepted. A task with problems is refused with a
 * `ValidationError` naming the first field, and nothing is stored.
 *
 * @example
 * const validate: SubmitValidator = (task) => (task.metadata['backend'] === 'cuda' ? [{ path: ['metadata', 'backend'], message: 'not supported' }] : [])
 */
export type SubmitValidator = (task: ResolvedSubmit) => readonly SubmitIssue[] | undefined;

/** Validates a `submitMany` list; issues are prefixed with the task's index. */
export function parseSubmissions(list: readonly SubmitTaskOptions[], validate?: SubmitValidator): ResolvedSubmit[] {
  if (!Array.isArray(list)) {
    throw new ValidationError('submitMany: expected an array of tasks', [{ path: [], field: '(root)', message: 'must be an array' }]);
  }
  if (list.length > MAX_SUBMIT_BATCH) {
    throw new ValidationError(`submitMany: at most ${MAX_SUBMIT_BATCH} tasks at once`, [
      { path: [], field: '(root)', message: `at most ${MAX_SUBMIT_BATCH} tasks` },
    ]);
  }
  return list.map((item, i) => {
    const result = submitTaskSchema.safeParse(item);
    if (!result.success) {
      throw ValidationError.fromZod('submitMany', result.error.issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
    }
    const issues = validate?.(result.data);
    if (issues !== undefined && issues.length > 0) {
      throw ValidationError.fromIssues('submitMany', issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
    }
    return result.data;
  });
}

/** Validates one `submit` input (and runs `validate` on it when given). */
export function parseSubmission(options: SubmitTaskOptions, validate?: SubmitValidator): ResolvedSubmit {
  const result = submitTaskSchema.safeParse(options);
  if (!result.success) throw ValidationError.fromZod('submit', result.error.issues);
  const issues = validate?.(result.data);
  if (issues !== undefined && issues.length > 0) throw ValidationError.fromIssues('submit', issues);
  return result.data;
}

/** Builds the Pending record of a validated submission. */
export function newTaskRecord(p: ResolvedSubmit, id: TaskId, now: number, seq: number): TaskRecord {
  const task: Task = {
    id,
    type: p.type,
    priority: p.priority,
    input: p.input as Task['input'],
    retryCount: 0,
    maxRetries: p.maxRetries,
    dependencies: p.dependencies as TaskId[],
    metadata: p.metadata,
    createdAt: now,
  };
  if (p.modelId !== undefined) task.modelId = p.modelId;
  if (p.deadline !== undefined) task.deadline = p.deadline;
  return { task, status: TaskStatus.Pending, seq, updatedAt: now };
}

/** What `prepareSubmissions` needs to know about the world. */
export interface SubmissionContext {
  generateId(): string;
  now(): number;
  nextSeq(): number;
  /** True when the id is taken by a task held in memory or by a submit in flight. */
  isTaken(id: TaskId): boolean;
  /** True when a task with this id is held in memory (its record may not be read back yet). */
  isKnown(id: TaskId): boolean;
  /** Called with the batch's ids right after they were found free, before any await. */
  reserve?(ids: readonly TaskId[]): void;
  /** Reads a task that is not in memory (the store). */
  lookup(id: TaskId): Promise<TaskRecord | undefined>;
}

/**
 * Checks ids (no duplicates), dependencies (every one exists) and cycles (within the batch),
 * then builds the records. Errors name the field (`id`, `dependencies.0`, or `2.dependencies.0`
 * for a batch). `found` holds dependencies read from the store.
 */
export async function prepareSubmissions(
  parsed: readonly ResolvedSubmit[],
  many: boolean,
  ctx: SubmissionContext,
): Promise<{ records: TaskRecord[]; found: Map<TaskId, TaskRecord> }> {
  const field = (i: number, name: string) => (many ? `${i}.${name}` : name);
  const ids = parsed.map((p) => (p.id ?? ctx.generateId()) as TaskId);
  const batch = new Map<TaskId, TaskId[]>();
  const duplicate = (i: number, id: TaskId) =>
    new TaskweaveError('duplicate-id', `${field(i, 'id')}: a task with id ${id} already exists`, {
      details: { field: field(i, 'id'), taskId: id },
    });
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as TaskId;
    if (batch.has(id) || ctx.isTaken(id)) throw duplicate(i, id);
    batch.set(id, (parsed[i] as ResolvedSubmit).dependencies as TaskId[]);
  }
  ctx.reserve?.(ids);
  const found = new Map<TaskId, TaskRecord>();
  for (let i = 0; i < ids.length; i++) {
    const p = parsed[i] as ResolvedSubmit;
    const deps = p.dependencies as TaskId[];
    for (let d = 0; d < deps.length; d++) {
      const dep = deps[d] as TaskId;
      if (batch.has(dep) || found.has(dep)) continue;
      const record = await ctx.lookup(dep);
      if (record === undefined) {
        if (ctx.isKnown(dep)) continue;
        const name = field(i, `dependencies.${d}`);
        throw new TaskweaveError('unknown-dependency', `${name}: no task with id ${dep}`, {
          retryable: false,
          details: { field: name, dependencyId: dep },
        });
      }
      found.set(dep, record);
    }
    if (p.id !== undefined && (await ctx.lookup(ids[i] as TaskId)) !== undefined) throw duplicate(i, ids[i] as TaskId);
  }
  const cycle = DependencyGraph.findCycle(batch);
  if (cycle !== undefined) {
    throw new TaskweaveError('cycle', `dependencies: cycle ${cycle.join(' → ')}`, { details: { field: 'dependencies', cycle } });
  }
  const now = ctx.now();
  return { records: parsed.map((p, i) => newTaskRecord(p, ids[i] as TaskId, now, ctx.nextSeq())), found };
}
