/**
 * `tw.models` in real Chromium with real Cache Storage and real workers: a prefetched model
 * embeds in a NEW pool with the origin's model and ORT routes offline; `clear` gives the
 * bytes back; a quota failure mid-download is a typed PersistenceError and leaves nothing behind;
 * a pinned hash that does not match is a typed ValidationError naming the file, both when the
 * file is downloaded and when a worker loads it from the cache; `persist()` says false headless.
 */
import { isTaskweaveError, PersistenceError, TaskStatus, ValidationError, type TaskweaveError } from '@taskweave/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { createTaskweave, MODEL_CACHE_NAME, type ModelDeclaration, type Taskweave } from '../../index.js';
import { ORT_GLUE_FILE, ORT_VERSION, ORT_WASM_FILE } from '../../shared/modelAssets.js';

declare module 'vitest/browser' {
  interface BrowserCommands {
    /** Aborts /models/** and /ort/** while on; turning it off returns the URLs that were asked for. */
    setModelRoutesOffline(on: boolean): Promise<string[]>;
    /** Answers every file under /models/<folder>/ with an HTML page (status 200) while on. */
    answerModelFolderWithHtml(folder: string, on: boolean): Promise<void>;
    /** CDP Storage.overrideQuotaForOrigin for this origin (null: back to the real quota). */
    overrideStorageQuota(bytes: number | null): Promise<void>;
  }
}

const USE_LITE: ModelDeclaration = {
  id: 'use-lite',
  dtype: 'q8',
  hashes: { 'onnx/model_quantized.onnx': 'sha256-i3R5JBa2R62t60OuklsdabOABmv5OZjToLoE8/EW614=' },
};
const WRONG = 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const handles: Taskweave[] = [];
let n = 0;

async function open(models: readonly ModelDeclaration[]): Promise<Taskweave> {
  const tw = await createTaskweave({ name: `model-assets-${Date.now()}-${n++}`, models, pool: { size: 1 } });
  handles.push(tw);
  return tw;
}

async function cachedUrls(under: string): Promise<string[]> {
  const cache = await caches.open(MODEL_CACHE_NAME);
  return (await cache.keys()).map((r) => r.url).filter((u) => u.includes(under));
}

/**
 * estimate().usage once it read the same three times in a row (Chromium counts usage lazily after
 * a write), polled every 300 ms for at most 15 s.
 */
async function settledUsage(tw: Taskweave): Promise<number> {
  let last = -1;
  let same = 0;
  await expect
    .poll(
      async () => {
        const { usage } = await tw.models.estimate();
        same = usage === last ? same + 1 : 0;
        last = usage;
        return same;
      },
      { timeout: 15_000, interval: 300 },
    )
    .toBeGreaterThanOrEqual(2);
  return last;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  await caches.delete(MODEL_CACHE_NAME);
});
afterAll(async () => {
  await commands.setModelRoutesOffline(false);
  await commands.overrideStorageQuota(null);
  for (const tw of handles) await tw.close();
});

