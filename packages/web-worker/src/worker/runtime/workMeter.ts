/**
 * Measures one job inside the worker: wall time, the worker thread's busy share, bytes fetched,
 * and JS heap growth. See `pool-readme` / `createWorkerPool` docs for what each one misses.
 */
import { wasmMemoryBytes } from './wasmMemory.js';
import type { MeasuredMetrics } from '@taskweave/core';

/** Interval of the busy-share probe. Busy stretches shorter than this between awaits are missed. */
const PROBE_MS = 8;
/** Timer lateness below this is timer jitter, not work. */
const JITTER_MS = 1;

interface NetworkCounter {
  bytes: number;
}

let activeCounter: NetworkCounter | undefined;
let observer: PerformanceObserver | undefined;

function addEntries(entries: PerformanceEntryList): void {
  if (activeCounter === undefined) return;
  for (const entry of entries) {
    // transferSize: bytes over the wire (headers + encoded body); 0 when served from the HTTP cache.
    const size = (entry as PerformanceResourceTiming).transferSize;
    if (typeof size === 'number' && size > 0) activeCounter.bytes += size;
  }
}

function ensureObserver(): void {
  if (observer !== undefined || typeof PerformanceObserver === 'undefined') return;
  try {
    observer = new PerformanceObserver((list) => addEntries(list.getEntries()));
    observer.observe({ type: 'resource' });
  } catch {
    observer = undefined;
  }
}

/** Chromium's non-standard `performance.memory`, when the worker has it. */
function usedHeap(): number | undefined {
  const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
  return typeof memory?.usedJSHeapSize === 'number' ? memory.usedJSHeapSize : undefined;
}

/**
 * Bytes held by the typed arrays of a task's output (the embedding vectors, tensor data, binary
 * data, typed arrays inside a custom value): the memory the task's result occupies.
 */
export function outputBytes(value: unknown, depth = 0): number {
  if (value === null || typeof value !== 'object' || depth > 6) return 0;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  let total = 0;
  const items = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  for (const item of items) {
    if (item !== null && typeof item === 'object') total += outputBytes(item, depth + 1);
  }
  return total;
}

/** A running measurement. Call `handlerReturned()` once the handler's synchronous part returned. */
export interface WorkMeter {
  handlerReturned(): void;
  /** Ends the measurement; safe to call once. */
  stop(): Required<Pick<MeasuredMetrics, 'durationMs' | 'cpuUsage' | 'networkBytes' | 'memoryBytes'>>;
}

/**
 * Starts measuring a job. One at a time per worker (the pool runs one job per worker).
 *
 * - `durationMs`: `performance.now()` from start to `stop()`.
 * - `cpuUsage`: (synchronous time of the handler call + lateness of an 8 ms timer probe while the
 *   job awaits) / wall time, clamped to [0, 1]. A timer that fires late means the thread was busy.
 * - `networkBytes`: `transferSize` of Resource Timing entries of fetches this worker made during
 *   the job (0 for HTTP-cache hits; Cache Storage reads make no entry).
 * - `memoryBytes`: growth of the WebAssembly memory the worker holds (`wasmMemory.ts`: ORT's heap,
 *   the vector index) plus growth of `performance.memory.usedJSHeapSize` where the worker exposes it
 *   (Chromium does not in workers today); the runtime adds the output's bytes (`outputBytes`). A
 *   WebAssembly heap never shrinks, so a task that reuses memory an earlier one grew counts 0 there.
 */
export function startWorkMeter(): WorkMeter {
  ensureObserver();
  const counter: NetworkCounter = { bytes: 0 };
  activeCounter = counter;
  const heapBefore = usedHeap();
  const wasmBefore = wasmMemoryBytes();
  const start = performance.now();
  let busy = 0;
  let due = Number.POSITIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const tick = () => {
    const now = performance.now();
    const late = now - due;
    if (late > JITTER_MS) busy += late;
    due = now + PROBE_MS;
    timer = setTimeout(tick, PROBE_MS);
  };

  return {
    handlerReturned() {
      if (stopped || timer !== undefined) return;
      const now = performance.now();
      busy += now - start;
      due = now + PROBE_MS;
      timer = setTimeout(tick, PROBE_MS);
    },
    stop() {
      const end = performance.now();
      if (!stopped) {
        stopped = true;
        if (timer !== undefined) clearTimeout(timer);
        // The probe was due and did not run: the thread was busy from then until now.
        if (end - due > JITTER_MS) busy += end - due;
        if (due === Number.POSITIVE_INFINITY) busy = end - start;
        if (observer !== undefined) addEntries(observer.takeRecords());
        if (activeCounter === counter) activeCounter = undefined;
        if (typeof performance.clearResourceTimings === 'function') performance.clearResourceTimings();
      }
      const durationMs = Math.max(0, end - start);
      const heapAfter = usedHeap();
      return {
        durationMs,
        cpuUsage: durationMs > 0 ? Math.min(1, Math.max(0, busy / durationMs)) : 0,
        networkBytes: counter.bytes,
        memoryBytes:
          Math.max(0, wasmMemoryBytes() - wasmBefore) +
          (heapBefore !== undefined && heapAfter !== undefined ? Math.max(0, heapAfter - heapBefore) : 0),
      };
    },
  };
}
