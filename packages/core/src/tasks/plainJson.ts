/**
 * Tasks' values over JSON (the server's HTTP API, the browser's remote placement), which has no
 * typed arrays and no bigints: `toPlainJson` writes them as number arrays and numbers, and
 * `outputFromPlainJson` / `resultFromPlainJson` give back the typed arrays the schema (and the
 * handlers) expect, validated.
 */
import { parseTaskOutput, parseTaskResult } from '../schemas.js';
import type { TaskOutput, TaskResult } from '../task.js';

/** `value` with typed arrays as number arrays and bigints as numbers: what HTTP bodies carry. */
export function toPlainJson(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number | bigint>, (n) => (typeof n === 'bigint' ? Number(n) : n));
  }
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlainJson(v)]));
  }
  return value;
}

const TENSOR_ARRAYS: Record<string, (data: unknown[]) => unknown> = {
  float32: (d) => Float32Array.from(d as number[]),
  float64: (d) => Float64Array.from(d as number[]),
  int32: (d) => Int32Array.from(d as number[]),
  int16: (d) => Int16Array.from(d as number[]),
  int8: (d) => Int8Array.from(d as number[]),
  uint8: (d) => Uint8Array.from(d as number[]),
  uint16: (d) => Uint16Array.from(d as number[]),
  int64: (d) => BigInt64Array.from(d as number[], (n) => BigInt(n)),
};

const numbers = (value: unknown): value is number[] => Array.isArray(value);

/**
 * An output read from JSON, with its typed arrays back, validated.
 * @throws ValidationError naming the field
 */
export function outputFromPlainJson(raw: unknown): TaskOutput {
  if (raw === null || typeof raw !== 'object') return parseTaskOutput(raw);
  const o: Record<string, any> = { ...(raw as Record<string, unknown>) };
  switch (o['kind']) {
    case 'embedding':
      if (numbers(o['vector'])) o['vector'] = Float32Array.from(o['vector']);
      break;
    case 'embeddings':
      if (Array.isArray(o['vectors'])) o['vectors'] = o['vectors'].map((v: unknown) => (numbers(v) ? Float32Array.from(v) : v));
      break;
    case 'binary':
      if (numbers(o['data'])) o['data'] = Uint8Array.from(o['data']);
      break;
    case 'documents':
      if (Array.isArray(o['documents'])) o['documents'] = o['documents'].map((d: any) => (d !== null && numbers(d?.vector) ? { ...d, vector: Float32Array.from(d.vector) } : d));
      break;
    case 'tensors':
      if (o['tensors'] !== null && typeof o['tensors'] === 'object') {
        o['tensors'] = Object.fromEntries(
          Object.entries(o['tensors'] as Record<string, any>).map(([name, t]) => [name, numbers(t?.data) ? { ...t, data: TENSOR_ARRAYS[t.type]?.(t.data) ?? t.data } : t]),
        );
      }
      break;
  }
  return parseTaskOutput(o);
}

/**
 * A result read from JSON (its output's typed arrays back), validated.
 * @throws ValidationError naming the field
 */
export function resultFromPlainJson(raw: unknown): TaskResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return parseTaskResult(raw);
  const r = raw as Record<string, unknown>;
  return parseTaskResult({ ...r, output: 'output' in r ? outputFromPlainJson(r['output']) : r['output'] });
}
