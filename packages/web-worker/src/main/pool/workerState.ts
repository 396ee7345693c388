/**
 * How a pooled worker looks to a UI and why it ended: set by the pool's worker slots, carried by
 * the pool's snapshots and events.
 */

/**
 * Why a worker ended.
 * @example if (event.type === 'crash' && event.reason === 'unresponsive') showHangNotice()
 */
export type WorkerEndReason =
  | 'error'
  | 'closed'
  | 'gone'
  | 'messageerror'
  | 'unresponsive'
  | 'start-failed'
  | 'aborted'
  /** Replaced on purpose between jobs (`recycle` option: task count or memory budget). */
  | 'recycled'
  | 'pool-closed';

/**
 * What a worker looks like to a UI.
 * @example pool.snapshot().workers.filter((w) => w.state === 'busy').length
 */
export type WorkerState = 'starting' | 'idle' | 'busy' | 'dead';
