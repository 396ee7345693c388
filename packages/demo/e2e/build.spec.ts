import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

const DIST = new URL('../dist/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full.slice(DIST.length)];
  });
}

test('the build holds onnxruntime-web’s wasm once, under /ort/ where the pool loads it', () => {
  const wasm = files(DIST).filter((f) => f.endsWith('.wasm'));
  // A second copy in assets/ would mean ORT's bundle build, which embeds its own wasm URL.
  expect(wasm).toEqual(['ort/ort-wasm-simd-threaded.asyncify.wasm']);
});
