/** The error hierarchy: codes, default retryability, narrowing, and the round trip through plain data (the worker boundary, the store). */
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  DependencyFailedError,
  PersistenceError,
  TaskweaveError,
  TimeoutError,
  ValidationError,
  WorkerCrashedError,
  deserializeError,
  isTaskweaveError,
  serializeError,
  toTaskweaveError,
} from '../errors.js';

describe('TaskweaveError and its subclasses', () => {
  it('retries execution and worker crashes by default, nothing else', () => {
    expect(new TaskweaveError('execution', 'x').retryable).toBe(true);
    expect(new WorkerCrashedError().retryable).toBe(true);
    expect(new TaskweaveError('persistence', 'x').retryable).toBe(false);
    expect(new TaskweaveError('not-started', 'x').retryable).toBe(false);
    expect(new TimeoutError().retryable).toBe(false);
    expect(new CancelledError().retryable).toBe(false);
    expect(new TaskweaveError('closed', 'x', { retryable: true }).retryable).toBe(true);
    // Subclasses that are never retried ignore an override.
    expect(new TimeoutError('late', { retryable: true }).retryable).toBe(false);
  });

  it('keeps cause and details, and each subclass its own fields', () => {
    const cause = new Error('disk');
    const p = new PersistenceError('quota', 'full', { cause, details: { bytes: 10 } });
    expect(p.cause).toBe(cause);
    expect(p.reason).toBe('quota');
    expect(p.details).toEqual({ reason: 'quota', bytes: 10 });
    const d = new DependencyFailedError('dep-1', 'Failed');
    expect(d.message).toBe('Dependency dep-1 ended Failed');
    expect(d.dependencyId).toBe('dep-1');
    expect(d.details).toEqual({ dependencyId: 'dep-1', dependencyStatus: 'Failed' });
  });

  it('ValidationError.fromIssues names the first field and lists every issue', () => {
    const error = ValidationError.fromIssues('submit', [
      { path: ['metadata', 'backend'], message: 'bad backend' },
      { path: [], message: 'bad root' },
    ]);
    expect(error.code).toBe('validation');
    expect(error.field).toBe('metadata.backend');
    expect(error.issues.map((i) => i.field)).toEqual(['metadata.backend', '(root)']);
    expect(error.message).toBe('submit: invalid metadata.backend — metadata.backend: bad backend; (root): bad root');
  });

  it('isTaskweaveError narrows on the class and, when given, the code', () => {
    const timeout = new TimeoutError();
    expect(isTaskweaveError(timeout)).toBe(true);
    expect(isTaskweaveError(timeout, 'timeout')).toBe(true);
    expect(isTaskweaveError(timeout, 'cancelled')).toBe(false);
    expect(isTaskweaveError(new Error('plain'))).toBe(false);
    expect(isTaskweaveError({ code: 'timeout' })).toBe(false);
  });
});

describe('serializeError / deserializeError', () => {
  const roundTrip = (error: unknown) => deserializeError(structuredClone(serializeError(error)));

  it('rebuilds the subclass of each code, with message, retryability, details and stack', () => {
    const cases = [
      [new CancelledError('stop'), CancelledError],
      [new TimeoutError('late'), TimeoutError],
      [new WorkerCrashedError('gone'), WorkerCrashedError],
      [new PersistenceError('corrupt', 'bad record'), PersistenceError],
      [ValidationError.fromIssues('submit', [{ path: ['input', 'text'], message: 'required' }]), ValidationError],
    ] as const;
    for (const [original, Class] of cases) {
      const back = roundTrip(original);
      expect(back).toBeInstanceOf(Class);
      expect(back.code).toBe(original.code);
      expect(back.message).toBe(original.message);
      expect(back.retryable).toBe(original.retryable);
      expect(back.stack).toBe(original.stack);
    }
    const persistence = roundTrip(new PersistenceError('corrupt', 'bad')) as PersistenceError;
    expect(persistence.reason).toBe('corrupt');
    const validation = roundTrip(ValidationError.fromIssues('submit', [{ path: ['input', 'text'], message: 'required' }])) as ValidationError;
    expect(validation.field).toBe('input.text');
    expect(validation.issues).toEqual([{ path: ['input', 'text'], field: 'input.text', message: 'required' }]);
  });

  it('keeps an overridden retryability across the boundary', () => {
    const back = roundTrip(new WorkerCrashedError('oom', { retryable: false }));
    expect(back).toBeInstanceOf(WorkerCrashedError);
    expect(back.retryable).toBe(false);
  });

  it('turns a plain Error or a thrown value into a retryable execution error', () => {
    const plain = serializeError(new RangeError('out of range'));
    expect(plain).toMatchObject({ name: 'RangeError', code: 'execution', message: 'out of range', retryable: true });
    expect(typeof plain.stack).toBe('string');
    expect(serializeError('just a string')).toEqual({ name: 'Error', code: 'execution', message: 'just a string', retryable: true });
    const back = deserializeError(plain);
    expect(back).toBeInstanceOf(TaskweaveError);
    expect(back.code).toBe('execution');
  });
});

describe('toTaskweaveError', () => {
  it('passes a TaskweaveError through and wraps anything else as execution, keeping the cause', () => {
    const timeout = new TimeoutError();
    expect(toTaskweaveError(timeout)).toBe(timeout);
    const cause = new Error('handler broke');
    const wrapped = toTaskweaveError(cause);
    expect(wrapped.code).toBe('execution');
    expect(wrapped.message).toBe('handler broke');
    expect(wrapped.cause).toBe(cause);
    expect(wrapped.retryable).toBe(true);
    expect(toTaskweaveError(42).message).toBe('42');
  });
});
