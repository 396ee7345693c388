/**
 * TextProcessing in a worker process: the browser handler's contract and rules (input in
 * `task.metadata` or `{ kind: 'custom', value }`; `op` normalize | chunk | tokens; chunks by
 * sentence or paragraph with a size limit and an overlap; token counts with the model's
 * tokenizer). The rules are core's (`readTextOptions`, `segment`, `packChunks`), the same the
 * browser handler uses, so both sides cut text the same way.
 */
import { ValidationError, normalizeText, packChunks, readTextOptions, segment, type TaskOutput, type TextChunk } from '@taskweave/core';
import type { ServerTaskHandler } from './handler.js';
import type { NodeModels } from './models.js';



/** The TextProcessing handler of a worker process. */
export function textHandler(models: NodeModels): ServerTaskHandler {
  return async (task, ctx): Promise<TaskOutput> => {
    const opts = readTextOptions(task);
    if ((opts.op === 'tokens' || opts.sizeUnit === 'tokens') && task.modelId === undefined) {
      const field = opts.op === 'tokens' ? 'op' : 'sizeUnit';
      throw new ValidationError(`TextProcessing: ${field} '${opts[field]}' needs the task's modelId (whose tokenizer counts tokens)`, [
        { path: ['modelId'], field: 'modelId', message: 'required to count tokens' },
      ]);
    }
    const text = normalizeText(opts.text);
    let count: ((s: string) => number) | undefined;
    if (task.modelId !== undefined) {
      const t = await models.transformers();
      models.folder(task.modelId);
      const tokenizer = await t.AutoTokenizer.from_pretrained(task.modelId);
      count = (s: string) => (tokenizer.encode(s, { add_special_tokens: false }) as number[]).length;
    }
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
}
