import type { $ZodIssue } from 'zod/v4/core';

/**
 * Every code a taskweave error can carry. `isTaskweaveError(e, code)` narrows on it.
 */
export type TaskweaveErrorCode =
  | 'validation'
  | 'unknown-dependency'
  | 'cycle'
  | 'duplicate-id'
  | 'not-found'
  | 'cancelled'
  | 'timeout'
  | 'dependency-failed'
  | 'closed'
  | 'execution'
  | 'worker-crashed'
  /** A task's runs were interrupted (reload, close, tab handover) more than `maxInterruptions` times. */
  | 'interrupted'
  | 'not-configured'
  | 'persistence'
  /**
   * A model the task names is not there: its file answered 404, or an HTML page where a model
   * file was asked (a dev server's fallback). Never retried; `details` has `modelId` and `url`.
   */
  | 'model-not-found'
  /**
   * Thrown by an executor that handed a task back without running any of it (its placement
   * changed: the server it was placed on could not be reached). The scheduler queues it again and
   * spends no attempt.
   */
  | 'not-started';

/** Codes whose failures are worth another attempt by default. */
const RETRYABLE: ReadonlySet<TaskweaveErrorCode> = new Set(['execution', 'worker-crashed']);

export interface TaskweaveErrorOptions {
  cause?: unknown;
  /** Overrides the default retryability of the code. */
  retryable?: boolean;
  /** Structured, serialisable extra data (the field that failed, the dependency id, …). */
  details?: Record<string, unknown>;
}

/**
 * Base class of every error taskweave throws or reports.
 *
 * @example
 * try { await scheduler.submit(bad) } catch (e) {
 *   if (isTaskweaveError(e, 'validation')) console.log(e.issues)
 * }
 */
export class TaskweaveError extends Error {
  override name = 'TaskweaveError';
  readonly code: TaskweaveErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: TaskweaveErrorCode, message: string, options: TaskweaveErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE.has(code);
    this.details = options.details;
  }
}

/** One problem found by validation: where (`path`, dotted in `field`) and what. */
export interface ValidationIssue {
  path: (string | number)[];
  field: string;
  message: string;
}

/** Input refused at a boundary; `field` names the first offending field. */
export class ValidationError extends TaskweaveError {
  override name = 'ValidationError';
  readonly issues: ValidationIssue[];
  readonly field: string;

  constructor(message: string, issues: ValidationIssue[], options: TaskweaveErrorOptions = {}) {
    super('validation', message, { ...options, retryable: false, details: { issues, ...options.details } });
    this.issues = issues;
    this.field = issues[0]?.field ?? '';
  }

  /** Builds a ValidationError from zod issues, prefixing each path with `where`. */
  static fromZod(where: string, issues: readonly $ZodIssue[]): ValidationError {
    return ValidationError.fromIssues(
      where,
      issues.map((issue) => ({ path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: issue.message })),
    );
  }

  /**
   * Builds a ValidationError from issues given as a path and a message (`field` is the dotted path).
   * @example ValidationError.fromIssues('submit', [{ path: ['metadata', 'backend'], message: "must be 'auto', 'webgpu' or 'wasm'" }])
   */
  static fromIssues(where: string, issues: readonly { path: readonly (string | number)[]; message: string }[]): ValidationError {
    const mapped = issues.map((issue) => {
      const path = [...issue.path];
      const field = path.length > 0 ? path.join('.') : '(root)';
      return { path, field, message: issue.message };
    });
    const first = mapped[0];
    const summary = mapped.map((i) => `${i.field}: ${i.message}`).join('; ');
    return new ValidationError(`${where}: invalid ${first?.field ?? 'value'} — ${summary}`, mapped);
  }
}

/** The task was cancelled by `cancel()`, by `close()`, or because a dependency did not complete. */
export class CancelledError extends TaskweaveError {
  override name = 'CancelledError';
  constructor(message = 'Task was cancelled', options: TaskweaveErrorOptions = {}) {
    super('cancelled', message, { ...options, retryable: false });
  }
}

/** The task's deadline passed before it started or while it ran. */
export class TimeoutError extends TaskweaveError {
  override name = 'TimeoutError';
  constructor(message = 'Task deadline passed', options: TaskweaveErrorOptions = {}) {
    super('timeout', message, { ...options, retryable: false });
  }
}

