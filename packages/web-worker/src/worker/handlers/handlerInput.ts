/**
 * Input checks shared by the built-in handlers (embedding, inference, storage, vector): zod
 * parsing with the field named as the task has it, and the error for a collection that does not
 * exist (the search handler).
 */
import type { z } from 'zod';
import { TaskweaveError, ValidationError } from '@taskweave/core';

/** Parses a handler input, naming the field as the task has it (`input.value.documents.0.vector`). */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string, prefix: (string | number)[]): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ ...issue, path: [...prefix, ...issue.path] }));
  throw ValidationError.fromZod(where, issues);
}

/** Thrown when a collection that a task names does not exist. */
export function collectionNotFound(collection: string, field: string): TaskweaveError {
  return new TaskweaveError('not-found', `Collection ${JSON.stringify(collection)} does not exist (nothing was stored in it)`, {
    retryable: false,
    details: { field, collection },
  });
}
