/**
 * The backend a task asks for, shared by the pool (options, routing, batching keys), the
 * submit-time validator and the worker runtime (handlers): the one list of backends and the one
 * reading of `metadata.backend`.
 */
import { ValidationError, type Task } from '@taskweave/core';
import { mustBeOneOf } from './mustBeOneOf.js';

/**
 * Every value `metadata.backend` and the pool's `backend` option accept.
 * @example BACKEND_PREFERENCES.includes(task.metadata['backend'] ?? 'auto')
 */
export const BACKEND_PREFERENCES = ['auto', 'webgpu', 'wasm'] as const;

/**
 * Backend a handler may use. `auto` = WebGPU when an adapter exists, else WASM.
 * @default 'auto'
 * @example const backend: BackendPreference = 'wasm'
 */
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];

/** What a field holding a backend must be: `must be 'auto', 'webgpu' or 'wasm'`. */
export const BACKEND_RULE = mustBeOneOf(BACKEND_PREFERENCES);

/** True when `value` names a backend. */
export function isBackendPreference(value: unknown): value is BackendPreference {
  return (BACKEND_PREFERENCES as readonly unknown[]).includes(value);
}

/**
 * Reads a task's `metadata.backend`: the backend it names, `fallback` (the pool's) when it names
 * none, or a `ValidationError` naming the field when it holds something else.
 *
 * @example
 * const backend = parseTaskBackend(task, 'auto')
 * if (backend instanceof ValidationError) throw backend
 */
export function parseTaskBackend(task: Pick<Task, 'id' | 'metadata'>, fallback: BackendPreference): BackendPreference | ValidationError {
  const value = task.metadata['backend'];
  if (value === undefined) return fallback;
  if (isBackendPreference(value)) return value;
  return new ValidationError(`Task ${task.id}: metadata.backend ${BACKEND_RULE}, got ${JSON.stringify(value)}`, [
    { path: ['metadata', 'backend'], field: 'metadata.backend', message: BACKEND_RULE },
  ]);
}
