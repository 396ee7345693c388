/**
 * Text generation as a built-in, in real Chromium with real workers and a real generative model
 * (sotu-gen, built by packages/demo/scripts/generativeModel/build.py): tokens stream in order and
 * add up to the result, greedy runs are deterministic, `finishReason` tells `stop` from
 * `length`, options are checked at submit, a cancel (also from a follower tab) stops it within
 * one token, and a page reload mid-generation resumes to the same text as an uninterrupted run.
 */
import { TaskStatus, type TaskId } from '@taskweave/core';
import { describe, expect, it } from 'vitest';
import { createTaskweave, type Taskweave, type TaskweaveEvent } from '../../index.js';
import { appFrame, type AppFrame } from '../../__tests__/fixtures/appFrames.js';
import { closeAfterEach } from '../../__tests__/fixtures/closeAfterEach.js';

const MODEL = 'sotu-gen';
const createWorker = () => new Worker(new URL('../../__tests__/fixtures/test.worker.ts', import.meta.url), { type: 'module' });
const { open, frames } = closeAfterEach();

async function start(options: Parameters<typeof createTaskweave>[0] = {}): Promise<Taskweave> {
  const tw = await createTaskweave({ name: `generate-${crypto.randomUUID()}`, pool: { size: 1 }, ...options });
  open.push(tw);
  return tw;
}

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

/** The next message on the probe channel about `taskId`. */
function probed(taskId: () => string | undefined): Promise<{ afterAbort: number; emitted: number; aborted: boolean }> {
  const channel = new BroadcastChannel('generation-probe');
  return new Promise((resolve) => {
    channel.onmessage = (event: MessageEvent) => {
      if (event.data?.taskId !== taskId()) return;
      channel.close();
      resolve(event.data);
    };
  });
}

describe('text generation', () => {
  it('streams tokens that add up to the result; greedy is deterministic; stop and length', async () => {
    const tw = await start();
    const first = await tw.generate('I want to thank', { model: MODEL, maxNewTokens: 40 });
    const [tokens, result] = await Promise.all([collect(first.stream), first.result]);
    expect(result).toMatchObject({ kind: 'text', text: ' so many of the world.', finishReason: 'stop', tokens: 7 });
    expect(tokens.join('')).toBe(result.text);
    expect(tokens.length).toBeGreaterThan(3);
    const again = await (await tw.generate('I want to thank', { model: MODEL, maxNewTokens: 40 })).result;
    expect(again.text).toBe(result.text);
    const long = await tw.generate('If you', { model: MODEL, maxNewTokens: 40 });
    const [longTokens, longResult] = await Promise.all([collect(long.stream), long.result]);
    expect(longResult).toMatchObject({ finishReason: 'length', tokens: 40 });
    expect(longTokens.join('')).toBe(longResult.text);
    expect(longResult.text.startsWith(" haven't been personally affected by this recession")).toBe(true);
    // Progress counts tokens of max_new_tokens.
    const progress: TaskweaveEvent[] = [];
    tw.subscribe((event) => {
      if (event.type === 'progress') progress.push(event);
    });
    const third = await tw.generate('If you', { model: MODEL, maxNewTokens: 40 });
    await third.result;
    await expect.poll(() => progress.filter((p) => p.type === 'progress' && p.taskId === third.id).at(-1)).toMatchObject({ done: 40, total: 40 });
  }, 120_000);

  it('refuses bad generation options at submit, naming the field; nothing is stored', async () => {
    const tw = await start();
    await expect(tw.generate('x', { model: MODEL, maxNewTokens: 0 })).rejects.toMatchObject({ code: 'validation', field: 'input.input.options.max_new_tokens' });
    await expect(tw.generate('x', { model: MODEL, temperature: -1 })).rejects.toMatchObject({ code: 'validation', field: 'input.input.options.temperature' });
    await expect(
      tw.infer({ format: 'pipeline', pipeline: 'text-generation', inputs: 'x', options: { maxNewTokens: 5 } }, { model: MODEL }),
    ).rejects.toMatchObject({ code: 'validation', field: 'input.input.options.maxNewTokens' });
    await expect(tw.infer({ format: 'pipeline', pipeline: 'text-generation', inputs: ['a', 'b'] }, { model: MODEL })).rejects.toMatchObject({
      code: 'validation',
      field: 'input.input.inputs',
    });
    expect(tw.getSnapshot()?.byStatus.Pending ?? 0).toBe(0);
  }, 60_000);

  it('a cancel stops generation within one token, from the leader and from a follower tab', async () => {
    const name = `generate-cancel-${crypto.randomUUID()}`;
    const tw = await createTaskweave({ name, pool: { createWorker, size: 1 } });
    open.push(tw);
    const follower = await (() => {
      const f = appFrame(name);
      frames.push(f);
      return f.ready();
    })();
    expect(follower.role).toBe('follower');
    for (const canceller of [tw, follower]) {
      let id: TaskId | undefined;
      const probe = probed(() => id);
      id = await tw.submit({ type: 'custom:generate-probe', input: { kind: 'custom', value: { model: MODEL, prompt: 'If you', maxNewTokens: 4000 } } });
      let seen = 0;
      for await (const _ of tw.stream<string>(id)) {
        if (++seen === 20) expect(await canceller.cancel(id)).toBe(true);
      }
      expect((await tw.wait(id)).status).toBe(TaskStatus.Cancelled);
      const report = await probe;
      expect(report.aborted).toBe(true);
      expect(report.afterAbort).toBeLessThanOrEqual(1);
      expect(report.emitted).toBeLessThan(4000);
    }
  }, 120_000);

  it('a page reload mid-generation resumes from the checkpoint to the same text as an uninterrupted greedy run', async () => {
    const reference = await start();
    const uninterrupted = await (await reference.generate('If you', { model: MODEL, maxNewTokens: 1500 })).result;
    expect(uninterrupted.finishReason).toBe('length');

    const name = `generate-reload-${crypto.randomUUID()}`;
    const page = appFrame(name);
    frames.push(page);
    const tw = await page.ready();
    let checkpointed = 0;
    tw.subscribe((event) => {
      if (event.type === 'progress' && event.checkpoint === true) checkpointed = event.done;
    });
    const id = (await tw.generate('If you', { model: MODEL, maxNewTokens: 1500 })).id;
    await expect.poll(() => checkpointed, { timeout: 60_000, interval: 5 }).toBeGreaterThan(0);
    expect((await tw.get(id))?.status).toBe(TaskStatus.Running);
    page.window().location.reload();
    await expect.poll(() => (page.window() as unknown as { taskweave?: Taskweave }).taskweave !== tw && (page.window() as unknown as { taskweave?: Taskweave }).taskweave !== undefined, { timeout: 30_000 }).toBe(true);
    const after = (page.window() as unknown as { taskweave: Taskweave }).taskweave;
    const result = await after.wait(id);
    expect(result.status).toBe(TaskStatus.Completed);
    expect(result.output).toMatchObject({ kind: 'text', text: uninterrupted.text, finishReason: 'length', tokens: 1500 });
  }, 180_000);
});
