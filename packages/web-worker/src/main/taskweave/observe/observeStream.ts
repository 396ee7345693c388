/**
 * `observeStream(tw, idOrHandle)`: a task's partial outputs (`tw.stream`) as a value to watch —
 * the chunks so far, and whether the stream ended. Each watch reads the stream from its start
 * (`tw.stream` replays what was emitted so far), so a late subscriber sees every chunk.
 */
import { toTaskweaveError, type TaskId, type TaskweaveError } from '@taskweave/core';
import type { Taskweave } from '../taskweave.js';
import type { TaskHandle } from '../typedTasks.js';
import { ObservableValue } from './observable.js';

/** A task's stream as `observeStream` shows it. */
export interface StreamView<C> {
  /** The chunks so far, in order. */
  chunks: readonly C[];
  /** The task ended: no chunk comes after these. */
  done: boolean;
  /** The stream could not be read (`not-found`, `closed`). */
  error: TaskweaveError | undefined;
}

/** A stream not read yet (before a task, on the server). */
export const IDLE_STREAM: StreamView<never> = Object.freeze({ chunks: Object.freeze([]), done: false, error: undefined });

/**
 * Watches a task's partial outputs. The last subscriber leaving stops reading (the SDK's reader
 * lets go at the stream's next chunk or its end).
 *
 * @example
 * const tokens = observeStream<string>(tw, await tw.generate('Tonight, I ask', { model: 'sotu-gen' }))
 * tokens.subscribe(() => (output.textContent = tokens.getSnapshot().chunks.join('')))
 */
export function observeStream<C = unknown>(tw: Pick<Taskweave, 'stream'>, task: TaskId | TaskHandle<unknown, C>): ObservableValue<StreamView<C>> {
  const id = typeof task === 'string' ? task : task.id;
  return new ObservableValue<StreamView<C>>(IDLE_STREAM, (set) => {
    const iterator = tw.stream<C>(id)[Symbol.asyncIterator]();
    const chunks: C[] = [];
    let stopped = false;
    const read = async () => {
      try {
        for (;;) {
          const next = await iterator.next();
          if (stopped) return;
          if (next.done === true) break;
          chunks.push(next.value);
          set({ chunks: chunks.slice(), done: false, error: undefined });
        }
        set({ chunks: chunks.slice(), done: true, error: undefined });
      } catch (error) {
        set({ chunks: chunks.slice(), done: true, error: toTaskweaveError(error) });
      }
    };
    set(IDLE_STREAM);
    void read();
    return () => {
      stopped = true;
      void iterator.return?.()?.catch(() => undefined);
    };
  });
}
