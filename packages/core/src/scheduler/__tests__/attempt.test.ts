/** One attempt's ExecutionContext: a lazy AbortController that still shows an earlier abort, and metrics merged until the attempt ends. */
import { describe, expect, it } from 'vitest';
import { Attempt } from '../attempt.js';
import type { Entry } from '../entry.js';
import type { Reports } from '../reports.js';

const UNUSED_ENTRY = {} as Entry;
const NO_REPORTS = {} as Reports;

describe('Attempt', () => {
  it('keeps its attempt number and dependency results', () => {
    const deps = [{ id: 'a' }] as never[];
    const attempt = new Attempt(2, deps, UNUSED_ENTRY, NO_REPORTS);
    expect(attempt.attempt).toBe(2);
    expect(attempt.dependencies).toBe(deps);
    expect(attempt.handed).toBe(false);
  });

  it('aborts the signal already handed out, with the reason, once', () => {
    const attempt = new Attempt(1, [], UNUSED_ENTRY, NO_REPORTS);
    const signal = attempt.signal;
    expect(signal.aborted).toBe(false);
    expect(attempt.signal).toBe(signal);
    attempt.abort('first');
    attempt.abort('second');
    expect(attempt.aborted).toBe(true);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('first');
  });

  it('hands out an already aborted signal when abort came before the first read', () => {
    const attempt = new Attempt(1, [], UNUSED_ENTRY, NO_REPORTS);
    const reason = new Error('deadline');
    attempt.abort(reason);
    expect(attempt.signal.aborted).toBe(true);
    expect(attempt.signal.reason).toBe(reason);
  });

  it('merges reported metrics, through a detached reportMetrics too, and ignores reports after end()', () => {
    const attempt = new Attempt(1, [], UNUSED_ENTRY, NO_REPORTS);
    expect(attempt.reported).toBeUndefined();
    const { reportMetrics } = attempt;
    expect(attempt.reportMetrics).toBe(reportMetrics);
    reportMetrics({ memoryBytes: 10 });
    reportMetrics({ memoryBytes: 20, batchSize: 4 });
    expect(attempt.reported).toEqual({ memoryBytes: 20, batchSize: 4 });
    attempt.end();
    reportMetrics({ memoryBytes: 99 });
    expect(attempt.reported).toEqual({ memoryBytes: 20, batchSize: 4 });
  });
});
