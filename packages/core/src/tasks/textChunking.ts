/**
 * TextProcessing's rules, runtime-neutral, so the browser's worker and a server's worker process
 * cut text the same way: the options (in `task.metadata` or `{ kind: 'custom', value }`), Unicode
 * normalisation, segmenting by sentence or paragraph (`Intl.Segmenter`), and packing segments
 * into chunks of a size limit with an overlap.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { Task, TaskOutput, TextChunk } from '../task.js';

function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string, prefix: (string | number)[]): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw ValidationError.fromZod(where, parsed.error.issues.map((i) => ({ ...i, path: [...prefix, ...i.path] })));
  return parsed.data;
}

const options = {
  op: z.enum(['normalize', 'chunk', 'tokens']).default('chunk'),
  by: z.enum(['sentence', 'paragraph']).default('sentence'),
  sizeUnit: z.enum(['chars', 'tokens']).default('chars'),
  locale: z.string().min(1).default('en'),
};
const sizes = (num: z.ZodNumber) => ({
  chunkSize: num.int().positive().default(512),
  overlap: num.int().nonnegative().default(0),
});
const overlapBelowSize = (v: { chunkSize: number; overlap: number }) => v.overlap < v.chunkSize;
const overlapIssue = { message: 'must be smaller than chunkSize', path: ['overlap'] };

const customSchema = z
  .strictObject({ text: z.string(), ...options, ...sizes(z.number()) })
  .refine(overlapBelowSize, overlapIssue);
const metadataSchema = z
  .object({ ...options, ...sizes(z.coerce.number()) })
  .refine(overlapBelowSize, overlapIssue);

/** A TextProcessing task's options, defaults applied. */
export type TextOptions = z.output<typeof customSchema>;

/** Reads a TextProcessing task's text and options, or throws a ValidationError naming the field. */
export function readTextOptions(task: Task): TextOptions {
  const { input } = task;
  if (input.kind === 'custom') return parseInput(customSchema, input.value, 'TextProcessing', ['input', 'value']);
  if (input.kind === 'text') {
    const meta = parseInput(metadataSchema, task.metadata, 'TextProcessing', ['metadata']);
    return { ...meta, text: input.text };
  }
  throw new ValidationError(`TextProcessing: input.kind must be 'text' or 'custom', got '${input.kind}'`, [
    { path: ['input', 'kind'], field: 'input.kind', message: "must be 'text' or 'custom'" },
  ]);
}

/**
 * Unicode NFKC, `\r\n` → `\n`, runs of spaces/tabs → one space, 3+ newlines → a paragraph break,
 * each line trimmed, the whole trimmed.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A character span of a text. */
export interface Span {
  start: number;
  end: number;
}

/** Sentence or paragraph spans of `text`, whitespace at their edges excluded. */
export function segment(text: string, by: 'sentence' | 'paragraph', locale: string): Span[] {
  const spans: Span[] = [];
  const push = (start: number, end: number) => {
    while (start < end && /\s/.test(text[start] ?? '')) start++;
    while (end > start && /\s/.test(text[end - 1] ?? '')) end--;
    if (end > start) spans.push({ start, end });
  };
  if (by === 'paragraph') {
    const re = /\n\s*\n/g;
    let last = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      push(last, m.index);
      last = m.index + m[0].length;
    }
    push(last, text.length);
    return spans;
  }
  const segmenter = new Intl.Segmenter(locale, { granularity: 'sentence' });
  for (const s of segmenter.segment(text)) push(s.index, s.index + s.segment.length);
  return spans;
}

