/** What IndexedDB throws, mapped to typed PersistenceErrors: quota, unavailable, corrupt, unknown. */
import { describe, expect, it } from 'vitest';
import { PersistenceError, TaskweaveError, ValidationError } from '../../../errors.js';
import { closedError, corruptError, describeError, toPersistenceError } from '../persistenceError.js';

describe('toPersistenceError', () => {
  it('maps QuotaExceededError to quota, saying nothing of the write was stored', () => {
    const cause = new DOMException('full', 'QuotaExceededError');
    const error = toPersistenceError(cause, 'writing 3 tasks');
    expect(error.reason).toBe('quota');
    expect(error.message).toBe('Storage quota exceeded while writing 3 tasks; nothing of this write was stored');
    expect(error.cause).toBe(cause);
    // Retryable (#28): nothing was written and room may be made; the store's own writes are never retried.
    expect(error.retryable).toBe(true);
  });

  it('maps a closed or failing connection to unavailable', () => {
    for (const name of ['InvalidStateError', 'UnknownError', 'VersionError']) {
      const error = toPersistenceError(new DOMException('gone', name), 'loading');
      expect(error.reason, name).toBe('unavailable');
      expect(error.message).toBe(`IndexedDB unavailable while loading: ${name}: gone`);
    }
  });

  it('maps anything else to unknown, naming what was being done', () => {
    expect(toPersistenceError(new TypeError('odd'), 'pruning')).toMatchObject({ reason: 'unknown', message: 'IndexedDB failed while pruning: TypeError: odd' });
    expect(toPersistenceError('a string', 'pruning').message).toBe('IndexedDB failed while pruning: a string');
    const wrapped = toPersistenceError(new TaskweaveError('closed', 'scheduler closed'), 'reading');
    expect(wrapped).toMatchObject({ reason: 'unknown', message: 'reading: scheduler closed' });
  });

  it('passes a PersistenceError through', () => {
    const original = new PersistenceError('corrupt', 'bad');
    expect(toPersistenceError(original, 'x')).toBe(original);
  });
});

describe('corruptError / closedError / describeError', () => {
  it('name the quarantined key and field, the closed store, and an error by name and message', () => {
    const validation = ValidationError.fromIssues('record', [{ path: ['task', 'priority'], message: 'bad' }]);
    const corrupt = corruptError('k1', validation);
    expect(corrupt.reason).toBe('corrupt');
    expect(corrupt.details).toEqual({ reason: 'corrupt', key: 'k1', field: 'task.priority' });
    expect(corrupt.message).toContain('Stored task k1 is corrupt and was quarantined');
    expect(closedError()).toMatchObject({ reason: 'unavailable', message: 'IdbTaskStore is closed' });
    expect(describeError(new RangeError('r'))).toBe('RangeError: r');
    expect(describeError(42)).toBe('42');
  });
});
