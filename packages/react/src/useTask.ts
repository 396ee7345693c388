/**
 * `useTask(idOrHandle)` and `useStream(idOrHandle)`: a task's status, progress, output and error,
 * and its streamed chunks, each rendering once per change (`observeTask`, `observeStream`).
 */
import type { TaskId, TaskOutput } from '@taskweave/core';
import { IDLE_STREAM, IDLE_TASK, observeStream, observeTask, type StreamView, type TaskHandle, type TaskView } from '@taskweave/web-worker';
import { useMemo } from 'react';
import { useObservable } from './useObservable.js';
import { useTaskweave } from './provider.js';

/**
 * A task as it goes: `status`, `progress`, and once it ended `output` (typed by the handle's helper)
 * or `error`. Idle (every field undefined) without a task, before the provider started, on the server.
 * @example
 * const { status, progress, output } = useTask(handle)
 * return status === 'Completed' ? <Vector dims={output.dims} /> : <progress value={progress?.done} max={progress?.total} />
 */
export function useTask<O = TaskOutput>(task: TaskId | TaskHandle<O, unknown> | undefined): TaskView<O> {
  const tw = useTaskweave();
  const observable = useMemo(() => (tw === undefined || task === undefined ? undefined : observeTask<O>(tw, task)), [tw, task]);
  return useObservable(observable, IDLE_TASK);
}

/**
 * A task's partial outputs (`tw.stream`): `chunks` so far, `done` once it ended.
 * @example const { chunks, done } = useStream<string>(handle); return <p aria-busy={!done}>{chunks.join('')}</p>
 */
export function useStream<C = unknown>(task: TaskId | TaskHandle<unknown, C> | undefined): StreamView<C> {
  const tw = useTaskweave();
  const observable = useMemo(() => (tw === undefined || task === undefined ? undefined : observeStream<C>(tw, task)), [tw, task]);
  return useObservable(observable, IDLE_STREAM);
}
