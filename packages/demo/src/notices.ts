/**
 * Messages a visitor must not miss: WebGPU missing (WASM is used), storage full (a
 * `PersistenceError` with reason `quota`), a model file missing, work resumed after a reload.
 * Each kind shows once (a repeat replaces the earlier text).
 */
import { isTaskweaveError, PersistenceError } from '@taskweave/core';
import { h } from './dom.js';

export type NoticeKind = 'backend' | 'quota' | 'model-missing' | 'resumed' | 'role' | 'error';

/** Shows and replaces notices in `root`. */
export class Notices {
  readonly #root: HTMLElement;
  readonly #shown = new Map<NoticeKind, HTMLElement>();

  constructor(root: HTMLElement) {
    this.#root = root;
  }

  /** Shows (or replaces) the notice of this kind. */
  show(kind: NoticeKind, level: 'info' | 'warning' | 'error', text: string): void {
    const el = h('p', { class: `notice ${level}`, 'data-notice': kind }, text);
    const old = this.#shown.get(kind);
    if (old) old.replaceWith(el);
    else this.#root.append(el);
    this.#shown.set(kind, el);
  }

  /** Explains an error from the SDK in the visitor's terms, choosing the notice kind. */
  error(error: unknown): void {
    if (isQuota(error)) {
      this.show('quota', 'error', 'Storage is full: the browser refused to store more (IndexedDB quota exceeded). Nothing of the refused write was kept. Free space by clearing this site’s data, then try again.');
    } else if (isMissingModel(error)) {
      this.show('model-missing', 'error', `A model file is missing from this site, so the model cannot load: ${message(error).replace(/\.+$/, '')}. Serve it under /models/<model id>/ (the demo gets use-lite from the @taskweave/model-use-lite package through its Vite plugin, tiny-random-bert from public/models/; see its README) and reload.`);
    } else {
      this.show('error', 'error', message(error));
    }
  }
}

/** True for `PersistenceError` with reason `quota` (also when rebuilt from a task result's message). */
export function isQuota(error: unknown): boolean {
  if (error instanceof PersistenceError) return error.reason === 'quota';
  if (isTaskweaveError(error, 'persistence')) return error.details?.['reason'] === 'quota' || /quota/i.test(error.message);
  return false;
}

/** True when a model could not load because a file was not found on this origin. */
export function isMissingModel(error: unknown): boolean {
  const text = message(error);
  return (isTaskweaveError(error, 'not-found') && /model/i.test(text)) || /(404|not found|could not locate file|missing).*(model|onnx|tokenizer|config)|(model|onnx|tokenizer|config).*(404|not found|missing)/i.test(text);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Checks WebGPU and says which backend the workers will use. */
export async function checkWebGpu(notices: Notices): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  let adapter: unknown = null;
  try {
    adapter = gpu ? await gpu.requestAdapter() : null;
  } catch {
    adapter = null;
  }
  if (adapter) {
    notices.show('backend', 'info', 'WebGPU is available: models run on the GPU (WASM stays as the fallback).');
    return true;
  }
  notices.show('backend', 'warning', `WebGPU is not available in this browser${gpu ? ' (no adapter)' : ''}: models run on WebAssembly (CPU) in the workers. Everything works, only slower.`);
  return false;
}