/** Splits a span longer than `size` at word boundaries (or hard, for one overlong word). */
function splitLong(text: string, span: Span, size: number, measure: (s: string) => number): Span[] {
  if (measure(text.slice(span.start, span.end)) <= size) return [span];
  const words: Span[] = [];
  const re = /\S+/g;
  const part = text.slice(span.start, span.end);
  for (let m = re.exec(part); m !== null; m = re.exec(part)) words.push({ start: span.start + m.index, end: span.start + m.index + m[0].length });
  const out: Span[] = [];
  let current: Span | undefined;
  for (const word of words) {
    if (current !== undefined && measure(text.slice(current.start, word.end)) <= size) {
      current.end = word.end;
      continue;
    }
    if (current !== undefined) out.push(current);
    current = { ...word };
    // One word longer than the limit: cut it by characters.
    while (measure(text.slice(current.start, current.end)) > size) {
      let cut: number = current.start + 1;
      while (cut < current.end && measure(text.slice(current.start, cut + 1)) <= size) cut++;
      out.push({ start: current.start, end: cut });
      current = { start: cut, end: current.end };
    }
  }
  if (current !== undefined) out.push(current);
  return out;
}

/**
 * Packs units into chunks of at most `size` (by `measure`); each chunk after the first starts with
 * the last whole units of the previous chunk that fit in `overlap`.
 */
export function packChunks(text: string, units: Span[], size: number, overlap: number, measure: (s: string) => number): Span[] {
  const pieces = units.flatMap((u) => splitLong(text, u, size, measure));
  const chunks: Span[] = [];
  let first = 0;
  while (first < pieces.length) {
    let last = first;
    while (last + 1 < pieces.length && measure(text.slice(pieces[first]!.start, pieces[last + 1]!.end)) <= size) last++;
    chunks.push({ start: pieces[first]!.start, end: pieces[last]!.end });
    if (last + 1 >= pieces.length) break;
    // Step back over whole pieces that fit in the overlap (but always advance).
    let next = last + 1;
    while (
      next - 1 > first &&
      overlap > 0 &&
      measure(text.slice(pieces[next - 1]!.start, pieces[last]!.end)) <= overlap &&
      measure(text.slice(pieces[next - 1]!.start, pieces[last + 1]!.end)) <= size
    ) {
      next--;
    }
    first = next;
  }
  return chunks;
}

/**
 * Refuses options that need a tokenizer when the task names no model (`op: 'tokens'`,
 * `sizeUnit: 'tokens'`): a ValidationError naming `modelId`.
 */
export function checkTextOptions(task: Task, opts: TextOptions): void {
  if ((opts.op === 'tokens' || opts.sizeUnit === 'tokens') && task.modelId === undefined) {
    const field = opts.op === 'tokens' ? 'op' : 'sizeUnit';
    throw new ValidationError(`TextProcessing: ${field} '${opts[field]}' needs the task's modelId (whose tokenizer counts tokens)`, [
      { path: ['modelId'], field: 'modelId', message: 'required to count tokens' },
    ]);
  }
}

/**
 * The TextProcessing output for normalised `text`: the text itself (`normalize`), its token count
 * (`tokens`) or its chunks (`chunk`, spans into `text`), with token counts wherever `count` (the
 * model's tokenizer, without special tokens) is given. The browser and the server handlers both
 * end here, so both sides cut text the same way.
 */
export function textOutput(text: string, opts: TextOptions, count: ((s: string) => number) | undefined): TaskOutput {
  if (opts.op === 'normalize') return { kind: 'text', text, ...(count ? { tokens: count(text) } : {}) };
  if (opts.op === 'tokens') return { kind: 'text', text, tokens: (count as (s: string) => number)(text) };
  const measure = opts.sizeUnit === 'tokens' ? (count as (s: string) => number) : (s: string) => s.length;
  const spans = packChunks(text, segment(text, opts.by, opts.locale), opts.chunkSize, opts.overlap, measure);
  const chunks: TextChunk[] = spans.map(({ start, end }) => {
    const piece = text.slice(start, end);
    return { text: piece, start, end, ...(count ? { tokens: count(piece) } : {}) };
  });
  return { kind: 'text', text, chunks, ...(count ? { tokens: count(text) } : {}) };
}
