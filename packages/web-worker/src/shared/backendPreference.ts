/**
 * The backend a task asks for, shared by the pool (options, routing, batching keys) and the
 * worker runtime (handlers).
 */

/**
 * Backend a handler may use. `auto` = WebGPU when an adapter exists, else WASM.
 * @default 'auto'
 * @example const backend: BackendPreference = 'wasm'
 */
export type BackendPreference = 'auto' | 'webgpu' | 'wasm';
