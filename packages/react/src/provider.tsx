/**
 * `<TaskweaveProvider options>` and `useTaskweave()`. The taskweave starts in an effect (never during
 * server rendering) and is shared by name (`taskweaves.ts`); until it is ready, and on the server,
 * `useTaskweave()` returns undefined and the hooks show their idle state.
 */
import { TaskweaveError } from '@taskweave/core';
import type { Taskweave, TaskweaveOptions } from '@taskweave/web-worker';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { acquire, release } from './taskweaves.js';

/** What a provider holds: its taskweave once started, the error it failed with, or nothing yet. */
type Held = Taskweave | Error | undefined;

const NO_PROVIDER: unique symbol = Symbol('no provider');
const TaskweaveContext = createContext<Held | typeof NO_PROVIDER>(NO_PROVIDER);

/** Props of `TaskweaveProvider`. */
export interface TaskweaveProviderProps {
  /** `createTaskweave`'s options; the first provider of a `name` starts it, later ones share it. @default {} */
  options?: TaskweaveOptions;
  children?: ReactNode;
}

/**
 * Starts (or shares) the taskweave of `options.name` for the components below; the last provider
 * of that name to unmount closes it.
 *
 * @example
 * <TaskweaveProvider options={{ name: 'notes', models: [{ id: 'use-lite', dtype: 'q8' }] }}>
 *   <App />
 * </TaskweaveProvider>
 */
export function TaskweaveProvider({ options = {}, children }: TaskweaveProviderProps): ReactNode {
  const name = options.name ?? 'default';
  const [held, setHeld] = useState<Held>(undefined);
  useEffect(() => {
    let mounted = true;
    acquire(options).then(
      (tw) => mounted && setHeld(tw),
      (error: unknown) => mounted && setHeld(error instanceof Error ? error : new Error(String(error))),
    );
    return () => {
      mounted = false;
      release(name);
    };
    // The taskweave is per name: options given again on a re-render do not start another one.
  }, [name]);
  return <TaskweaveContext.Provider value={held}>{children}</TaskweaveContext.Provider>;
}

/**
 * The provider's taskweave: undefined while it starts and during server rendering. Throws outside a
 * `TaskweaveProvider`, and throws the error it failed to start with (for an error boundary).
 * @example const tw = useTaskweave(); const onClick = () => tw?.embed(text, { model: 'use-lite' })
 */
export function useTaskweave(): Taskweave | undefined {
  const held = useContext(TaskweaveContext);
  if (held === NO_PROVIDER) throw new TaskweaveError('not-configured', 'useTaskweave() and the taskweave hooks need a <TaskweaveProvider> above them');
  if (held instanceof Error) throw held;
  return held;
}

/** What an action (a submit) before the provider's taskweave started fails with. */
export const notStarted = (): TaskweaveError =>
  new TaskweaveError('not-started', 'taskweave has not started yet (useTaskweave() is undefined until the provider has started it)');

/** The taskweave, for an action: a clear error when it has not started yet. */
export function ready(tw: Taskweave | undefined): Taskweave {
  if (tw === undefined) throw notStarted();
  return tw;
}
