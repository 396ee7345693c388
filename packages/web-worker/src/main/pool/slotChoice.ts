/**
 * Which worker a call goes to: model affinity among the free workers, room before a worker's
 * recycling (`recycle.afterTasks`), and a worker still starting when none is free.
 */
import type { FreeWorkers } from '@taskweave/core';
import type { WorkerSlot } from './workerSlot.js';

/** What the choice reads of the pool: its workers, the calls they hold, the warm-ups waiting. */
export interface Occupancy {
  readonly slots: readonly WorkerSlot[];
  readonly running: ReadonlyMap<WorkerSlot, unknown>;
  readonly warmQueue: readonly { readonly index: number }[];
  /** `recycle.afterTasks` of the pool's options. */
  readonly afterTasks: number;
}

/** Started, running nothing, and with no warm-up waiting for it. */
export function isFree(pool: Occupancy, slot: WorkerSlot): boolean {
  return slot.state === 'idle' && !pool.running.has(slot) && !pool.warmQueue.some((w) => w.index === slot.index);
}

/** With no free worker, one still starting that nothing waits for. */
export function startingSlot(pool: Occupancy): WorkerSlot | undefined {
  return pool.slots.find((s) => s.state === 'starting' && !pool.running.has(s) && !pool.warmQueue.some((w) => w.index === s.index));
}

/** Tasks `slot` may still run before `recycle.afterTasks` replaces it. */
export function roomOf(pool: Occupancy, slot: WorkerSlot): number {
  return pool.afterTasks - slot.jobsDone;
}

/** The most tasks the worker the next call would go to may still run before it is recycled. */
export function room(pool: Occupancy): number {
  let most = 0;
  for (const slot of pool.slots) if (isFree(pool, slot)) most = Math.max(most, roomOf(pool, slot));
  if (most > 0) return most;
  const starting = startingSlot(pool);
  return starting === undefined ? 1 : roomOf(pool, starting);
}

/**
 * Model affinity, the pool's one rule for which worker a call takes: among `free`, one that holds
 * the model, else an empty one, else the first. A call of several tasks without a model goes to a
 * worker with room for them before its recycling, if there is one.
 */
export function chooseAmong(pool: Occupancy, free: readonly WorkerSlot[], modelId: string | undefined, size: number): WorkerSlot | undefined {
  if (free.length === 0) return undefined;
  if (modelId !== undefined) {
    const holder = free.find((s) => s.models.includes(modelId));
    if (holder !== undefined) return holder;
  } else if (size > 1) {
    const roomy = free.find((s) => roomOf(pool, s) >= size);
    if (roomy !== undefined) return roomy;
  }
  return free.find((s) => s.models.length === 0) ?? free[0];
}

/** The worker a call goes to: a free one by `chooseAmong`, else one still starting. */
export function pickSlot(pool: Occupancy, modelId: string | undefined, size = 1): WorkerSlot | undefined {
  const free = pool.slots.filter((s) => isFree(pool, s));
  return free.length === 0 ? startingSlot(pool) : chooseAmong(pool, free, modelId, size);
}

/**
 * The free workers for one pump of the scheduler (`Executor.freeWorkers`): `take` removes the one
 * `chooseAmong` gives a call, so the scheduler's affinity sees the pool's own choices.
 */
export function freeWorkers(pool: Occupancy): FreeWorkers {
  const free = pool.slots.filter((s) => isFree(pool, s));
  return {
    get models() {
      return free.map((s) => s.models);
    },
    take(modelId, size) {
      const slot = chooseAmong(pool, free, modelId, size);
      if (slot !== undefined) free.splice(free.indexOf(slot), 1);
    },
  };
}
