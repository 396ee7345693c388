/**
 * A DataStorage task of many documents commits them in chunks, each with its receipt: its stream
 * yields each chunk's ids, a page reload mid-ingest resumes without writing any document twice,
 * and a cancel between chunks ends Cancelled with exactly the committed ids in its details.
 * Real workers, the real storage handler, real IndexedDB and a real reload.
 */
import { TaskStatus, type TaskId } from '@taskweave/core';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { createTaskweave, type Taskweave, type TaskweaveEvent } from '../../index.js';
import { appFrame, type AppFrame } from '../../__tests__/fixtures/appFrames.js';
import { closeAfterEach } from '../../__tests__/fixtures/closeAfterEach.js';

const { open, frames } = closeAfterEach();

const DOCS = 2000;
const CHUNK = 200;
const documents = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `d${i}`, text: `note ${i}`, vector: [1, i / n, 0.5, (i % 7) / 7] }));

/** How many committed writes of the collection touched each document id (its change log). */
async function writesPerId(name: string, collection: string): Promise<{ writes: number; perId: Map<string, number> }> {
  const db = await openDB(`taskweave:${name}`);
  try {
    const row = (await db.get('collections', collection)) as { version: number; changes: { upserts: string[] }[] };
    const perId = new Map<string, number>();
    for (const change of row.changes) for (const id of change.upserts) perId.set(id, (perId.get(id) ?? 0) + 1);
    return { writes: row.version, perId };
  } finally {
    db.close();
  }
}

describe('DataStorage in chunks', () => {
  it("streams each chunk's ids in order and reports progress; each document is written once", async () => {
    const name = `chunks-${crypto.randomUUID()}`;
    const tw = await createTaskweave({ name, pool: { size: 1 } });
    open.push(tw);
    const progress: TaskweaveEvent[] = [];
    tw.subscribe((event) => {
      if (event.type === 'progress') progress.push(event);
    });
    const handle = await tw.store('notes', documents(DOCS), { chunkSize: CHUNK });
    const chunks: string[][] = [];
    for await (const ids of handle.stream) chunks.push(ids);
    const { ids } = await handle.result;
    expect(ids).toEqual(documents(DOCS).map((d) => d.id));
    expect(chunks.length).toBe(DOCS / CHUNK);
    expect(chunks.flat()).toEqual(ids);
    await expect.poll(() => progress.filter((p) => p.type === 'progress' && !p.checkpoint).at(-1)).toMatchObject({ done: DOCS, total: DOCS });
    const { writes, perId } = await writesPerId(name, 'notes');
    expect(writes).toBe(DOCS / CHUNK);
    expect([...perId.values()].every((n) => n === 1)).toBe(true);
    expect(perId.size).toBe(DOCS);
  }, 60_000);

  it('a cancel between chunks ends Cancelled with the committed ids in its details, and nothing else is stored', async () => {
    const tw = await createTaskweave({ name: `chunks-cancel-${crypto.randomUUID()}`, pool: { size: 1 } });
    open.push(tw);
    const handle = await tw.store('notes', documents(DOCS), { chunkSize: CHUNK });
    let cancelled: Promise<boolean> | undefined;
    for await (const _ of handle.stream) {
      cancelled ??= handle.cancel();
    }
    expect(await cancelled).toBe(true);
    const result = await tw.wait(handle.id);
    expect(result).toMatchObject({ status: TaskStatus.Cancelled, errorCode: 'cancelled' });
    const committed = result.errorDetails?.['committed'] as string[];
    expect(committed.length % CHUNK).toBe(0);
    expect(committed.length).toBeGreaterThanOrEqual(CHUNK);
    expect(committed.length).toBeLessThan(DOCS);
    expect(result.error).toMatch(new RegExp(`after ${committed.length / CHUNK} of ${DOCS / CHUNK} chunks committed`));
    const listed = await (await tw.retrieve('notes', { limit: 10_000 })).result;
    expect(listed.documents.map((d) => d.id).sort()).toEqual([...committed].sort());
  }, 60_000);

  it('a page reload at chunk K of M: the resumed task skips the committed chunks and writes each document once', async () => {
    const name = `chunks-reload-${crypto.randomUUID()}`;
    const page = appFrame(name);
    frames.push(page);
    const tw = await page.ready();
    let done = 0;
    tw.subscribe((event) => {
      if (event.type === 'progress' && !event.checkpoint) done = event.done;
    });
    const id: TaskId = (await tw.store('notes', documents(DOCS), { chunkSize: CHUNK })).id;
    await expect.poll(() => done, { timeout: 30_000, interval: 1 }).toBeGreaterThan(0);
    const atReload = done;
    page.window().location.reload();
    expect(atReload).toBeLessThan(DOCS);
    const reloaded = await expect
      .poll(() => {
        const now = page.window() as unknown as { taskweave?: Taskweave };
        return now.taskweave !== undefined && now.taskweave !== tw ? now.taskweave : undefined;
      }, { timeout: 30_000, interval: 20 })
      .toBeDefined()
      .then(() => (page.window() as unknown as { taskweave: Taskweave }).taskweave);
    const result = await reloaded.wait(id);
    expect(result.status).toBe(TaskStatus.Completed);
    const { writes, perId } = await writesPerId(name, 'notes');
    expect(perId.size).toBe(DOCS);
    expect([...perId.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(writes).toBe(DOCS / CHUNK);
    expect(result.output).toEqual({ kind: 'stored', ids: documents(DOCS).map((d) => d.id) });
  }, 90_000);
});
