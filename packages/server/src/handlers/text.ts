/**
 * TextProcessing in a worker process: the browser handler's contract and rules (input in
 * `task.metadata` or `{ kind: 'custom', value }`; `op` normalize | chunk | tokens; chunks by
 * sentence or paragraph with a size limit and an overlap; token counts with the model's
 * tokenizer). The rules are core's (`readTextOptions`, `checkTextOptions`, `textOutput`), the same the
 * browser handler uses, so both sides cut text the same way.
 */
import { checkTextOptions, normalizeText, readTextOptions, textOutput, type TaskOutput } from '@taskweave/core';
import type { ServerTaskHandler } from './handler.js';
import type { NodeModels } from './models.js';



/** The TextProcessing handler of a worker process. */
export function textHandler(models: NodeModels): ServerTaskHandler {
  return async (task, ctx): Promise<TaskOutput> => {
    const opts = readTextOptions(task);
    checkTextOptions(task, opts);
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
    return textOutput(text, opts, count);
  };
}
