/**
 * The "generate text" panel: `tw.generate` with sotu-gen (a small trigram model of the bundled
 * corpus, built in the repo), each token shown as it arrives (`for await` over `handle.stream`),
 * a Stop button that cancels the task (generation stops within one token and the text produced so
 * far stays), and at the end the finish reason, the token count and tokens per second.
 * `data-state` on the status line goes `submitting` → `running` → `done` | `cancelled` | `failed`.
 */
import { isTaskweaveError, TaskPriority } from '@taskweave/core';
import type { Taskweave } from '@taskweave/web-worker';
import { h } from './dom.js';
import { GENERATION_MODEL } from './runtime.js';

/** The most new tokens the form asks for (the model has 1,024 positions, prompt included). */
const MAX_NEW_TOKENS = 1000;
/** Temperature of the "sample" toggle: varied text that still reads almost like a speech. */
const TEMPERATURE = 0.8;

/** Mounts the panel into `root`. */
export function mountGenerateView(root: HTMLElement, tw: Pick<Taskweave, 'generate'>, onError: (error: unknown) => void): void {
  const prompt = h('textarea', { name: 'prompt', rows: 2, 'aria-label': 'Prompt', required: true });
  prompt.value = 'Tonight, I ask';
  const maxTokens = h('input', { name: 'maxNewTokens', type: 'number', min: 1, max: MAX_NEW_TOKENS, value: 40, required: true, 'aria-label': 'Max new tokens', class: 'narrow' });
  const sample = h('input', { name: 'sample', type: 'checkbox' });
  const generate = h('button', { type: 'submit', class: 'primary' }, 'Generate');
  const stop = h('button', { type: 'button', disabled: true }, 'Stop');
  const promptEcho = h('span', { class: 'prompt' });
  const generated = h('span', { 'data-testid': 'generated-text' });
  const output = h('div', { class: 'generation', 'data-testid': 'generation', 'aria-live': 'off' }, promptEcho, generated);
  const status = h('p', { class: 'hint', 'data-testid': 'generation-status' });
  const form = h('form', {},
    prompt,
    h('div', { class: 'row' },
      h('label', {}, 'max tokens ', maxTokens),
      h('label', { title: `do_sample with temperature ${TEMPERATURE}; greedy (always the likeliest word) when off` }, sample, ' sample'),
    ),
    h('div', { class: 'row' }, generate, stop),
  );
  root.append(
    h('p', { class: 'hint' }, `${GENERATION_MODEL}: a trigram model of the same corpus, as a GPT-2-shaped ONNX decoder, streamed token by token from a worker.`),
    form,
    output,
    status,
  );

  let cancel: (() => Promise<boolean>) | undefined;
  const setState = (state: string, text: string): void => {
    status.dataset['state'] = state;
    status.textContent = text;
  };
  const busy = (on: boolean): void => {
    for (const el of [prompt, maxTokens, sample, generate]) el.disabled = on;
    if (!on) stop.disabled = true;
  };

  stop.addEventListener('click', () => {
    stop.disabled = true;
    setState('stopping', 'Stopping…');
    void cancel?.().catch(onError);
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = prompt.value;
    if (!text.trim()) return;
    busy(true);
    promptEcho.textContent = text;
    generated.textContent = '';
    setState('submitting', 'Submitting…');
    void run(text).finally(() => {
      cancel = undefined;
      busy(false);
    });
  });

  async function run(text: string): Promise<void> {
    const started = performance.now();
    let handle: Awaited<ReturnType<typeof tw.generate>>;
    try {
      handle = await tw.generate(text, {
        model: GENERATION_MODEL,
        maxNewTokens: maxTokens.valueAsNumber,
        ...(sample.checked ? { doSample: true, temperature: TEMPERATURE } : {}),
        priority: TaskPriority.High,
        metadata: { label: `generate “${text.slice(0, 24)}”` },
      });
    } catch (error) {
      // A refused submit (a ValidationError names the field): nothing runs.
      setState('failed', `Not started: ${message(error)}`);
      return;
    }
    cancel = () => handle.cancel();
    stop.disabled = false;
    setState('running', 'Waiting for a worker (the first run loads the model)…');
    let streamed = 0;
    let firstAt: number | undefined;
    const tail = document.createTextNode('');
    generated.append(tail);
    try {
      for await (const token of handle.stream) {
        firstAt ??= performance.now();
        streamed += 1;
        tail.appendData(token);
        if (status.dataset['state'] === 'running') setState('running', `Generating… ${streamed} tokens`);
      }
      const result = await handle.result;
      const ended = performance.now();
      // The count includes the end-of-text token, which streams no text.
      const tokens = result.tokens ?? streamed;
      // The rate from the first token on: the wait before it is the queue and, on a first run, the model's load.
      const decoding = firstAt !== undefined && tokens > 1 && ended > firstAt ? { count: tokens - 1, ms: ended - firstAt } : { count: tokens, ms: ended - started };
      status.dataset['finish'] = result.finishReason;
      setState(
        'done',
        `Finished (${result.finishReason === 'stop' ? 'stop: end of text' : `length: ${tokens} tokens asked`}) · ${tokens} tokens · ${((decoding.count * 1000) / decoding.ms).toFixed(1)} tokens/s` +
          (firstAt === undefined ? '' : ` · first token after ${((firstAt - started) / 1000).toFixed(2)} s`),
      );
    } catch (error) {
      if (isTaskweaveError(error, 'cancelled')) {
        setState('cancelled', `Stopped (Cancelled) after ${streamed} tokens; the text produced so far is kept.`);
      } else {
        setState('failed', `Failed: ${message(error)}`);
        onError(error);
      }
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
