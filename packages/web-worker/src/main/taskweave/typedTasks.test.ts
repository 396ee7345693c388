/**
 * The typed helpers on the handle, as a user writes them first: real workers (the default entry,
 * built-in handlers), real IndexedDB, real use-lite.
 */
import { TaskPriority, isTaskweaveError } from '@taskweave/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTaskweave, type Taskweave } from '../../index.js';

const open: Taskweave[] = [];
afterEach(async () => {
  for (const tw of open.splice(0)) await tw.close();
});
async function start(): Promise<Taskweave> {
  const tw = await createTaskweave({ name: `typed-${crypto.randomUUID()}`, pool: { size: 1 } });
  open.push(tw);
  return tw;
}
const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);

describe('typed helpers', () => {
  it('embed, store, search, retrieve and process resolve with typed outputs', async () => {
    const tw = await start();
    const [cat, kitten, stocks] = await Promise.all(
      ['a cat sits on the mat', 'a kitten is on the rug', 'stock markets fell sharply'].map(async (text) => (await tw.embed(text, { model: 'use-lite' })).result),
    );
    expect(cat!.vector).toBeInstanceOf(Float32Array);
    expect(cos(cat!.vector, kitten!.vector)).toBeGreaterThan(cos(cat!.vector, stocks!.vector) + 0.3);

    const stored = await (await tw.store('notes', [{ id: 'milk', text: 'buy milk and eggs' }, { text: 'the quarterly report is due' }], { model: 'use-lite' })).result;
    expect(stored.ids[0]).toBe('milk');
    expect(stored.ids[1]).toMatch(/:1$/);
    const { hits } = await (await tw.search('notes', { text: 'groceries to get' }, { model: 'use-lite', topK: 2, priority: TaskPriority.High })).result;
    expect(hits[0]?.id).toBe('milk');
    const { documents } = await (await tw.retrieve('notes', { ids: ['milk'] })).result;
    expect(documents.map((d) => d.text)).toEqual(['buy milk and eggs']);
    const { chunks } = await (await tw.process('One. Two three. Four!', { op: 'chunk', chunkSize: 10 })).result;
    expect(chunks?.map((c) => c.text).join(' ')).toContain('Two three.');
  }, 60_000);

  it('result rejects with the task’s TaskweaveError when it does not complete; wait still resolves', async () => {
    const tw = await start();
    const missing = await tw.embed('x', { model: 'no-such-model', maxRetries: 0 });
    const error = await missing.result.catch((e: unknown) => e);
    expect(isTaskweaveError(error)).toBe(true);
    expect((await tw.wait(missing.id)).status).toBe('Failed');

    const late = await tw.process('some text', { deadline: Date.now() - 1 });
    expect(isTaskweaveError(await late.result.catch((e: unknown) => e), 'timeout')).toBe(true);

    const blocker = await tw.embed('keeps the only worker busy', { model: 'use-lite' });
    const queued = await tw.process('never runs', { dependencies: [blocker.id] });
    expect(await queued.cancel()).toBe(true);
    expect(isTaskweaveError(await queued.result.catch((e: unknown) => e), 'cancelled')).toBe(true);
    await blocker.result;
  }, 60_000);
});
