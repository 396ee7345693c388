/**
 * Turning `submit()` input into stored records: validation, ids, dependency and cycle checks.
 * Shared by the scheduler and by anything else that writes tasks into a store for a scheduler
 * to pick up (another tab, through `TaskScheduler.adopt`).
 */
import { DependencyGraph } from './dependencyGraph.js';
import { TaskweaveError, ValidationError } from '../errors.js';
import type { TaskRecord } from '../ports.js';
import { submitTaskSchema, type ResolvedSubmit, type SubmitTaskOptions } from '../schemas.js';
import { SLICE_CHECK_EVERY } from './slicer.js';
import { TaskStatus, type Task, type TaskId } from '../task.js';

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
  checkSubmitList(list);
  return list.map((item, i) => parseListItem(item, i, validate));
}

/**
 * `parseSubmissions` in slices: between every `SLICE_CHECK_EVERY` items it awaits `pause()` when
 * that returns a promise (see `Slicer`), so validating a long list never blocks the page for long.
 * Same result and errors; the first bad item throws, however far down the list.
 */
export async function parseSubmissionsInSlices(
  list: readonly SubmitTaskOptions[],
  pause: () => Promise<void> | undefined,
  validate?: SubmitValidator,
): Promise<ResolvedSubmit[]> {
  checkSubmitList(list);
  const parsed: ResolvedSubmit[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    parsed[i] = parseListItem(list[i] as SubmitTaskOptions, i, validate);
    if ((i & (SLICE_CHECK_EVERY - 1)) === SLICE_CHECK_EVERY - 1) {
      const wait = pause();
      if (wait !== undefined) await wait;
    }
  }
  return parsed;
}

function checkSubmitList(list: readonly SubmitTaskOptions[]): void {
  if (!Array.isArray(list)) {
    throw new ValidationError('submitMany: expected an array of tasks', [{ path: [], field: '(root)', message: 'must be an array' }]);
  }
  if (list.length > MAX_SUBMIT_BATCH) {
    throw new ValidationError(`submitMany: at most ${MAX_SUBMIT_BATCH} tasks at once`, [
      { path: [], field: '(root)', message: `at most ${MAX_SUBMIT_BATCH} tasks` },
    ]);
  }
}

function parseListItem(item: SubmitTaskOptions, i: number, validate?: SubmitValidator): ResolvedSubmit {
  const result = submitTaskSchema.safeParse(item);
  if (!result.success) {
    throw ValidationError.fromZod('submitMany', result.error.issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
  }
  const data = result.data;
  const issues = validate?.(data);
  if (issues !== undefined && issues.length > 0) {
    throw ValidationError.fromIssues('submitMany', issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
  }
  return data;
}

/** Validates one `submit` input (and runs `validate` on it when given). */
export function parseSubmission(options: SubmitTaskOptions, validate?: SubmitValidator): ResolvedSubmit {
  const result = submitTaskSchema.safeParse(options);
  if (!result.success) throw ValidationError.fromZod('submit', result.error.issues);
  const data = result.data;
  const issues = validate?.(data);
  if (issues !== undefined && issues.length > 0) throw ValidationError.fromIssues('submit', issues);
  return data;
}

/** Builds the Pending record of a validated submission. */
export function newTaskRecord(p: ResolvedSubmit, id: TaskId, now: number, seq: number): TaskRecord {
  return { task: newTask(p, id, now), status: TaskStatus.Pending, seq, updatedAt: now };
}

/** The task of a validated submission, as `newTaskRecord` stores it. */
function newTask(p: ResolvedSubmit, id: TaskId, now: number): Task {
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
  return task;
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
  /**
   * Called with ids of the batch right after they were found free, before any await: once with all
   * of them, or (a long batch checked in slices) once per slice, each id once.
   */
  reserve?(ids: readonly TaskId[]): void;
  /** Reads a task that is not in memory (the store). */
  lookup(id: TaskId): Promise<TaskRecord | undefined>;
  /**
   * Asked every `SLICE_CHECK_EVERY` tasks: a promise to await before going on (the event loop gets a
   * turn), or undefined to go on now. See `Slicer`. @default never pauses
   */
  pause?(): Promise<void> | undefined;
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
  const pauseAt = (i: number) => ((i & (SLICE_CHECK_EVERY - 1)) === SLICE_CHECK_EVERY - 1 ? ctx.pause?.() : undefined);
  const ids: TaskId[] = new Array(parsed.length);
  const batch = new Map<TaskId, TaskId[]>();
  const duplicate = (i: number, id: TaskId) =>
    new TaskweaveError('duplicate-id', `${field(i, 'id')}: a task with id ${id} already exists`, {
      details: { field: field(i, 'id'), taskId: id },
    });
  let reservedUpTo = 0;
  for (let i = 0; i < parsed.length; i++) {
    const p = parsed[i] as ResolvedSubmit;
    const id = (p.id ?? ctx.generateId()) as TaskId;
    if (batch.has(id) || ctx.isTaken(id)) throw duplicate(i, id);
    ids[i] = id;
    batch.set(id, p.dependencies as TaskId[]);
    // No await between the check and `reserve` unless the batch is long enough to slice: then
    // the ids checked so far are reserved before the pause, so no concurrent submit takes them.
    const wait = pauseAt(i);
    if (wait !== undefined) {
      ctx.reserve?.(ids.slice(reservedUpTo, i + 1));
      reservedUpTo = i + 1;
      await wait;
    }
  }
  ctx.reserve?.(reservedUpTo === 0 ? ids : ids.slice(reservedUpTo));
  const found = new Map<TaskId, TaskRecord>();
  let inBatch = false;
  for (let i = 0; i < ids.length; i++) {
    const p = parsed[i] as ResolvedSubmit;
    const deps = p.dependencies as TaskId[];
    for (let d = 0; d < deps.length; d++) {
      const dep = deps[d] as TaskId;
      if (batch.has(dep)) {
        inBatch = true;
        continue;
      }
      if (found.has(dep)) continue;
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
    const wait = pauseAt(i);
    if (wait !== undefined) await wait;
  }
  // Only edges within the batch can close a cycle: without any, there is nothing to search.
  const cycle = inBatch ? DependencyGraph.findCycle(batch) : undefined;
  if (cycle !== undefined) {
    throw new TaskweaveError('cycle', `dependencies: cycle ${cycle.join(' → ')}`, { details: { field: 'dependencies', cycle } });
  }
  const now = ctx.now();
  const records: TaskRecord[] = new Array(parsed.length);
  for (let i = 0; i < parsed.length; i++) {
    records[i] = newTaskRecord(parsed[i] as ResolvedSubmit, ids[i] as TaskId, now, ctx.nextSeq());
    const wait = pauseAt(i);
    if (wait !== undefined) await wait;
  }
  return { records, found };
}
