import type { TaskId } from '../task.js';

const NOTHING = Object.freeze({ dependents: Object.freeze([]), nowReady: Object.freeze([]) }) as {
  dependents: readonly TaskId[];
  nowReady: readonly TaskId[];
};

/**
 * Who waits on whom. Edges exist only while the dependency is unfinished; a task is ready
 * when its count of unfinished dependencies reaches 0.
 */
export class DependencyGraph {
  readonly #waitingOn = new Map<TaskId, number>();
  readonly #dependents = new Map<TaskId, TaskId[]>();

  /** Registers `id` as waiting on each of `unfinished`. */
  add(id: TaskId, unfinished: readonly TaskId[]): void {
    if (unfinished.length === 0) return;
    this.#waitingOn.set(id, unfinished.length);
    for (const dep of unfinished) {
      const list = this.#dependents.get(dep);
      if (list === undefined) this.#dependents.set(dep, [id]);
      else list.push(id);
    }
  }

  /** True while `id` waits on at least one unfinished dependency. */
  isBlocked(id: TaskId): boolean {
    return this.#waitingOn.has(id);
  }

  /**
   * `dep` finished: returns its dependents (in registration order) and forgets the edges.
   * `nowReady` holds those that wait on nothing else any more.
   */
  finish(dep: TaskId): { dependents: readonly TaskId[]; nowReady: readonly TaskId[] } {
    // Most tasks have no dependents: no hashing of their id for an empty map.
    if (this.#dependents.size === 0) return NOTHING;
    const dependents = this.#dependents.get(dep);
    if (dependents === undefined) return NOTHING;
    this.#dependents.delete(dep);
    const nowReady: TaskId[] = [];
    for (const id of dependents) {
      const left = (this.#waitingOn.get(id) ?? 0) - 1;
      if (left <= 0) {
        if (this.#waitingOn.delete(id)) nowReady.push(id);
      } else {
        this.#waitingOn.set(id, left);
      }
    }
    return { dependents, nowReady };
  }

  /** `id` ended by itself (cancel, timeout): it no longer waits on anything. */
  drop(id: TaskId): void {
    if (this.#waitingOn.size > 0) this.#waitingOn.delete(id);
  }

  /**
   * Finds a cycle among new tasks, given their dependency lists (edges to tasks outside
   * `tasks` cannot close a cycle: existing tasks never depend on new ones).
   * Returns the ids along the cycle, first repeated last, or undefined.
   */
  static findCycle(tasks: ReadonlyMap<TaskId, readonly TaskId[]>): TaskId[] | undefined {
    const state = new Map<TaskId, 1 | 2>(); // 1 on the stack, 2 done
    for (const start of tasks.keys()) {
      if (state.has(start)) continue;
      const stack: { id: TaskId; next: number }[] = [{ id: start, next: 0 }];
      state.set(start, 1);
      while (stack.length > 0) {
        const frame = stack[stack.length - 1] as { id: TaskId; next: number };
        const deps = tasks.get(frame.id) ?? [];
        if (frame.next >= deps.length) {
          state.set(frame.id, 2);
          stack.pop();
          continue;
        }
        const dep = deps[frame.next++] as TaskId;
        if (!tasks.has(dep)) continue;
        const s = state.get(dep);
        if (s === 1) {
          const from = stack.findIndex((f) => f.id === dep);
          return [...stack.slice(from).map((f) => f.id), dep];
        }
        if (s === undefined) {
          state.set(dep, 1);
          stack.push({ id: dep, next: 0 });
        }
      }
    }
    return undefined;
  }
}
