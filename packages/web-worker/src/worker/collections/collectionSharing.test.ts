/**
 * One copy of a collection per page: workers of a pool search one shared snapshot, see each
 * other's writes, and move to a new snapshot together when a large delta is folded. Real Chromium
 * (cross-origin isolated by the test server), real workers, real IndexedDB.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TaskScheduler, TaskStatus, type TaskOutput } from '@taskweave/core';
import { createWorkerPool } from '../../index.js';
import { collectionRegistryStats } from '../../main/pool/collectionRegistry.js';
import { naiveTopK } from '../search/naiveTopK.js';
import { VectorIndex } from '../search/vectorIndex.js';
import { prng } from '../../../../../scripts/prng.mjs';

const randomVectors = (n: number, dims: number, seed: number) => {
  const rand = prng(seed);
  return Array.from({ length: n }, () => Array.from({ length: dims }, () => Math.fround(rand() * 2 - 1)));
};

interface Info {
  instance: string;
  isolated: boolean;
  info: { version: number; snapshotVersion: number; snapshotId: number; shared: boolean; size: number; pending: number } | null;
}

describe('a frozen index in shared memory', () => {
  it('is searched identically through an attached copy, and refuses writes', () => {
    expect(crossOriginIsolated).toBe(true);
    const dims = 24;
    const vectors = randomVectors(500, dims, 1);
    const ids = vectors.map((_, i) => `s${i}`);
    const index = new VectorIndex(dims, { shared: true, initialCapacity: 100 });
    vectors.forEach((v, i) => index.upsert(ids[i]!, v, { metadata: { odd: i % 2 === 1 } }));
    const memory = index.freeze(7);
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const attached = VectorIndex.attach(memory);
    expect(attached.frozenVersion).toBe(7);
    expect(attached.snapshotId).toBe(index.snapshotId);
    for (const q of randomVectors(4, dims, 2)) {
      const want = naiveTopK(ids, vectors, q, 12).map((h) => [h.id, h.score]);
      expect(attached.search(q, { topK: 12 }).map((h) => [h.id, h.score])).toEqual(want);
      expect(index.search(q, { topK: 12 }).map((h) => [h.id, h.score])).toEqual(want);
      expect(attached.search(q, { topK: 3, filter: { odd: true }, exclude: new Set(['s1', 's3']) }).every((h) => h.payload.metadata?.['odd'] === true && h.id !== 's1' && h.id !== 's3')).toBe(true);
    }
    expect(() => attached.upsert('x', vectors[0]!)).toThrow(/frozen/);
    expect(() => index.remove('s1')).toThrow(/frozen/);
  });
});

describe('collections shared by the workers of a pool', () => {
  let scheduler: TaskScheduler | undefined;
  afterEach(async () => {
    await scheduler?.close();
    scheduler = undefined;
  });

  it('two workers search one snapshot, see each other’s writes, and fold a large delta into one new snapshot', { timeout: 60_000 }, async () => {
    const pool = createWorkerPool({
      size: 2,
      createWorker: () => new Worker(new URL('../../__tests__/fixtures/collections.worker.ts', import.meta.url), { type: 'module' }),
    });
    scheduler = new TaskScheduler({ executor: pool, concurrency: 2 });
    const s = scheduler;
    const database = `sharing-${Date.now()}`;
    const metadata = { database };
    const collection = 'docs';
    const dims = 16;
    const done = async (id: Promise<string>): Promise<TaskOutput> => {
      const r = await s.wait((await id) as never);
      expect(r.status, r.error).toBe(TaskStatus.Completed);
      return r.output as TaskOutput;
    };
    const store = (documents: unknown[]) =>
      done(s.submit({ type: 'DataStorage', input: { kind: 'custom', value: { collection, documents } }, metadata }));
    const search = async (vector: number[], topK = 5) => {
      const out = await done(s.submit({ type: 'VectorSearch', input: { kind: 'query', query: { collection, vector, topK } }, metadata }));
      return out.kind === 'searchResults' ? out.hits.map((h) => [h.id, h.score]) : [];
    };
    /** Both workers (two tasks at once, each waiting a little): what each holds. */
    const bothWorkers = async () => {
      const outs = await Promise.all([0, 1].map(() => done(s.submit({ type: 'custom:collectionInfo', input: { kind: 'custom', value: { database, collection } } }))));
      const infos = outs.map((o) => (o.kind === 'custom' ? o.value : undefined) as Info);
      expect(new Set(infos.map((i) => i.instance)).size).toBe(2);
      return infos;
    };
    /** Two searches at once: one per worker, both must equal the naive loop. */
    const searchBoth = async (ids: string[], vectors: number[][], q: number[]) => {
      const want = naiveTopK(ids, vectors, q, 5).map((h) => [h.id, h.score]);
      const got = await Promise.all([search(q), search(q)]);
      expect(got).toEqual([want, want]);
    };

    let vectors = randomVectors(300, dims, 3);
    let ids = vectors.map((_, i) => `d${i}`);
    await store(vectors.map((vector, i) => ({ id: ids[i], vector })));
    const [q] = randomVectors(1, dims, 4) as [number[]];
    await searchBoth(ids, vectors, q);
    let infos = await bothWorkers();
    expect(infos.every((i) => i.isolated && i.info?.shared === true && i.info.size === 300)).toBe(true);
    expect(infos[0]!.info!.snapshotId).toBe(infos[1]!.info!.snapshotId);
    expect(collectionRegistryStats().snapshots).toBe(1);

    // A write lands in one worker; a search in the other finds it (its delta, over the same snapshot).
    await store([{ id: 'best', vector: q }]);
    vectors = [...vectors, q];
    ids = [...ids, 'best'];
    await searchBoth(ids, vectors, q);
    infos = await bothWorkers();
    expect(infos.every((i) => i.info?.pending === 1 && i.info.size === 301)).toBe(true);
    expect(infos[0]!.info!.snapshotId).toBe(infos[1]!.info!.snapshotId);

    // Past 1,024 changed rows the delta is folded into a new snapshot, which both workers then share.
    const more = randomVectors(1100, dims, 5);
    await store(more.map((vector, i) => ({ id: `m${i}`, vector })));
    vectors = [...vectors, ...more];
    ids = [...ids, ...more.map((_, i) => `m${i}`)];
    await searchBoth(ids, vectors, q);
    await searchBoth(ids, vectors, q);
    infos = await bothWorkers();
    expect(infos.every((i) => i.info?.shared === true && i.info.size === 1401 && i.info.pending === 0)).toBe(true);
    expect(infos[0]!.info!.snapshotId).toBe(infos[1]!.info!.snapshotId);
    const stats = collectionRegistryStats();
    expect(stats.snapshots).toBe(1);
    // One copy: the snapshot's memory is about the vectors' float32 bytes plus scratch, not twice that.
    expect(stats.bytes).toBeLessThan(1401 * dims * 4 * 1.2 + 32 * 20_000 + 2 * 65536 + 100_000);
  });
});
