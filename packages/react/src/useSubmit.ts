/**
 * The hooks that start a task and show it: `useSubmit()` (any task type), `useEmbed()` and
 * `useGenerate()` (the typed helpers, outputs typed as they type them). The task is the caller's:
 * it goes on when the component unmounts (cancel it with `cancel()` first if it should not).
 */
import type { RequestOptions, RequestOutputs, SubmitTaskOptions, TaskId, TaskOutput, GenerateOptions } from '@taskweave/core';
import type { TaskHandle, TaskView, Taskweave } from '@taskweave/web-worker';
import { useCallback, useMemo, useState } from 'react';
import { ready, useTaskweave } from './provider.js';
import { useStream, useTask } from './useTask.js';

/** The last task a submitting hook started, as `useTask` shows it, and its cancel. */
export type Submitted<O> = TaskView<O> & {
  /** Cancels the last task started; false when there is none or it had ended. */
  cancel(): Promise<boolean>;
};

/** Starts tasks through `start` and keeps the last one's handle. */
function useStart<A extends unknown[], O, C>(start: (tw: Taskweave, ...args: A) => Promise<TaskHandle<O, C>>) {
  const tw = useTaskweave();
  const [handle, setHandle] = useState<TaskHandle<O, C>>();
  const run = useCallback(
    async (...args: A) => {
      const started = await start(ready(tw), ...args);
      setHandle(started);
      return started;
    },
    // `start` is one of the module's own functions below: never changes.
    [tw],
  );
  const cancel = useCallback(async () => (handle === undefined ? false : handle.cancel()), [handle]);
  return { run, handle, cancel };
}

/**
 * Submits any task (`tw.submit`) and shows the last one submitted.
 * @example
 * const { submit, status, output } = useSubmit()
 * <button onClick={() => submit({ type: 'custom:resize', input: { kind: 'custom', value: file } })}>Resize</button>
 */
export function useSubmit(): Submitted<TaskOutput> & { submit(options: SubmitTaskOptions): Promise<TaskId>; id: TaskId | undefined } {
  const tw = useTaskweave();
  const [id, setId] = useState<TaskId>();
  const submit = useCallback(
    async (options: SubmitTaskOptions) => {
      const submitted = await ready(tw).submit(options);
      setId(submitted);
      return submitted;
    },
    [tw],
  );
  const cancel = useCallback(async () => (id === undefined || tw === undefined ? false : tw.cancel(id)), [tw, id]);
  return { ...useTask(id), id, submit, cancel };
}

const embed = (tw: Taskweave, text: string, options: RequestOptions & { model: string }) => tw.embed(text, options);

/**
 * Embeds a text (`tw.embed`) and shows the last one: `output.vector` is a `Float32Array`.
 * @example const { embed, output } = useEmbed(); await embed('a cat sits on the mat', { model: 'use-lite' })
 */
export function useEmbed(): Submitted<RequestOutputs['embed']> & {
  embed(text: string, options: RequestOptions & { model: string }): Promise<TaskHandle<RequestOutputs['embed']>>;
  handle: TaskHandle<RequestOutputs['embed']> | undefined;
} {
  const { run, handle, cancel } = useStart(embed);
  return { ...useTask(handle), embed: run, handle, cancel };
}

const generate = (tw: Taskweave, prompt: string, options: GenerateOptions) => tw.generate(prompt, options);

/**
 * Generates text (`tw.generate`): `text` grows token by token while it runs; `output` (with
 * `finishReason`) once it ended; `cancel()` stops it within one token.
 * @example const { generate, text, status, cancel } = useGenerate(); generate('Tonight, I ask', { model: 'sotu-gen' })
 */
export function useGenerate(): Submitted<RequestOutputs['generate']> & {
  generate(prompt: string, options: GenerateOptions): Promise<TaskHandle<RequestOutputs['generate'], string>>;
  handle: TaskHandle<RequestOutputs['generate'], string> | undefined;
  /** The tokens streamed so far, joined. */
  text: string;
} {
  const { run, handle, cancel } = useStart(generate);
  const { chunks } = useStream(handle);
  const text = useMemo(() => chunks.join(''), [chunks]);
  return { ...useTask(handle), generate: run, handle, cancel, text };
}
