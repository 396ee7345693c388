/**
 * Placement against a real fleet: a redis-server, `@taskweave/server` and two `taskweave-worker`
 * processes (started on first use by the `remoteFleet` command, stopped by the global teardown),
 * and real Chromium workers and IndexedDB on the page's side.
 */
import { TaskStatus, TaskType, type TaskId, type TaskResult } from '@taskweave/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { createTaskweave, type RemoteOptions, type Taskweave } from '../../index.js';
import { appFrame } from '../../__tests__/fixtures/appFrames.js';
import { cosine } from '../../../../../scripts/cosine.mjs';

declare module 'vitest/browser' {
  interface BrowserCommands {
    remoteFleet(): Promise<{ url: string; token: string }>;
    remoteServer(action: 'stop' | 'start'): Promise<void>;
    remoteRuns(ids: string[]): Promise<number[]>;
    remoteRequests(): Promise<string[]>;
  }
}

let fleet: { url: string; token: string };
const localRuns = new Map<string, number>();
const channel = new BroadcastChannel('placement-local-runs');
channel.onmessage = (e: MessageEvent<string>) => localRuns.set(e.data, (localRuns.get(e.data) ?? 0) + 1);

beforeAll(async () => {
  fleet = await commands.remoteFleet();
}, 120_000);

const open: Taskweave[] = [];
afterEach(async () => {
  for (const tw of open.splice(0)) await tw.close();
  await commands.remoteServer('start');
});

const createWorker = () => new Worker(new URL('../../__tests__/fixtures/placement.worker.ts', import.meta.url), { type: 'module', name: 'placement' });

async function start(remote: Partial<RemoteOptions>, pool: { size: number; custom: boolean } = { size: 1, custom: true }): Promise<Taskweave> {
  const tw = await createTaskweave({
    name: `placement-${crypto.randomUUID()}`,
    pool: { size: pool.size, ...(pool.custom ? { createWorker } : {}) },
    scheduler: { baseDelayMs: 10 },
    remote: { url: fleet.url, getToken: () => fleet.token, retryDelayMs: 100, ...remote },
  });
  open.push(tw);
  return tw;
}

const submits = (requests: string[], id: string) => requests.filter((r) => r === `POST /v1/tasks ${id}`).length;
const sleepTask = (ms: number, extra: Record<string, unknown> = {}) => ({ type: TaskType.custom('sleep'), input: { kind: 'custom' as const, value: { ms } }, maxRetries: 0, ...extra });

async function collect<C>(stream: AsyncIterable<C>): Promise<C[]> {
  const out: C[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

/** Teaches the placement executor how long custom:sleep takes on this device (its mean). */
async function learn(tw: Taskweave, ms: number): Promise<void> {
  const id = await tw.submit(sleepTask(ms, { metadata: { placement: 'local' } }));
  const result = await tw.wait(id);
  expect(result.metrics.placement).toBe('local');
}


describe('placement: remote', () => {
  it('500 tasks placed remote from the page each end exactly once, on the server', async () => {
    const tw = await start({ placement: 'remote' });
    const ids = await tw.submitMany(Array.from({ length: 500 }, (_, i) => ({ type: TaskType.custom('echo'), input: { kind: 'custom' as const, value: { i } } })));
    const results = await Promise.all(ids.map((id) => tw.wait(id)));
    results.forEach((r, i) => {
      expect(r.status).toBe(TaskStatus.Completed);
      expect(r.output).toEqual({ kind: 'custom', value: { i } });
      expect(r.metrics.placement).toBe('remote');
    });
    expect(await commands.remoteRuns(ids)).toEqual(ids.map(() => 1));
    expect(ids.filter((id) => localRuns.has(id))).toEqual([]);
    const requests = await commands.remoteRequests();
    expect(ids.map((id) => submits(requests, id))).toEqual(ids.map(() => 1));
    // In the store too: the decision was written with the task.
    expect((await tw.get(ids[0] as TaskId))?.metadata['placed']).toBe('remote');
  }, 120_000);

  it("a task placed remote streams: tw.stream yields the server's chunks in order, once each, and progress arrives", async () => {
    const tw = await start({ placement: 'remote' });
    const progress: Array<{ done: number; total?: number }> = [];
    tw.subscribe((event) => {
      if (event.type === 'progress') progress.push(event);
    });
    const id = await tw.submit({ type: TaskType.custom('stream'), input: { kind: 'custom' as const, value: { n: 300, every: 10, ms: 5 } }, maxRetries: 0 });
    const [live, result] = await Promise.all([collect(tw.stream<string>(id)), tw.wait(id)]);
    const expected = Array.from({ length: 300 }, (_, i) => `c${i}`);
    expect(result.status).toBe(TaskStatus.Completed);
    expect(result.metrics.placement).toBe('remote');
    expect(live).toEqual(expected);
    // A reader after the end gets them all again, from the page's own keeping.
    expect(await collect(tw.stream<string>(id))).toEqual(expected);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ done: 300, total: 300 });
    expect(localRuns.has(id)).toBe(false);
    expect(await commands.remoteRuns([id])).toEqual([1]);
  }, 60_000);

  it("a step placed remote reads its dependencies' outputs: their results travel with it", async () => {
    const tw = await start({ placement: 'remote' });
    const add = (n: number, dependencies: TaskId[] = []) => ({ type: TaskType.custom('add'), input: { kind: 'custom' as const, value: { n } }, dependencies });
    const [a, b] = await tw.submitMany([add(1), add(10)]);
    const c = await tw.submit(add(100, [b as TaskId, a as TaskId]));
    const result = await tw.wait(c);
    expect(result.status).toBe(TaskStatus.Completed);
    expect(result.metrics.placement).toBe('remote');
    // c = 100 + b (10) + a (1), read on the server from the results the page sent, in c's order.
    expect(result.output).toEqual({ kind: 'custom', value: { sum: 111, from: [b, a] } });
  }, 60_000);

  it('the same texts embedded on the device and on the server (and through /v1/embeddings) agree: cosine ≥ 0.999', async () => {
    const texts = Array.from({ length: 48 }, (_, i) => `Sentence ${i} about ${['cats on mats', 'the open sea', 'falling markets', 'quiet music', 'summer rain', 'old trains'][i % 6]}.`);
    const tw = await start({ placement: 'local' }, { size: 1, custom: false });
    const local = await (await tw.embedMany(texts, { model: 'use-lite' })).result;
    const remoteId = await tw.submit({ type: TaskType.EmbeddingGeneration, modelId: 'use-lite', input: { kind: 'custom', value: { texts } }, metadata: { placement: 'remote' } });
    const remote = await tw.wait(remoteId);
    expect(remote.metrics.placement).toBe('remote');
    expect(remote.metrics.backend).toBe('onnxruntime-node');
    const openai = await start({ kind: 'openai', placement: 'remote' }, { size: 1, custom: false });
    const viaOpenAi = await (await openai.embedMany(texts, { model: 'use-lite' })).result;
    const remoteVectors = (remote.output as { vectors: Float32Array[] }).vectors;
    texts.forEach((_, i) => {
      expect(cosine(local.vectors[i]!, remoteVectors[i]!)).toBeGreaterThanOrEqual(0.999);
      expect(cosine(local.vectors[i]!, viaOpenAi.vectors[i]!)).toBeGreaterThanOrEqual(0.999);
    });
    expect(local.vectors[0]).toBeInstanceOf(Float32Array);
  }, 120_000);
});

