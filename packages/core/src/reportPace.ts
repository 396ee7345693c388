/**
 * The pace at which a running task's reports leave the process that runs it, shared by every
 * place that coalesces them (the browser worker's outbox, a `taskweave-worker`'s job reports), so
 * a stream reads the same wherever its task ran. Leading edge: a chunk goes at once when none went
 * in the last `CHUNK_EVERY_MS`; only bursts are merged.
 */

/** Chunks leave at most once per this many ms (a frame), unless `CHUNK_BYTES` gathered first. @default 16 */
export const CHUNK_EVERY_MS = 16;
/** Chunks that gathered this many bytes (about, `cloneSizeOf`) leave at once. @default 4096 */
export const CHUNK_BYTES = 4096;
/** Progress leaves at most once per this many ms, the latest value. @default 100 */
export const PROGRESS_EVERY_MS = 100;
