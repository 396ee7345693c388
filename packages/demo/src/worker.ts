/**
 * The demo's worker module: the SDK's built-in handlers (text, embedding, inference, storage,
 * search) plus one custom handler, registered by name — the documented way for an app to add
 * its own task type.
 */
import { TaskweaveError } from '@taskweave/core';
import { registerHandler } from '@taskweave/web-worker/worker';

/** `custom:topWords`: the most frequent words (three letters or more) of a text (input `{ kind: 'text' }`). */
registerHandler('custom:topWords', async (task, ctx) => {
  if (task.input.kind !== 'text') {
    throw new TaskweaveError('validation', `custom:topWords needs input.kind 'text', got '${task.input.kind}'`, {
      retryable: false,
      details: { field: 'input.kind' },
    });
  }
  const counts = new Map<string, number>();
  for (const word of task.input.text.toLowerCase().match(/\p{L}[\p{L}'’-]{2,}/gu) ?? []) {
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  ctx.signal.throwIfAborted();
  const top = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10);
  return { kind: 'custom', value: Object.fromEntries(top) };
});
