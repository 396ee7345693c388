import type { TaskId } from './task.js';

/**
 * The scheduler's task ids: `crypto.randomUUID()` (UUID v4, the platform's own generator).
 * Measured against uuid v7 (time-ordered, so IndexedDB's key order would follow creation) on
 * `e2e-10k-durable` in alternated runs: see the commit that chose it.
 *
 * `toLowerCase()` changes no character (a v4 UUID is lowercase already); it is there for Node,
 * whose `randomUUID()` returns a string built by concatenation — a tree of about twenty pieces,
 * 493 bytes kept per id, walked again on every Map lookup that hashes it — and whose
 * `toLowerCase()` hands back one flat 36-character string (69 bytes). Measured with
 * `node --expose-gc` on 100,000 ids kept (heap used / id) and on `bench:scheduler`, where a
 * pending task's retained heap fell from 1,020 to 600 bytes. Chromium's `randomUUID()` is flat
 * already; there it costs one 36-character scan.
 *
 * @example const nextId = createIdGenerator(); nextId() // 'f3b1…'
 */
export function createIdGenerator(): () => TaskId {
  return () => crypto.randomUUID().toLowerCase() as TaskId;
}
