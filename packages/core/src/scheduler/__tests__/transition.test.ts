/** `transition` is the one writer of an entry's status and phase, and touches nothing else. */
import { describe, expect, it } from 'vitest';
import { TaskweaveError } from '../../errors.js';
import { TaskPriority, TaskStatus, TaskType, type Task, type TaskId } from '../../task.js';
import { Attempt } from '../attempt.js';
import { newEntry } from '../entry.js';
import { transition } from '../transition.js';
import type { Reports } from '../reports.js';

const NO_REPORTS = {} as Reports;

const task: Task = {
  id: '0b6f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b' as TaskId,
  type: TaskType.TextProcessing,
  input: { kind: 'text', text: 'x' },
  priority: TaskPriority.Normal,
  dependencies: [],
  retryCount: 0,
  maxRetries: 2,
  metadata: {},
  createdAt: 0,
};

describe('transition', () => {
  it('enqueue, start, settle: ready since `at`, Running with one more attempt and its queue wait, then done', () => {
    const entry = newEntry(task, 1);
    expect([entry.status, entry.phase]).toEqual([TaskStatus.Pending, 'blocked']);
    transition(entry, { type: 'enqueue', at: 100 });
    expect([entry.status, entry.phase, entry.readyAt]).toEqual([TaskStatus.Pending, 'ready', 100]);
    transition(entry, { type: 'start', at: 130 });
    expect([entry.status, entry.phase, entry.attempt, entry.startedAt, entry.queueWaitMs]).toEqual([TaskStatus.Running, 'running', 1, 130, 30]);
    transition(entry, { type: 'settle', status: TaskStatus.Completed });
    expect([entry.status, entry.phase]).toEqual([TaskStatus.Completed, 'done']);
  });

  it('a split is uncharged and runs alone; a retry counts one more retry and waits', () => {
    const entry = newEntry(task, 1);
    transition(entry, { type: 'enqueue', at: 0 });
    transition(entry, { type: 'start', at: 5 });
    const attempt = new Attempt(1, [], newEntry(task, 1), NO_REPORTS);
    entry.current = attempt;
    transition(entry, { type: 'split', at: 7 });
    expect([entry.status, entry.phase, entry.attempt, entry.solo, entry.readyAt, entry.current]).toEqual([TaskStatus.Pending, 'ready', 0, true, 7, undefined]);
    transition(entry, { type: 'start', at: 9 });
    entry.current = attempt;
    transition(entry, { type: 'retry', error: new TaskweaveError('execution', 'boom'), delayMs: 10 });
    expect([entry.status, entry.phase, entry.task.retryCount, entry.solo]).toEqual([TaskStatus.Pending, 'retrying', 1, true]);
    expect(task.retryCount).toBe(0); // the task is replaced, never mutated
  });

  it('remember: a stored finished task is done, an unfinished one waits blocked; relabel changes only the status', () => {
    const finished = newEntry(task, 1);
    transition(finished, { type: 'remember', status: TaskStatus.Failed });
    expect([finished.status, finished.phase]).toEqual([TaskStatus.Failed, 'done']);
    const unfinished = newEntry(task, 2);
    transition(unfinished, { type: 'remember', status: TaskStatus.Pending });
    expect([unfinished.status, unfinished.phase]).toEqual([TaskStatus.Pending, 'blocked']);
    transition(finished, { type: 'relabel', status: TaskStatus.Cancelled });
    expect([finished.status, finished.phase]).toEqual([TaskStatus.Cancelled, 'done']);
  });
});
