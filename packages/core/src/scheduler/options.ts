/**
 * The scheduler's options: what a caller may give (`TaskSchedulerOptions`, `RetentionOptions`),
 * and the one place they are checked and their defaults applied (`resolveOptions`, by hand rather
 * than with zod, naming the bad option), so the rest of the scheduler reads a
 * `ResolvedSchedulerOptions` with no optional field. The executor's batching policy is checked
 * apart, where the batch former is made (`resolveBatchPolicy`, queue/batching.ts).
 */
import { MemoryTaskStore } from '../adapters/memoryTaskStore.js';
import { systemClock } from '../clock.js';
import { ValidationError } from '../errors.js';
import { createIdGenerator } from '../ids.js';
import type { Clock, Executor, PruneOptions, TaskStore } from '../ports.js';
import { createRetryer, type RetryOptions, type Retryer } from './retryer.js';
import type { SubmitValidator } from './submission.js';

/** Options of `new TaskScheduler()`. */
export interface TaskSchedulerOptions extends RetryOptions {
  /** Runs the tasks (the worker pool, or any object with `execute`). */
  executor: Executor;
  /**
   * Where tasks and results live. Without one the scheduler makes a `MemoryTaskStore` (and closes
   * it on `close()`): the same path as any store, so finished tasks leave the scheduler's memory by
   * `gcTimeMs` and `maxFinishedInMemory` and are read back from that store, which keeps them until
   * `prune()` (or `retention`) removes them.
   * @default a new `MemoryTaskStore`
   */
  store?: TaskStore;
  /** Most executor calls at once (a batch is one call), capped at `executor.capacity`. @default executor.capacity ?? 4 */
  concurrency?: number;
  /**
   * How many times a task's run may be interrupted by something that is not its doing (a page
   * reload, `close()`, a leader tab handing over) before it ends `Failed` with an `interrupted`
   * error. Interruptions spend no retry; this bound stops a task that takes its page down every
   * time it runs. @default 3
   */
  maxInterruptions?: number;
  /** Waiting this long in the ready queue lifts a task one priority level. @default 5_000 */
  agingMs?: number;
  /** Time source (tests pass a fake). @default systemClock */
  clock?: Clock;
  /** Id generator (must give UUID strings, RFC 9562). @default createIdGenerator(): `crypto.randomUUID()` */
  generateId?: () => string;
  /**
   * Extra checks at submit, after the core's schema: what the executor knows it cannot run
   * (`validateSubmission` of `@taskweave/web-worker`). A task it finds problems in is refused with
   * a `ValidationError` naming the field, and nothing is stored. @default none
   */
  validate?: SubmitValidator;
  /**
   * How long a finished task stays in memory once its end is durable; after that `wait`, `get` and
   * dependents submitted later read it from the store, and `getSnapshot()` still counts it.
   * `Infinity` keeps finished tasks until `maxFinishedInMemory` pushes them out. @default 60_000
   */
  gcTimeMs?: number;
  /**
   * Most finished tasks held in memory; past it the oldest leave at once (read back from the store
   * when asked for). Bounds memory whatever the rate: 1,000 tasks with 512-float outputs ≈ 2.5 MB.
   * `Infinity` for no bound. @default 1_000
   */
  maxFinishedInMemory?: number;
  /**
   * Removes finished tasks from the store by a rule (`olderThanMs`, `keepLast`), once the scheduler
   * is ready and then every `everyMs`. Off unless given; `prune()` runs the same rule by hand.
   * @default undefined (finished tasks stay in the store until `prune()`)
   */
  retention?: RetentionOptions;
  /**
   * Most bytes a task's checkpoint may take (`ExecutionContext.checkpoint`, measured as structured
   * clone would copy it): a checkpoint is written with the task's record, so it stays small —
   * generated token ids, a cursor, committed ids — never the data itself. @default 65_536
   */
  maxCheckpointBytes?: number;
}

/** What the scheduler prunes from its store, and how often (`TaskSchedulerOptions.retention`). */
export interface RetentionOptions extends PruneOptions {
  /** How often the rule runs, in ms. @default 60_000 */
  everyMs?: number;
}

