/** The outbox's pace: leading-edge chunks at most every 16 ms or per 4 KB, progress every 100 ms, all of it before the result, checkpoints after the chunks before them. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobSink, TaskReports } from '../../shared/protocol.js';
import { CHUNK_BYTES, Outbox } from './outbox.js';

function recordingSink() {
  const calls: (['reports', TaskReports[]] | ['checkpoint', number, unknown])[] = [];
  const sink: JobSink = {
    model: () => undefined,
    reports: (batch) => void calls.push(['reports', structuredClone(batch)]),
    checkpoint: async (task, state) => {
      calls.push(['checkpoint', task, state]);
      return undefined;
    },
  };
  return { sink, calls };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Outbox', () => {
  it('sends the first chunk at once, merges a burst into the next 16 ms window, keeps order', () => {
    const { sink, calls } = recordingSink();
    const outbox = new Outbox(sink);
    outbox.emit(0, 'a');
    expect(calls).toEqual([['reports', [{ task: 0, chunks: ['a'] }]]]);
    outbox.emit(0, 'b');
    outbox.emit(0, 'c');
    expect(calls.length).toBe(1);
    vi.advanceTimersByTime(16);
    expect(calls[1]).toEqual(['reports', [{ task: 0, chunks: ['b', 'c'] }]]);
    // A slow stream (a chunk every 20 ms) goes chunk by chunk, never held back.
    vi.advanceTimersByTime(20);
    outbox.emit(0, 'd');
    expect(calls[2]).toEqual(['reports', [{ task: 0, chunks: ['d'] }]]);
  });

  it('flushes at once when 4 KB gathered', () => {
    const { sink, calls } = recordingSink();
    const outbox = new Outbox(sink);
    outbox.emit(0, 'first');
    outbox.emit(0, 'x'.repeat(CHUNK_BYTES / 2));
    expect(calls.length).toBe(2);
    expect(calls[1]).toEqual(['reports', [{ task: 0, chunks: ['x'.repeat(CHUNK_BYTES / 2)] }]]);
  });

  it('sends progress at most every 100 ms, the latest value, and everything pending on close', () => {
    const { sink, calls } = recordingSink();
    const outbox = new Outbox(sink);
    outbox.progress(0, { done: 1 });
    for (let i = 2; i <= 50; i++) outbox.progress(0, { done: i });
    expect(calls).toEqual([['reports', [{ task: 0, progress: { done: 1 } }]]]);
    vi.advanceTimersByTime(99);
    expect(calls.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect(calls[1]).toEqual(['reports', [{ task: 0, progress: { done: 50 } }]]);
    outbox.progress(0, { done: 51 });
    outbox.emit(1, 'tail');
    void outbox.close();
    expect(calls.at(-1)).toEqual(['reports', [{ task: 0, progress: { done: 51 } }, { task: 1, chunks: ['tail'] }]]);
    outbox.emit(0, 'after the end');
    vi.advanceTimersByTime(100);
    expect(calls.at(-1)).toEqual(['reports', [{ task: 0, progress: { done: 51 } }, { task: 1, chunks: ['tail'] }]]);
  });

  it('a checkpoint goes after the chunks emitted before it', async () => {
    const { sink, calls } = recordingSink();
    const outbox = new Outbox(sink);
    outbox.emit(0, 'a');
    outbox.emit(0, 'b');
    await outbox.checkpoint(0, { next: 2 });
    expect(calls).toEqual([
      ['reports', [{ task: 0, chunks: ['a'] }]],
      ['reports', [{ task: 0, chunks: ['b'] }]],
      ['checkpoint', 0, { next: 2 }],
    ]);
  });
});
