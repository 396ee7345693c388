/**
 * TextProcessing: normalise text, chunk it by sentences or paragraphs with a size limit and an
 * overlap, and count tokens with a model's tokenizer (`AutoTokenizer` of `task.modelId`, loaded
 * from the local model folder).
 *
 * Input, either
 * - `{ kind: 'text', text }` with options in `task.metadata` (strings: `op`, `by`, `chunkSize`,
 *   `overlap`, `sizeUnit`, `locale`), or
 * - `{ kind: 'custom', value: { text, op?, by?, chunkSize?, overlap?, sizeUnit?, locale? } }`.
 *
 * Options: `op` 'normalize' | 'chunk' (default) | 'tokens'; `by` 'sentence' (default) |
 * 'paragraph'; `chunkSize` (default 512) and `overlap` (default 0, < chunkSize) in `sizeUnit`
 * 'chars' (default) or 'tokens' (needs `modelId`). Output `{ kind: 'text', text, chunks?, tokens? }`:
 * `text` is the normalised text, chunk spans are offsets into it, and token counts (without the
 * tokenizer's special tokens) are given when the task has a `modelId`.
 */
import { ValidationError, normalizeText, packChunks, readTextOptions, segment, type Task, type TaskOutput, type TextChunk } from '@taskweave/core';
import type { HandlerContext, TaskHandler } from '../handler.js';
import { getTokenizer } from '../models.js';

async function tokenCounter(task: Task, ctx: HandlerContext): Promise<((s: string) => number) | undefined> {
  if (task.modelId === undefined) return undefined;
  const { tokenizer, networkBytes } = await getTokenizer(task.modelId, ctx);
  if (networkBytes > 0) ctx.reportMetrics({ networkBytes });
  return (s: string) => (tokenizer.encode(s, { add_special_tokens: false }) as number[]).length;
}

/** The TextProcessing handler. */
export const textHandler: TaskHandler = async (task, ctx): Promise<TaskOutput> => {
  const opts = readTextOptions(task);
  if ((opts.op === 'tokens' || opts.sizeUnit === 'tokens') && task.modelId === undefined) {
    const field = opts.op === 'tokens' ? 'op' : 'sizeUnit';
    throw new ValidationError(`TextProcessing: ${field} '${opts[field]}' needs the task's modelId (whose tokenizer counts tokens)`, [
      { path: ['modelId'], field: 'modelId', message: 'required to count tokens' },
    ]);
  }
  const text = normalizeText(opts.text);
  const count = await tokenCounter(task, ctx);
  ctx.signal.throwIfAborted();
  ctx.reportMetrics({ backend: 'js' });
  if (opts.op === 'normalize') return { kind: 'text', text, ...(count ? { tokens: count(text) } : {}) };
  if (opts.op === 'tokens') return { kind: 'text', text, tokens: count!(text) };
  const measure = opts.sizeUnit === 'tokens' ? count! : (s: string) => s.length;
  const spans = packChunks(text, segment(text, opts.by, opts.locale), opts.chunkSize, opts.overlap, measure);
  const chunks: TextChunk[] = spans.map(({ start, end }) => {
    const piece = text.slice(start, end);
    return { text: piece, start, end, ...(count ? { tokens: count(piece) } : {}) };
  });
  return { kind: 'text', text, chunks, ...(count ? { tokens: count(text) } : {}) };
};
