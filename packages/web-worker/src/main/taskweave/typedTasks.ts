/**
 * The typed helpers of the `Taskweave` handle — `tw.embed(text, { model })`, `tw.store(…)`,
 * `tw.search(…)`, `tw.retrieve(…)`, `tw.process(…)`, `tw.embedMany(…)`, `tw.infer(…)` — built on
 * `submit`/`wait`/`cancel` with core's request builders, so every submit option (priority,
 * deadline, dependencies, retries) still applies.
 */
import {
  outputOf,
  requests,
  type DocumentInput,
  type GenerateOptions,
  type ModelInputRequest,
  type ProcessOptions,
  type RequestName,
  type RequestOptions,
  type RequestOutputs,
  type RetrieveWhat,
  type SearchFor,
  type SearchOptions,
  type SubmitTaskOptions,
  type TaskId,
  type TaskProgress,
  type TaskResult,
} from '@taskweave/core';

/**
 * A submitted task: its id, its typed result, and a cancel. `result` resolves with the typed
 * output, or rejects with the task's `TaskweaveError` when it ends other than `Completed` (its
 * `code` says why: `cancelled`, `timeout`, `validation`, …); it is read from the task on first use,
 * so a handle whose result nobody reads leaves no unhandled rejection.
 */
export interface TaskHandle<O, C = unknown> {
  readonly id: TaskId;
  readonly result: Promise<O>;
  /** Its partial outputs, from the first, until it ends (`Taskweave.stream`); each `for await` reads from the start. */
  readonly stream: AsyncIterable<C>;
  /** Its progress, the latest value each time, until it ends (`Taskweave.progress`). */
  readonly progress: AsyncIterable<TaskProgress>;
  cancel(): Promise<boolean>;
}

/** The typed helpers, one per built-in task type. */
export interface TypedTasks {
  /** @example const { vector } = await (await tw.embed('a cat sits on the mat', { model: 'use-lite' })).result */
  embed(text: string, options: RequestOptions & { model: string }): Promise<TaskHandle<RequestOutputs['embed']>>;
  embedMany(texts: readonly string[], options: RequestOptions & { model: string }): Promise<TaskHandle<RequestOutputs['embedMany']>>;
  /** @example await tw.store('notes', [{ text: 'buy milk' }], { model: 'use-lite' }) */
  store(
    collection: string,
    documents: readonly DocumentInput[],
    options?: RequestOptions & { model?: string; delete?: readonly string[]; chunkSize?: number },
  ): Promise<TaskHandle<RequestOutputs['store'], string[]>>;
  /** @example const { hits } = await (await tw.search('notes', { text: 'groceries' }, { model: 'use-lite', topK: 5 })).result */
  search(collection: string, query: SearchFor, options?: SearchOptions & { model?: string }): Promise<TaskHandle<RequestOutputs['search']>>;
  retrieve(collection: string, what?: RetrieveWhat, options?: RequestOptions): Promise<TaskHandle<RequestOutputs['retrieve']>>;
  /** @example const { chunks } = await (await tw.process(longText, { op: 'chunk', chunkSize: 400 })).result */
  process(text: string, options?: ProcessOptions & { model?: string }): Promise<TaskHandle<RequestOutputs['process']>>;
  infer(input: ModelInputRequest, options: RequestOptions & { model: string }): Promise<TaskHandle<RequestOutputs['infer']>>;
  /**
   * Generates text, streamed token by token: `stream` yields each token's text, `result` the whole
   * text with `finishReason` ('stop' or 'length'); `cancel()` stops it within one token.
   * @example
   * const { stream, result } = await tw.generate('Tonight, I ask', { model: 'sotu-gen', maxNewTokens: 40 })
   * for await (const token of stream) output.textContent += token
   * const { finishReason } = await result
   */
  generate(prompt: string, options: GenerateOptions): Promise<TaskHandle<RequestOutputs['generate'], string>>;
}

/** What the helpers need of a handle. */
export interface TaskSubmitter {
  submit(options: SubmitTaskOptions): Promise<TaskId>;
  wait(id: TaskId): Promise<TaskResult>;
  cancel(id: TaskId): Promise<boolean>;
  stream<C = unknown>(id: TaskId): AsyncIterable<C>;
  progress(id: TaskId): AsyncIterable<TaskProgress>;
}

/**
 * The typed helpers over `base`.
 * @example Object.assign(tw, typedTasks(tw))
 */
export function typedTasks(base: TaskSubmitter): TypedTasks {
  const handle = async <R extends RequestName, C = unknown>(request: R, options: SubmitTaskOptions): Promise<TaskHandle<RequestOutputs[R], C>> => {
    const id = await base.submit(options);
    let result: Promise<RequestOutputs[R]> | undefined;
    return {
      id,
      get result() {
        return (result ??= base.wait(id).then((r) => outputOf(request, r)));
      },
      stream: base.stream<C>(id),
      progress: base.progress(id),
      cancel: () => base.cancel(id),
    };
  };
  return {
    embed: (text, options) => handle('embed', requests.embed(text, options)),
    embedMany: (texts, options) => handle('embedMany', requests.embedMany(texts, options)),
    store: (collection, documents, options) => handle<'store', string[]>('store', requests.store(collection, documents, options)),
    search: (collection, query, options) => handle('search', requests.search(collection, query, options)),
    retrieve: (collection, what, options) => handle('retrieve', requests.retrieve(collection, what, options)),
    process: (text, options) => handle('process', requests.process(text, options)),
    infer: (input, options) => handle('infer', requests.infer(input, options)),
    generate: (prompt, options) => handle<'generate', string>('generate', requests.generate(prompt, options)),
  };
}