describe('tw.models', () => {
  it('persist() reports what the browser answered (false in headless) and estimate() the quota', async () => {
    const tw = await open([USE_LITE]);
    expect(await tw.models.persist()).toEqual({ persisted: false, supported: true });
    const estimate = await tw.models.estimate();
    expect(estimate.quota).toBeGreaterThan(0);
    expect(estimate.persisted).toBe(false);
    expect(await tw.models.list()).toEqual([expect.objectContaining({ id: 'use-lite', dtype: 'q8', cached: false, bytes: 0 })]);
  });

  // Runs before anything in this file caches use-lite, and sizes the override from a usage that
  // has stopped moving: Chromium counts a Cache Storage deletion in its usage only later, and a
  // usage that drops after the override was set widens the room the override leaves.
  it('a quota error mid-download is a PersistenceError (quota) and leaves nothing half-written', { timeout: 60_000 }, async () => {
    const tw = await open([USE_LITE]);
    await tw.models.clear('use-lite');
    const usage = await settledUsage(tw);
    // Room for the config and tokenizer files (~240 KB), not for the 7.3 MB model.
    // (Chromium applies the override to writes; estimate() keeps reporting the real quota.)
    await commands.overrideStorageQuota(usage + 2_000_000);
    const files: string[] = [];
    try {
      const error = await caught(tw.models.prefetch('use-lite', { onProgress: (p) => void (files.includes(p.file) || files.push(p.file)) }));
      expect(error).toBeInstanceOf(PersistenceError);
      expect(isTaskweaveError(error, 'persistence') && (error as PersistenceError).reason).toBe('quota');
      // Mid-download: the small files were written before a large one (the model, or ORT's 21 MB
      // wasm after it should the usage still have dropped meanwhile) could not be.
      expect(files.slice(0, 4)).toEqual(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx']);
      expect(['onnx/model_quantized.onnx', 'ort-wasm-simd-threaded.asyncify.wasm']).toContain(files.at(-1));
    } finally {
      await commands.overrideStorageQuota(null);
    }
    expect(await cachedUrls('/models/use-lite/')).toEqual([]);
    expect((await tw.models.list())[0]).toMatchObject({ cached: false, bytes: 0 });
  });

  it('prefetches with progress; a NEW pool then embeds with the model and ORT routes (.wasm and .mjs) offline', { timeout: 120_000 }, async () => {
    const tw = await open([USE_LITE]);
    const files = new Set<string>();
    let last = 0;
    const status = await tw.models.prefetch('use-lite', {
      onProgress: (p) => {
        files.add(p.file);
        expect(p.overallLoaded).toBeGreaterThanOrEqual(last);
        last = p.overallLoaded;
      },
    });
    expect(files).toEqual(new Set(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx', 'ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.asyncify.mjs']));
    expect(last).toBeGreaterThan(7_000_000 + 20_000_000);
    expect(status.cached).toBe(true);
    expect(status.bytes).toBeGreaterThan(7_000_000);
    expect((await tw.models.list())[0]).toMatchObject({ cached: true, bytes: status.bytes });

    await commands.setModelRoutesOffline(true);
    try {
      const fresh = await open([USE_LITE]);
      const { vector } = await (await fresh.embed('a cat sits on the mat', { model: 'use-lite' })).result;
      expect(vector.length).toBe(512);
    } finally {
      const asked = await commands.setModelRoutesOffline(false);
      // Nothing of the model or ORT came from the network: the worker's one probe of ORT's .mjs was
      // refused (offline) and it imported the cached copy; the rest was read from the cache.
      expect(asked).toEqual([expect.stringMatching(/\/ort\/ort-wasm-simd-threaded\.asyncify\.mjs$/)]);
    }
  });

  it("keeps ORT's files under the version the workers run on, and drops an older runtime's on the first write of the new one", { timeout: 120_000 }, async () => {
    const ort = await import('onnxruntime-web/webgpu');
    expect(ORT_VERSION).toBe(ort.env.versions.web);
    const cache = await caches.open(MODEL_CACHE_NAME);
    // What taskweave on transformers.js 3.8 left (JSEP build, unversioned keys), and a same-named file of another ORT version.
    const stale = ['/ort/ort-wasm-simd-threaded.jsep.wasm', '/ort/ort-wasm-simd-threaded.jsep.mjs', `/ort/${ORT_WASM_FILE}?ort=1.30.0`, `/ort/${ORT_WASM_FILE}`];
    for (const path of stale) await cache.put(new URL(path, location.href).href, new Response(new Uint8Array(1024)));
    for (const file of [ORT_WASM_FILE, ORT_GLUE_FILE]) await cache.delete(new URL(`/ort/${file}?ort=${ORT_VERSION}`, location.href).href);
    const tw = await open([USE_LITE]);
    await tw.models.prefetch('use-lite');
    expect((await cachedUrls('/ort/')).map((u) => new URL(u).pathname + new URL(u).search).sort()).toEqual(
      [`/ort/${ORT_GLUE_FILE}?ort=${ORT_VERSION}`, `/ort/${ORT_WASM_FILE}?ort=${ORT_VERSION}`].sort(),
    );
    // A pool reads the runtime from its versioned entry and embeds.
    const { vector } = await (await tw.embed('a cat sits on the mat', { model: 'use-lite' })).result;
    expect(vector.length).toBe(512);
  });

  it('prefetching a declared model whose files answer an HTML page is model-not-found naming the model and the URL, and caches nothing', async () => {
    const tw = await open([{ id: 'html-page', dtype: 'q8' }]);
    await commands.answerModelFolderWithHtml('html-page', true);
    try {
      const error = await caught(tw.models.prefetch('html-page'));
      expect(isTaskweaveError(error, 'model-not-found'), String(error)).toBe(true);
      expect((error as TaskweaveError).retryable).toBe(false);
      expect((error as TaskweaveError).details).toMatchObject({ modelId: 'html-page', url: expect.stringContaining('/models/html-page/') });
      expect(await cachedUrls('/models/html-page/')).toEqual([]);
    } finally {
      await commands.answerModelFolderWithHtml('html-page', false);
    }
  });

  it('clear() removes the bytes: the list says not cached, the cache holds none of them', { timeout: 60_000 }, async () => {
    const tw = await open([USE_LITE]);
    const before = await tw.models.estimate();
    await tw.models.clear('use-lite');
    const [lite] = await tw.models.list();
    expect(lite).toMatchObject({ cached: false, bytes: 0 });
    expect(await cachedUrls('/models/use-lite/')).toEqual([]);
    // The bytes are gone from the cache (above). This Chromium's estimate() does not count a Cache
    // Storage deletion for a long while (measured: usage unchanged 30 s after clearing the model,
    // and after deleting the whole cache), so it is only checked not to grow.
    expect((await tw.models.estimate()).usage).toBeLessThanOrEqual(before.usage + 1_000_000);
  });

  it('a pinned hash that does not match is a ValidationError naming the file, on download and on load', { timeout: 60_000 }, async () => {
    const pinnedWrong: ModelDeclaration = { id: 'tiny-random-bert', dtype: 'fp32', hashes: { 'onnx/model.onnx': WRONG } };
    const wrong = await open([pinnedWrong]);
    const onDownload = await caught(wrong.models.prefetch('tiny-random-bert'));
    expect(onDownload).toBeInstanceOf(ValidationError);
    expect((onDownload as ValidationError).message).toContain('onnx/model.onnx');
    expect(await cachedUrls('/models/tiny-random-bert/')).toEqual([]);

    // The same file in the cache (prefetched by an app that pins nothing), then loaded by a worker that pins a wrong hash.
    const unpinned = await open([{ id: 'tiny-random-bert', dtype: 'fp32' }]);
    expect((await unpinned.models.prefetch('tiny-random-bert')).cached).toBe(true);
    const id = await wrong.submit({ type: 'EmbeddingGeneration', modelId: 'tiny-random-bert', input: { kind: 'text', text: 'hello' } });
    const result = await wrong.wait(id);
    expect(result.status).toBe(TaskStatus.Failed);
    expect(result.errorCode).toBe('validation');
    expect(result.error).toContain('onnx/model.onnx');
    expect(result.error).toContain('in the cache');

    // The right hash loads.
    const right = await open([{ id: 'tiny-random-bert', dtype: 'fp32', hashes: { 'onnx/model.onnx': 'sha256-zpRN/m9NvrkUPSlzETdld2wH3YclK8dpV8j+1GEmuAw=' } }]);
    const { vector } = await (await right.embed('hello', { model: 'tiny-random-bert' })).result;
    expect(vector.length).toBe(32);
  });

  it('refuses a malformed declaration naming the field', async () => {
    const error = await caught(createTaskweave({ name: 'model-assets-bad', models: [{ id: 'x', hashes: { 'onnx/model_quantized.onnx': 'md5-abc' } }] }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('models.0.hashes.onnx/model_quantized.onnx');
  });
});
