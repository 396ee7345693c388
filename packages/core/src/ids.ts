import type { TaskId } from './task.js';

/**
 * The scheduler's task ids: `crypto.randomUUID()` (UUID v4, the platform's own generator).
 * Measured against uuid v7 (time-ordered, so IndexedDB's key order would follow creation) on
 * `e2e-10k-durable` in alternated runs: see the commit that chose it.
 *
 * @example const nextId = createIdGenerator(); nextId() // 'f3b1…'
 */
export function createIdGenerator(): () => TaskId {
  return () => crypto.randomUUID() as TaskId;
}
