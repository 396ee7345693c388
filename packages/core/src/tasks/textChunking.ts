/**
 * TextProcessing's rules, runtime-neutral, so the browser's worker and a server's worker process
 * cut text the same way: the options (in `task.metadata` or `{ kind: 'custom', value }`), Unicode
 * normalisation, segmenting by sentence or paragraph (`Intl.Segmenter`), and packing segments
 * into chunks of a size limit with an overlap.
 */
import { z } from 'zod';
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { TaskOutput, TextChunk } from '../task.js';

/** A BCP 47 tag `Intl.Segmenter` takes ('en', 'de-CH'); anything else would throw a RangeError when the task runs. */
function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

const options = {
  op: z.enum(['normalize', 'chunk', 'tokens']).default('chunk'),
  by: z.enum(['sentence', 'paragraph']).default('sentence'),
  sizeUnit: z.enum(['chars', 'tokens']).default('chars'),
  locale: z.string().min(1).refine(isLocale, 'must be a BCP 47 locale tag, e.g. "en"').default('en'),
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

/**
 * What TextProcessing reads of a task: a submitted one (`ResolvedSubmit`) or a stored one (`Task`).
 * `input` is any task input; only 'text' and 'custom' ones are TextProcessing's.
 */
export interface TextTaskFields {
  input: { readonly kind: string };
  metadata: Readonly<Record<string, string>>;
  modelId?: string | undefined;
}

function issue(path: (string | number)[], message: string): ValidationIssue {
  return { path, field: path.join('.'), message };
}

function zodIssues(error: z.ZodError, prefix: (string | number)[]): ValidationIssue[] {
  return error.issues.flatMap((i) => {
    const path = [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    // An option with a misspelt name is named itself, not its object.
    if (i.code === 'unrecognized_keys') return i.keys.map((key) => issue([...path, key], 'is not a TextProcessing option'));
    return [issue(path, i.message)];
  });
}

/** The task's options, or every problem with them (each naming its field as the task has it). */
function parseTextTask(task: TextTaskFields): { options: TextOptions; issues?: undefined } | { issues: ValidationIssue[] } {
  const { input } = task;
  if (input.kind === 'custom') {
    const parsed = customSchema.safeParse((input as { value?: unknown }).value);
    return parsed.success ? { options: parsed.data } : { issues: zodIssues(parsed.error, ['input', 'value']) };
  }
  if (input.kind === 'text') {
    const parsed = metadataSchema.safeParse(task.metadata);
    if (!parsed.success) return { issues: zodIssues(parsed.error, ['metadata']) };
    return { options: { ...parsed.data, text: (input as unknown as { text: string }).text } };
  }
  return { issues: [issue(['input', 'kind'], `must be 'text' or 'custom', not '${input.kind}'`)] };
}

/** `op: 'tokens'` or `sizeUnit: 'tokens'` without a model to count tokens with, as an issue on `modelId`. */
function tokenizerIssues(task: TextTaskFields, opts: TextOptions): ValidationIssue[] {
  if ((opts.op !== 'tokens' && opts.sizeUnit !== 'tokens') || task.modelId !== undefined) return [];
  const option = opts.op === 'tokens' ? `op 'tokens'` : `sizeUnit 'tokens'`;
  return [issue(['modelId'], `is required: ${option} counts tokens with the model's tokenizer`)];
}

/**
 * Every problem TextProcessing would refuse this task for, each naming its field (`input.value.op`,
 * `metadata.chunkSize`, `modelId`); none = the handler will take it. The one check behind
 * `readTextOptions` + `checkTextOptions` (the handlers, browser and server) and the submit-time
 * validation (`validateSubmission` of `@taskweave/web-worker`).
 *
 * @example textProcessingIssues({ input: { kind: 'custom', value: { text: 'a', op: 'nope' } }, metadata: {} })[0].field // 'input.value.op'
 */
export function textProcessingIssues(task: TextTaskFields): ValidationIssue[] {
  const parsed = parseTextTask(task);
  return parsed.issues ?? tokenizerIssues(task, parsed.options);
}

/** Reads a TextProcessing task's text and options, or throws a ValidationError naming the field. */
export function readTextOptions(task: TextTaskFields): TextOptions {
  const parsed = parseTextTask(task);
  if (parsed.issues !== undefined) throw ValidationError.fromIssues('TextProcessing', parsed.issues);
  return parsed.options;
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
export function checkTextOptions(task: TextTaskFields, opts: TextOptions): void {
  const issues = tokenizerIssues(task, opts);
  if (issues.length > 0) throw ValidationError.fromIssues('TextProcessing', issues);
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
