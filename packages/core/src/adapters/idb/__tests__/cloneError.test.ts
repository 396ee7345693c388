/** IndexedDB's DataCloneError as a ValidationError naming the field that holds what could not be copied. */
import { describe, expect, it } from 'vitest';
import { makeRecord, makeTask } from '../../../__tests__/taskStoreContract.js';
import { TaskStatus } from '../../../task.js';
import { isDataCloneError, locateUncloneable, uncloneableRecordError } from '../cloneError.js';

describe('locateUncloneable', () => {
  it('is undefined for what clones, and the path to the deepest refused part otherwise', () => {
    const { port1 } = new MessageChannel();
    try {
      expect(locateUncloneable({ a: [1, { b: 'c' }], m: new Map([['k', 1]]) })).toBeUndefined();
      expect(locateUncloneable({ a: { port: port1 } })).toEqual(['a', 'port']);
      expect(locateUncloneable({ list: [1, { f: () => 1 }] })).toEqual(['list', 1, 'f']);
      expect(locateUncloneable({ m: new Map([['key', { f: () => 1 }]]) })).toEqual(['m', 'key', 'f']);
      expect(locateUncloneable({ s: new Set([1, () => 2]) })).toEqual(['s', 1]);
      expect(locateUncloneable(() => 1)).toEqual([]);
    } finally {
      port1.close();
    }
  });

  it('stops on a cycle that leads back up', () => {
    const node: Record<string, unknown> = { f: () => 1 };
    node['self'] = node;
    expect(locateUncloneable({ node })).toEqual(['node', 'f']);
  });
});

describe('uncloneableRecordError', () => {
  it('names the field relative to the task, and the task id', () => {
    const task = makeTask({ type: 'custom:x', input: { kind: 'custom', value: { f: () => 1 } } });
    const record = makeRecord(TaskStatus.Pending, 1, { task });
    const cause = new DOMException('could not be cloned', 'DataCloneError');
    const error = uncloneableRecordError(record, cause);
    expect(error.code).toBe('validation');
    expect(error.field).toBe('input.value.f');
    expect(error.details).toMatchObject({ taskId: task.id });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      `Task ${task.id}: input.value.f cannot be stored in IndexedDB (DataCloneError: could not be cloned); nothing of this task was written`,
    );
  });

  it('names the field relative to the result for an uncloneable output', () => {
    const record = makeRecord(TaskStatus.Completed, 1, { output: { kind: 'custom', value: { port: () => 0 } } });
    expect(uncloneableRecordError(record, 'x').field).toBe('output.value.port');
  });
});

describe('isDataCloneError', () => {
  it('recognises the error by name only', () => {
    expect(isDataCloneError(new DOMException('x', 'DataCloneError'))).toBe(true);
    expect(isDataCloneError({ name: 'DataCloneError' })).toBe(true);
    expect(isDataCloneError(new DOMException('x', 'QuotaExceededError'))).toBe(false);
    expect(isDataCloneError(null)).toBe(false);
  });
});