describe('placement: auto', () => {
  it('server stopped: auto tasks the device would be too slow for try the server, cannot reach it, and run on the device', async () => {
    const tw = await start({ placement: 'auto' });
    await learn(tw, 700); // the device's custom:sleep mean is now ≥ 700 ms
    await commands.remoteServer('stop');
    const ids = await Promise.all([0, 1, 2].map(() => tw.submit(sleepTask(20, { deadline: Date.now() + 500 }))));
    const results: TaskResult[] = await Promise.all(ids.map((id) => tw.wait(id)));
    for (const r of results) {
      expect(r.status).toBe(TaskStatus.Completed);
      expect(r.metrics.placement).toBe('local');
      expect(r.metrics.retryCount).toBe(0);
    }
    // auto chose the server (the deadline), the submit reached nobody, and the device ran them.
    const requests = await commands.remoteRequests();
    expect(submits(requests, ids[0] as string)).toBe(1);
    expect(ids.map((id) => localRuns.get(id))).toEqual([1, 1, 1]);
    expect(await commands.remoteRuns(ids)).toEqual([0, 0, 0]);
    expect((await tw.get(ids[0] as TaskId))?.metadata['placed']).toBe('local');
  }, 60_000);

  it('a task the server accepted is never run on the device, even while the server cannot be reached: it re-attaches', async () => {
    const tw = await start({ placement: 'auto' });
    await learn(tw, 4000);
    const id = await tw.submit(sleepTask(1000, { deadline: Date.now() + 3800 }));
    await expect.poll(async () => submits(await commands.remoteRequests(), id), { timeout: 5000, interval: 20 }).toBe(1);
    await expect.poll(async () => (await commands.remoteRuns([id]))[0], { timeout: 5000, interval: 20 }).toBe(1);
    const asked = async () => (await commands.remoteRequests()).filter((r) => r.includes(id)).length;
    const before = await asked();
    await commands.remoteServer('stop');
    // The page asks the stopped server about the task again and again (reaching nobody)…
    await expect.poll(asked, { timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(before + 2);
    // …and the task stays Running: it is not run on the device.
    expect((await tw.get(id))?.status).toBe(TaskStatus.Running);
    await commands.remoteServer('start');
    const result = await tw.wait(id);
    expect(result.status).toBe(TaskStatus.Completed);
    expect(result.output).toEqual({ kind: 'custom', value: { slept: 1000, pid: expect.any(Number) } });
    expect(result.metrics.placement).toBe('remote');
    expect(localRuns.get(id)).toBeUndefined();
    expect(await commands.remoteRuns([id])).toEqual([1]);
    expect(submits(await commands.remoteRequests(), id)).toBe(1);
  }, 60_000);
});

describe('placement: reload', () => {
  it('a page reloaded while its remote task runs gets its one result: it re-attaches by id, no second submit', async () => {
    const name = `placement-reload-${crypto.randomUUID()}`;
    const frame = appFrame(name, { remoteUrl: fleet.url, token: fleet.token, placement: 'remote', poolSize: '1' });
    try {
      const tw = await frame.ready();
      const id = await tw.submit(sleepTask(2500));
      await expect.poll(async () => (await commands.remoteRuns([id]))[0], { timeout: 10_000, interval: 20 }).toBe(1);
      frame.frame.contentWindow!.location.reload();
      await expect.poll(() => (frame.window() as unknown as { taskweave?: Taskweave }).taskweave !== tw, { timeout: 20_000, interval: 50 }).toBe(true);
      const again = await frame.ready();
      const result = await again.wait(id);
      expect(result.status).toBe(TaskStatus.Completed);
      expect(result.metrics.placement).toBe('remote');
      expect(await commands.remoteRuns([id])).toEqual([1]);
      const requests = await commands.remoteRequests();
      expect(submits(requests, id)).toBe(1);
      expect(requests.filter((r) => r.startsWith(`GET /v1/tasks/${id}/events`)).length).toBeGreaterThanOrEqual(2);
    } finally {
      frame.frame.remove();
    }
  }, 60_000);
});
