/**
 * What both halves of `stream.bench.ts`'s latency rows share: the pace chunks are emitted at
 * (a generation's: one every 10–20 ms, fixed pseudo-random intervals so every arrangement sees the
 * same schedule), the stamp each chunk carries, and a check that two contexts' stamps agree.
 */

/** A chunk of the latency rows: its index and when it was emitted (`stamp()`). */
export interface StampedChunk {
  i: number;
  at: number;
}

/** What a ticker run is asked for. */
export interface TickerParams {
  count: number;
  /** Wait before the first chunk, so every reader is listening. */
  startDelayMs: number;
  seed: number;
}

/** Milliseconds since the Unix epoch on the high-resolution clock: comparable across a page, its workers and other tabs. */
export function stamp(): number {
  return performance.timeOrigin + performance.now();
}

/** The intervals (ms) between chunks: uniform in [10, 20), from `seed`. */
export function intervals(count: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out.push(10 + (s / 2 ** 32) * 10);
  }
  return out;
}

/**
 * `stamp() - Date.now()` read at the instant Date.now() ticks (so within a few µs, not 1 ms):
 * two contexts whose offsets differ by d ms would bias every latency by d.
 */
export function clockOffset(): number {
  const samples: number[] = [];
  for (let k = 0; k < 5; k++) {
    const start = Date.now();
    let now = start;
    while (now === start) now = Date.now();
    samples.push(stamp() - now);
  }
  samples.sort((a, b) => a - b);
  return samples[2]!;
}

/** Emits `count` stamped chunks through `emit` at the pace of `intervals`, on timers (the event loop is free between chunks). */
export async function tick(params: TickerParams, emit: (chunk: StampedChunk) => void, signal?: AbortSignal): Promise<number> {
  const gaps = intervals(params.count, params.seed);
  await sleep(params.startDelayMs);
  // Each chunk is due at a fixed time from the first, so timer lateness does not add up.
  const t0 = performance.now();
  let due = 0;
  for (let i = 0; i < params.count; i++) {
    signal?.throwIfAborted();
    const wait = t0 + due - performance.now();
    if (wait > 0) await sleep(wait);
    emit({ i, at: stamp() });
    due += gaps[i]!;
  }
  return params.count;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
