/**
 * One taskweave per name for the providers of a page, counted: the first provider of a name starts
 * it, the others (and StrictMode's second mount) share it, and the last one leaving closes it a
 * macrotask later — StrictMode's unmount and remount happen within one task, so they neither close
 * it nor start a second one (a second pool, a second leader lock).
 */
import { createTaskweave, type Taskweave, type TaskweaveOptions } from '@taskweave/web-worker';

interface Shared {
  users: number;
  taskweave: Promise<Taskweave>;
  closing: ReturnType<typeof setTimeout> | undefined;
}

const shared = new Map<string, Shared>();

/**
 * The taskweave of `options.name` (default 'default'), started by the first caller; the options of
 * later callers of the same name are not used. Pair each call with one `release(name)`.
 */
export function acquire(options: TaskweaveOptions): Promise<Taskweave> {
  const name = options.name ?? 'default';
  let entry = shared.get(name);
  if (entry === undefined) {
    const taskweave = createTaskweave(options);
    entry = { users: 0, taskweave, closing: undefined };
    shared.set(name, entry);
    // A start that failed is forgotten, so a provider mounted later tries again.
    const failed = entry;
    taskweave.catch(() => shared.get(name) === failed && shared.delete(name));
  }
  clearTimeout(entry.closing);
  entry.closing = undefined;
  entry.users++;
  return entry.taskweave;
}

/** One user of `name` less; the last one closes it, unless another comes within the same task. */
export function release(name: string): void {
  const entry = shared.get(name);
  if (entry === undefined || --entry.users > 0) return;
  entry.closing = setTimeout(() => {
    if (shared.get(name) !== entry || entry.users > 0) return;
    shared.delete(name);
    void entry.taskweave.then((tw) => tw.close()).catch(() => undefined);
  }, 0);
}
