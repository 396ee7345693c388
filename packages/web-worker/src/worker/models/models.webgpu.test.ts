/**
 * WebGPU path (runs only in the `chromium-webgpu` instance, launched with --enable-unsafe-webgpu:
 * a SwiftShader adapter on the CPU — correct, slow, never used for speed). The same sentences
 * embedded on WebGPU and on WASM must agree within tolerance, and each result reports its backend.
 */
import { TaskScheduler, TaskStatus, type TaskResult } from '@taskweave/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerPool } from '../../index.js';

let scheduler: TaskScheduler;
beforeAll(() => {
  scheduler = new TaskScheduler({ executor: createWorkerPool({ size: 1, backend: 'auto' }) });
});
afterAll(async () => {
  await scheduler.close();
});

function vectors(result: TaskResult): Float32Array[] {
  expect(result.status, result.error).toBe(TaskStatus.Completed);
  if (result.output.kind !== 'embeddings') throw new Error(result.output.kind);
  return result.output.vectors;
}

describe('EmbeddingGeneration on WebGPU', () => {
  it('has an adapter in this browser instance', async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    expect(await gpu?.requestAdapter()).toBeTruthy();
  });

  it('gives the same embeddings as WASM within tolerance', { timeout: 240_000 }, async () => {
    const texts = ['a cat sits on the mat', 'a kitten is on the rug', 'stock markets fell sharply'];
    const submit = (backend: string) =>
      scheduler.submit({ type: 'EmbeddingGeneration', modelId: 'use-lite', input: { kind: 'custom', value: { texts } }, metadata: { backend } });
    const gpuResult = await scheduler.wait(await submit('webgpu'));
    const wasmResult = await scheduler.wait(await submit('wasm'));
    expect(gpuResult.metrics.backend).toBe('webgpu');
    expect(wasmResult.metrics.backend).toBe('wasm');
    const gpu = vectors(gpuResult);
    const wasm = vectors(wasmResult);
    for (let i = 0; i < texts.length; i++) {
      let maxDiff = 0;
      for (let j = 0; j < 512; j++) maxDiff = Math.max(maxDiff, Math.abs(gpu[i]![j]! - wasm[i]![j]!));
      expect(maxDiff).toBeLessThan(2e-3);
    }
  });
});