/** `TaskSchedulerOptions` checked once, every default applied: what the scheduler's parts read. */
export interface ResolvedSchedulerOptions {
  readonly executor: Executor;
  readonly store: TaskStore;
  /** No store was given: the scheduler made `store`, so it closes it too. */
  readonly ownsStore: boolean;
  /** Most executor calls at once, already capped at `executor.capacity`. */
  readonly concurrency: number;
  readonly maxInterruptions: number;
  readonly agingMs: number;
  readonly clock: Clock;
  readonly generateId: () => string;
  /** Extra checks at submit; undefined when none were given. */
  readonly validate: SubmitValidator | undefined;
  readonly retryer: Retryer;
  readonly gcTimeMs: number;
  readonly maxFinishedInMemory: number;
  /** The retention rule and its period; undefined when retention is off. */
  readonly retention: { readonly rule: PruneOptions; readonly everyMs: number } | undefined;
  readonly maxCheckpointBytes: number;
}

/** The rule of a prune: only the fields given (a store sees `{ keepLast: 1 }`, not `everyMs`). */
export function pruneRule(options: PruneOptions | undefined): PruneOptions {
  const rule: PruneOptions = {};
  if (options?.olderThanMs !== undefined) rule.olderThanMs = options.olderThanMs;
  if (options?.keepLast !== undefined) rule.keepLast = options.keepLast;
  return rule;
}

function refuse(message: string, path: string[], field: string, why: string): never {
  throw new ValidationError(`TaskScheduler: ${message}`, [{ path, field, message: why }]);
}

/**
 * Checks the options and applies the defaults; throws a `ValidationError` naming the first bad
 * option. Makes the `MemoryTaskStore` of a scheduler given none, once every option passed.
 */
export function resolveOptions(options: TaskSchedulerOptions): ResolvedSchedulerOptions {
  if (typeof options?.executor?.execute !== 'function') {
    refuse('options.executor must have an execute(task, ctx) method', ['executor'], 'executor', 'must have an execute(task, ctx) method');
  }
  const executor = options.executor;
  const capacity = executor.capacity;
  const asked = options.concurrency ?? capacity ?? 4;
  const concurrency = capacity !== undefined && capacity >= 1 ? Math.min(asked, capacity) : asked;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    refuse(`options.concurrency must be a whole number ≥ 1, got ${concurrency}`, ['concurrency'], 'concurrency', 'must be a whole number ≥ 1');
  }
  const retryer = createRetryer(options);
  const maxInterruptions = options.maxInterruptions ?? 3;
  if (!Number.isInteger(maxInterruptions) || maxInterruptions < 0) {
    refuse(`options.maxInterruptions must be a whole number ≥ 0, got ${maxInterruptions}`, ['maxInterruptions'], 'maxInterruptions', 'must be a whole number ≥ 0');
  }
  const gcTimeMs = options.gcTimeMs ?? 60_000;
  const maxFinishedInMemory = options.maxFinishedInMemory ?? 1_000;
  if (!(gcTimeMs >= 0)) {
    refuse(`options.gcTimeMs must be a number ≥ 0 (or Infinity), got ${gcTimeMs}`, ['gcTimeMs'], 'gcTimeMs', 'must be a number ≥ 0 (or Infinity)');
  }
  if (!(maxFinishedInMemory === Number.POSITIVE_INFINITY || (Number.isInteger(maxFinishedInMemory) && maxFinishedInMemory >= 0))) {
    refuse(
      `options.maxFinishedInMemory must be a whole number ≥ 0 (or Infinity), got ${maxFinishedInMemory}`,
      ['maxFinishedInMemory'],
      'maxFinishedInMemory',
      'must be a whole number ≥ 0 (or Infinity)',
    );
  }
  const everyMs = options.retention?.everyMs ?? 60_000;
  if (options.retention !== undefined && !(everyMs > 0)) {
    refuse(`options.retention.everyMs must be a number > 0, got ${everyMs}`, ['retention', 'everyMs'], 'retention.everyMs', 'must be a number > 0');
  }
  const maxCheckpointBytes = options.maxCheckpointBytes ?? 65_536;
  if (!Number.isInteger(maxCheckpointBytes) || maxCheckpointBytes < 0) {
    refuse(`options.maxCheckpointBytes must be a whole number ≥ 0, got ${maxCheckpointBytes}`, ['maxCheckpointBytes'], 'maxCheckpointBytes', 'must be a whole number ≥ 0');
  }
  return {
    executor,
    store: options.store ?? new MemoryTaskStore(),
    ownsStore: options.store === undefined,
    concurrency,
    maxInterruptions,
    agingMs: options.agingMs ?? 5_000,
    clock: options.clock ?? systemClock,
    generateId: options.generateId ?? createIdGenerator(),
    validate: options.validate,
    retryer,
    gcTimeMs,
    maxFinishedInMemory,
    retention: options.retention === undefined ? undefined : { rule: pruneRule(options.retention), everyMs },
    maxCheckpointBytes,
  };
}
