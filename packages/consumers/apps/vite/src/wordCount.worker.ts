// An app's own worker: the built-in handlers, plus one of its own.
import { registerHandler } from '@taskweave/web-worker/worker';

registerHandler('custom:wordCount', async (task) => ({
  kind: 'custom',
  value: task.input.kind === 'text' ? task.input.text.split(/\s+/).filter(Boolean).length : 0,
}));
