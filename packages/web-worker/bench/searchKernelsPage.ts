/**
 * The in-browser half of `searchKernels.bench.ts`: the same seeded unit vectors laid out for each
 * kernel of `searchKernels.ts` (float32 rows, the bfloat16 high halves of the float32 rows, int8
 * rows), and one timed scan of every row per call.
 */
import { kernels, kernelModule } from './searchKernels.js';
import { prng } from '../../../scripts/prng.mjs';

interface Loaded {
  dots: (data: number, q: number, rows: number, rowBytes: number, out: number) => void;
  rowBytes: number;
  qOffset: number;
  outOffset: number;
}
const loaded = new Map<string, Loaded>();
let rows = 0;

function setup(n: number, dims: number, seed: number): string[] {
  rows = n;
  const rand = prng(seed);
  const f32 = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let j = 0; j < dims; j++) {
      const x = rand() + rand() + rand() - 1.5;
      f32[i * dims + j] = x;
      sq += x * x;
    }
    const inv = 1 / Math.sqrt(sq);
    for (let j = 0; j < dims; j++) f32[i * dims + j] = (f32[i * dims + j] as number) * inv;
  }
  const bits = new Uint32Array(f32.buffer);
  for (const [name, kernel] of Object.entries(kernels)) {
    const rowBytes = dims * kernel.bytesPerDim;
    const qOffset = n * rowBytes;
    const outOffset = qOffset + dims * 4;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((outOffset + n * 4) / 65536) });
    const buffer = memory.buffer;
    if (kernel.bytesPerDim === 4) new Float32Array(buffer).set(f32);
    else if (kernel.bytesPerDim === 2) {
      const hi = new Uint16Array(buffer);
      for (let i = 0; i < n * dims; i++) hi[i] = ((bits[i] as number) + 0x8000) >>> 16;
    } else {
      const i8 = new Int8Array(buffer);
      for (let i = 0; i < n; i++) {
        let max = 0;
        for (let j = 0; j < dims; j++) max = Math.max(max, Math.abs(f32[i * dims + j] as number));
        for (let j = 0; j < dims; j++) i8[i * dims + j] = Math.round(((f32[i * dims + j] as number) / max) * 127);
      }
    }
    const instance = new WebAssembly.Instance(kernelModule(name), { env: { mem: memory } });
    const q = unit(rand, dims);
    if (kernel.query === 'f32') new Float32Array(buffer, qOffset, dims).set(q);
    else new Int16Array(buffer, qOffset, dims).set(Array.from(q, (x) => Math.round(x * 16383)));
    loaded.set(name, { dots: instance.exports['dots'] as Loaded['dots'], rowBytes, qOffset, outOffset });
  }
  return [...loaded.keys()];
}

function unit(rand: () => number, dims: number): Float32Array {
  const v = new Float32Array(dims);
  let sq = 0;
  for (let j = 0; j < dims; j++) sq += (v[j] = rand() - 0.5) ** 2;
  for (let j = 0; j < dims; j++) v[j] = (v[j] as number) / Math.sqrt(sq);
  return v;
}

/** Milliseconds of one scan of every row with `name`. */
function scan(name: string): number {
  const k = loaded.get(name);
  if (k === undefined) throw new Error(`no kernel ${name}`);
  const t0 = performance.now();
  k.dots(0, k.qOffset, rows, k.rowBytes, k.outOffset);
  return performance.now() - t0;
}

declare global {
  interface Window {
    __kernels: { setup: typeof setup; scan: typeof scan };
  }
}
window.__kernels = { setup, scan };
