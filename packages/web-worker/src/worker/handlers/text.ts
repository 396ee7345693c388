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
import { checkTextOptions, normalizeText, readTextOptions, textOutput, type Task, type TaskOutput } from '@taskweave/core';
import type { HandlerContext, TaskHandler } from '../runtime/handler.js';
import { getTokenizer } from '../models/models.js';

async function tokenCounter(task: Task, ctx: HandlerContext): Promise<((s: string) => number) | undefined> {
  if (task.modelId === undefined) return undefined;
  const { tokenizer, networkBytes } = await getTokenizer(task.modelId, ctx);
  if (networkBytes > 0) ctx.reportMetrics({ networkBytes });
  return (s: string) => (tokenizer.encode(s, { add_special_tokens: false }) as number[]).length;
}

/** The TextProcessing handler. */
export const textHandler: TaskHandler = async (task, ctx): Promise<TaskOutput> => {
  const opts = readTextOptions(task);
  checkTextOptions(task, opts);
  const text = normalizeText(opts.text);
  const count = await tokenCounter(task, ctx);
  ctx.signal.throwIfAborted();
  ctx.reportMetrics({ backend: 'js' });
  return textOutput(text, opts, count);
};