/** A dependency ended Failed, Cancelled or Timeout; `dependencyId` names it. */
export class DependencyFailedError extends TaskweaveError {
  override name = 'DependencyFailedError';
  readonly dependencyId: string;
  constructor(dependencyId: string, dependencyStatus: string, options: TaskweaveErrorOptions = {}) {
    super('dependency-failed', `Dependency ${dependencyId} ended ${dependencyStatus}`, {
      ...options,
      retryable: false,
      details: { dependencyId, dependencyStatus, ...options.details },
    });
    this.dependencyId = dependencyId;
  }
}

/** A worker died (crash, self.close, terminate, hang) while it held the task. Retryable. */
export class WorkerCrashedError extends TaskweaveError {
  override name = 'WorkerCrashedError';
  constructor(message = 'The worker running this task crashed', options: TaskweaveErrorOptions = {}) {
    super('worker-crashed', message, { retryable: true, ...options });
  }
}

/**
 * A storage failure: quota exceeded, a corrupt record, a closed database. Not retryable unless
 * said (`retryable: true`: a quota error in a task's own writes, which a later attempt may find
 * room for).
 */
export class PersistenceError extends TaskweaveError {
  override name = 'PersistenceError';
  readonly reason: 'quota' | 'corrupt' | 'unavailable' | 'unknown';
  constructor(
    reason: PersistenceError['reason'],
    message: string,
    options: TaskweaveErrorOptions = {},
  ) {
    super('persistence', message, { ...options, retryable: options.retryable ?? false, details: { reason, ...options.details } });
    this.reason = reason;
  }
}

/**
 * Narrows `error` to a TaskweaveError, optionally with a given code.
 *
 * @example
 * if (isTaskweaveError(err, 'timeout')) retryLater()
 */
export function isTaskweaveError<C extends TaskweaveErrorCode>(
  error: unknown,
  code?: C,
): error is TaskweaveError & { code: C } {
  return error instanceof TaskweaveError && (code === undefined || error.code === code);
}

/** Plain-data form of an error, for crossing worker boundaries and for storage. */
export interface SerializedError {
  name: string;
  code: TaskweaveErrorCode;
  message: string;
  retryable: boolean;
  stack?: string;
  details?: Record<string, unknown>;
}

/** Turns any thrown value into a SerializedError; non-taskweave errors become `execution`. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof TaskweaveError) {
    return {
      name: error.name,
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.stack === undefined ? {} : { stack: error.stack }),
      ...(error.details === undefined ? {} : { details: error.details }),
    };
  }
  if (error instanceof Error) {
    return {
      name: error.name,
      code: 'execution',
      message: error.message,
      retryable: true,
      ...(error.stack === undefined ? {} : { stack: error.stack }),
    };
  }
  return { name: 'Error', code: 'execution', message: String(error), retryable: true };
}

/** Rebuilds the TaskweaveError subclass that matches a SerializedError's code. */
export function deserializeError(data: SerializedError): TaskweaveError {
  const options: TaskweaveErrorOptions = {
    retryable: data.retryable,
    ...(data.details === undefined ? {} : { details: data.details }),
  };
  let error: TaskweaveError;
  switch (data.code) {
    case 'validation':
      error = new ValidationError(data.message, (data.details?.['issues'] as ValidationIssue[] | undefined) ?? [], options);
      break;
    case 'cancelled':
      error = new CancelledError(data.message, options);
      break;
    case 'timeout':
      error = new TimeoutError(data.message, options);
      break;
    case 'worker-crashed':
      error = new WorkerCrashedError(data.message, options);
      break;
    case 'persistence':
      error = new PersistenceError(
        (data.details?.['reason'] as PersistenceError['reason'] | undefined) ?? 'unknown',
        data.message,
        options,
      );
      break;
    default:
      error = new TaskweaveError(data.code, data.message, options);
  }
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

/** Wraps an unknown thrown value as a TaskweaveError (handler errors become retryable `execution`). */
export function toTaskweaveError(error: unknown): TaskweaveError {
  if (error instanceof TaskweaveError) return error;
  if (error instanceof Error) {
    return new TaskweaveError('execution', error.message, { cause: error });
  }
  return new TaskweaveError('execution', String(error));
}
