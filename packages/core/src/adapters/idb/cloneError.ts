/// <reference lib="dom" />
/**
 * What IndexedDB's `DataCloneError` becomes: a ValidationError that names the task and the field
 * holding the value it could not copy (`input.value.port`), found by cloning the record's parts.
 */
import type { TaskRecord } from '../../ports.js';
import { ValidationError } from '../../errors.js';

/** True for the error `put` throws when a value cannot be structured-cloned. */
export function isDataCloneError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'DataCloneError';
}

/**
 * The path of the deepest part of `value` that structured clone refuses, or undefined when it
 * clones. Only called after a refusal, so the repeated cloning costs nothing on the usual path.
 *
 * @example locateUncloneable({ a: { port: new MessageChannel().port1 } }) // ['a', 'port']
 */
export function locateUncloneable(value: unknown): (string | number)[] | undefined {
  if (clones(value)) return undefined;
  const path: (string | number)[] = [];
  const seen = new Set<unknown>();
  let at: unknown = value;
  for (;;) {
    seen.add(at);
    const child = firstRefusedChild(at);
    // A cycle leads back up: the refused value is somewhere on it, and this is as deep as it gets.
    if (child === undefined || seen.has(child.value)) return path;
    path.push(child.key);
    at = child.value;
  }
}

/**
 * The error for a record IndexedDB could not clone: a `validation` error whose `field` is relative
 * to the task (`input.value.port`) or to the result (`output.value.port`), with `taskId` in details.
 */
export function uncloneableRecordError(record: TaskRecord, cause: unknown): ValidationError {
  const raw = locateUncloneable(record) ?? [];
  const path = raw[0] === 'task' ? raw.slice(1) : raw[0] === 'result' ? raw.slice(1) : raw;
  const field = path.length > 0 ? path.join('.') : '(record)';
  const id = String(record.task?.id);
  const reason = cause instanceof Error || cause instanceof DOMException ? `${cause.name}: ${cause.message}` : String(cause);
  return new ValidationError(
    `Task ${id}: ${field} cannot be stored in IndexedDB (${reason}); nothing of this task was written`,
    [{ path, field, message: 'cannot be structured-cloned' }],
    { cause, details: { taskId: id } },
  );
}

function clones(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

function firstRefusedChild(value: unknown): { key: string | number; value: unknown } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (value instanceof Map) {
    for (const [key, item] of value) {
      if (!clones(item)) return { key: typeof key === 'string' || typeof key === 'number' ? key : String(key), value: item };
    }
    return undefined;
  }
  if (value instanceof Set) {
    let i = 0;
    for (const item of value) {
      if (!clones(item)) return { key: i, value: item };
      i++;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (!clones(item)) return { key: Array.isArray(value) ? Number(key) : key, value: item };
  }
  return undefined;
}
