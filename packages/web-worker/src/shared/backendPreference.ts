/**
 * The backend a task asks for, shared by the pool (options, routing, batching keys), the
 * submit-time validator and the worker runtime (handlers).
 */

/**
 * Backend a handler may use. `auto` = WebGPU when an adapter exists, else WASM.
 * @default 'auto'
 * @example const backend: BackendPreference = 'wasm'
 */
export type BackendPreference = 'auto' | 'webgpu' | 'wasm';

/**
 * Every value `metadata.backend` and the pool's `backend` option accept.
 * @example BACKEND_PREFERENCES.includes(task.metadata['backend'] ?? 'auto')
 */
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'wasm'];
