/**
 * The SDK wired the way an app would, with one call: `createTaskweave` starts a scheduler whose
 * tasks live in IndexedDB (a reload resumes the work), a pool of module workers (the demo's
 * worker adds one custom handler to the built-in ones) and tab coordination (one tab runs the
 * tasks, the others submit and watch).
 */
import type { RecoveryReport } from '@taskweave/core';
import { createTaskweave, type ModelDeclaration, type Taskweave } from '@taskweave/web-worker';

/** The demo's database, collection and model names. */
export const DATABASE = 'taskweave-demo';
export const COLLECTION = 'sotu';
export const EMBEDDING_MODEL = 'use-lite';
/**
 * The generation panel's model: a plain folder in `public/models/`, loaded from `/models/sotu-gen/`
 * by the workers' default `modelBaseUrl`, so it needs no declaration (like tiny-random-bert).
 */
export const GENERATION_MODEL = 'sotu-gen';

/**
 * The models this app uses, declared so `tw.models` can prefetch them for offline use and the
 * workers load them from the cache, checked against the pinned hash of the shipped file.
 */
export const MODELS: readonly ModelDeclaration[] = [
  { id: EMBEDDING_MODEL, dtype: 'q8', hashes: { 'onnx/model_quantized.onnx': 'sha256-i3R5JBa2R62t60OuklsdabOABmv5OZjToLoE8/EW614=' } },
];

/** Starts taskweave in this tab; `recovery` says what a leader tab found in IndexedDB. */
export async function createRuntime(): Promise<{ tw: Taskweave; recovery: RecoveryReport | undefined }> {
  const tw = await createTaskweave({
    name: DATABASE,
    models: MODELS,
    pool: {
      size: Math.max(1, Math.min(2, navigator.hardwareConcurrency || 1)),
      createWorker: () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'taskweave' }),
    },
  });
  const recovery = tw.scheduler ? await tw.scheduler.ready() : undefined;
  return { tw, recovery };
}
