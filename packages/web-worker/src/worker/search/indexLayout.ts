/**
 * Where each part of a `VectorIndex` lives in its buffer (the scan kernel's WebAssembly memory):
 * a header, the search scratch areas (slots), then one region per per-row array, in this order:
 *
 * | region   | per row            | what                                                        |
 * | -------- | ------------------ | ----------------------------------------------------------- |
 * | codes    | stride × int8      | round(v / S): what the kernel scans (zero padding to stride) |
 * | norms    | float64            | |v|, of the float32 values summed in order (the naive loop's) |
 * | errs     | float32            | upper bound of |v − S·codes| / |v|                          |
 * | exps     | int16              | e, the row's scale S = 2^e                                   |
 * | escIdx   | ESCAPES × uint16   | positions of values kept whole (see `vectorIndex.ts`)        |
 * | escCount | uint8              | how many of those slots are used                            |
 * | escLow   | ESCAPES × uint8    | their low 8 bits                                             |
 * | rest     | dims × 3 bytes     | the 24 bits that, with the code, give the float32 back      |
 *
 * Offsets only grow with the capacity, so growing moves the regions after `codes`, last first.
 */

/** Bytes before the first slot: Int32 header words, the version as a Float64 at byte 64, the slot locks. */
export const HEADER_BYTES = 4096;
export const MAGIC = 0x74777638; // 'twv8'
export const H_MAGIC = 0;
export const H_DIMS = 1;
export const H_CAPACITY = 2;
export const H_COUNT = 3;
export const H_SLOTS = 4;
export const H_BLOB = 5;
export const H_BLOB_LENGTH = 6;
export const H_ID = 7;
export const H_CHUNK = 8;
export const H_VERSION_BYTE = 64;
/** Int32 index of slot 0's lock word (0 free, 1 taken). */
export const H_SLOT_LOCKS = 256;
export const MAX_SLOTS = 64;
/** Escape slots per row kept in the buffer (more go to a per-index map). */
export const ESCAPES = 8;

export type RegionName = 'codes' | 'norms' | 'errs' | 'exps' | 'escIdx' | 'escCount' | 'escLow' | 'rest';

export interface Layout {
  capacity: number;
  /** Rows per kernel call. */
  chunk: number;
  /** Search scratch areas, each: the int16 query (stride values) and the int32 scores of one chunk. */
  slots: number;
  slotBytes: number;
  /** Slot 0's query and scores (slot s: + s × slotBytes). */
  query: number;
  scores: number;
  /** Byte offset and bytes per row of each region. */
  regions: Record<RegionName, { offset: number; perRow: number }>;
  bytes: number;
}

export const align = (n: number, to: number): number => Math.ceil(n / to) * to;

export function layoutFor(dims: number, stride: number, capacity: number, slots: number, chunk: number): Layout {
  const query = HEADER_BYTES;
  const scores = query + stride * 2;
  const slotBytes = align(stride * 2 + chunk * 4, 64);
  let at = query + slots * slotBytes;
  const region = (perRow: number, alignTo: number) => {
    const offset = align(at, alignTo);
    at = offset + perRow * capacity;
    return { offset, perRow };
  };
  const regions = {
    codes: region(stride, 64),
    norms: region(8, 8),
    errs: region(4, 4),
    exps: region(2, 2),
    escIdx: region(2 * ESCAPES, 2),
    escCount: region(1, 1),
    escLow: region(ESCAPES, 1),
    rest: region(3 * dims, 1),
  };
  return { capacity, chunk, slots, slotBytes, query, scores, regions, bytes: at };
}

/** Region names in layout order. */
export const REGIONS: readonly RegionName[] = ['codes', 'norms', 'errs', 'exps', 'escIdx', 'escCount', 'escLow', 'rest'];
