/**
 * Streamed outputs and progress in real Chromium with real workers: a handler's chunks reach the
 * caller's `stream` in order, none lost or doubled, in the leader and in a follower tab, late
 * readers first get what was emitted so far, and a run interrupted by a leader handover resumes
 * from its checkpoint with the stream going on where it was.
 */
import { TaskStatus, type TaskId, type TaskResult } from '@taskweave/core';
import { describe, expect, it } from 'vitest';
import { createTaskweave, type Taskweave, type TaskweaveEvent } from '../../../index.js';
import { appFrame, type AppFrame } from '../../../__tests__/fixtures/appFrames.js';
import { closeAfterEach } from '../../../__tests__/fixtures/closeAfterEach.js';

const createWorker = () => new Worker(new URL('../../../__tests__/fixtures/test.worker.ts', import.meta.url), { type: 'module' });
const { open, frames } = closeAfterEach();

const streamTask = (value: { n: number; gapMs?: number; checkpointEvery?: number }) => ({ type: 'custom:stream' as const, input: { kind: 'custom' as const, value } });
const chunksUpTo = (n: number, from = 0) => Array.from({ length: n - from }, (_, i) => `c${from + i}`);

async function collect<C>(stream: AsyncIterable<C>, onChunk?: (chunk: C, count: number) => void): Promise<C[]> {
  const out: C[] = [];
  for await (const chunk of stream) {
    out.push(chunk);
    onChunk?.(chunk, out.length);
  }
  return out;
}

function frame(name: string): AppFrame {
  const f = appFrame(name);
  frames.push(f);
  return f;
}

describe('streams in the leader tab', () => {
  it('a reader gets every chunk in order; a reader after the end gets them all again; progress reaches subscribers', async () => {
    const tw = await createTaskweave({ name: `stream-${crypto.randomUUID()}`, pool: { createWorker, size: 1 } });
    open.push(tw);
    const progress: TaskweaveEvent[] = [];
    tw.subscribe((event) => {
      if (event.type === 'progress') progress.push(event);
    });
    const id = await tw.submit(streamTask({ n: 300 }));
    const [live, result] = await Promise.all([collect(tw.stream<string>(id)), tw.wait(id)]);
    expect(result.status).toBe(TaskStatus.Completed);
    expect(live).toEqual(chunksUpTo(300));
    expect(await collect(tw.stream<string>(id))).toEqual(chunksUpTo(300));
    // Coalesced at most every 100 ms in the worker: fewer events than reports, the last one final.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.length).toBeLessThan(300);
    expect(progress.at(-1)).toMatchObject({ type: 'progress', taskId: id, done: 300, total: 300, note: 'streaming' });
  }, 60_000);

  it('progress() ends when the task ends; an unknown id is not-found', async () => {
    const tw = await createTaskweave({ name: `stream-${crypto.randomUUID()}`, pool: { createWorker, size: 1 } });
    open.push(tw);
    const id = await tw.submit(streamTask({ n: 20, gapMs: 15, checkpointEvery: 5 }));
    const seen: number[] = [];
    const [chunks] = await Promise.all([
      collect(tw.stream<string>(id)),
      (async () => {
        for await (const p of tw.progress(id)) seen.push(p.done);
      })(),
    ]);
    expect(chunks).toEqual(chunksUpTo(20));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    await expect(collect(tw.stream(crypto.randomUUID() as TaskId))).rejects.toMatchObject({ code: 'not-found' });
  }, 60_000);

  it('a checkpoint write is progress, not a status; a checkpoint over the bound fails the task with a clear error', async () => {
    const tw = await createTaskweave({ name: `stream-${crypto.randomUUID()}`, pool: { createWorker, size: 1 } });
    open.push(tw);
    const events: TaskweaveEvent[] = [];
    tw.subscribe((event) => events.push(event));
    const id = await tw.submit(streamTask({ n: 6, checkpointEvery: 2 }));
    await tw.wait(id);
    await expect.poll(() => events.filter((e) => e.type === 'status' && e.taskId === id).map((e) => (e as { status: string }).status)).toEqual([
      TaskStatus.Pending,
      TaskStatus.Running,
      TaskStatus.Completed,
    ]);
    expect(events.filter((e) => e.type === 'progress' && e.checkpoint === true && e.taskId === id).length).toBe(3);

    const big = await tw.submit({ type: 'custom:checkpoint-size', input: { kind: 'text', text: '100000' } });
    const failed = await tw.wait(big);
    expect(failed).toMatchObject({ status: TaskStatus.Failed, errorCode: 'validation' });
    expect(failed.error).toMatch(/checkpoint takes more than 65536 bytes/);
    expect((failed.errorDetails?.['issues'] as { field: string }[])[0]?.field).toBe('checkpoint');
  }, 60_000);
});

describe('streams across tabs', () => {
  it('a follower reads a running task from its start, and a late follower reader after the end gets it all', async () => {
    const name = `stream-tabs-${crypto.randomUUID()}`;
    const leader = await createTaskweave({ name, pool: { createWorker, size: 1 } });
    open.push(leader);
    const follower = await frame(name).ready();
    expect([leader.role, follower.role]).toEqual(['leader', 'follower']);
    const id = await follower.submit(streamTask({ n: 120, gapMs: 2 }));
    const progress: number[] = [];
    follower.subscribe((event) => {
      if (event.type === 'progress' && event.taskId === id) progress.push(event.done);
    });
    const [fromFollower, fromLeader] = await Promise.all([collect(follower.stream<string>(id)), collect(leader.stream<string>(id))]);
    expect(fromFollower).toEqual(chunksUpTo(120));
    expect(fromLeader).toEqual(chunksUpTo(120));
    expect(await collect(follower.stream<string>(id))).toEqual(chunksUpTo(120));
    expect((await follower.wait(id)).status).toBe(TaskStatus.Completed);
    await expect.poll(() => progress.at(-1)).toBe(120);
  }, 60_000);

  it('a leader handover mid-stream: the new leader resumes from the checkpoint and the reader gets each chunk once', async () => {
    const name = `stream-handover-${crypto.randomUUID()}`;
    const a = frame(name);
    const twA = await a.ready();
    const b = frame(name);
    const twB = await b.ready();
    expect([twA.role, twB.role]).toEqual(['leader', 'follower']);
    const id = await twB.submit(streamTask({ n: 60, gapMs: 20, checkpointEvery: 10 }));
    let handedOver: Promise<void> | undefined;
    const chunks = await collect(twB.stream<string>(id), (_, count) => {
      if (count === 25) handedOver = twA.close();
    });
    await handedOver;
    expect(twB.role).toBe('leader');
    expect(chunks).toEqual(chunksUpTo(60));
    const result = (await twB.wait(id)) as TaskResult & { output: { kind: 'custom'; value: { start: number; emitted: string[] } } };
    expect(result.status).toBe(TaskStatus.Completed);
    // The second run started at a checkpoint (a multiple of 10, past 0) and emitted only the rest.
    const { start, emitted } = result.output.value;
    expect(start % 10).toBe(0);
    expect(start).toBeGreaterThan(0);
    expect(emitted).toEqual(chunksUpTo(60, start));
  }, 90_000);
});
