/**
 * The model cache: the declared models (`tw.models.list()`) with their files and bytes, the
 * origin's storage (`tw.models.estimate()`: usage, quota, persisted), and "Clear" per model. Read
 * when the view is shown and after a clear (the cache sends no events).
 */
import type { PanelContext, PanelView } from './context.js';
import { button, fill, formatBytes, h, message } from './dom.js';

export class ModelsView implements PanelView {
  readonly el = h('div', { class: 'view models-view', 'data-view': 'models' });
  readonly #ctx: PanelContext;
  #stale = true;

  constructor(ctx: PanelContext) {
    this.#ctx = ctx;
    fill(this.el, h('p', { class: 'muted' }, 'Reading the model cache…'));
  }

  get stale(): boolean {
    return this.#stale;
  }

  markStale(): void {
    this.#stale = true;
  }

  async refresh(): Promise<void> {
    this.#stale = false;
    try {
      const [models, estimate] = await Promise.all([this.#ctx.tw.models.list(), this.#ctx.tw.models.estimate()]);
      const storage = h(
        'section',
        { class: 'card', 'aria-label': 'Storage' },
        h('h3', {}, 'Storage (this origin)'),
        h(
          'dl',
          {},
          h('dt', {}, 'usage'), h('dd', { 'data-field': 'usage' }, formatBytes(estimate.usage)),
          h('dt', {}, 'quota'), h('dd', { 'data-field': 'quota' }, estimate.quota > 0 ? `${formatBytes(estimate.quota)} (${((estimate.usage / estimate.quota) * 100).toFixed(2)} % used)` : formatBytes(estimate.quota)),
          h('dt', {}, 'persisted'), h('dd', { 'data-field': 'persisted' }, estimate.persisted ? 'yes' : 'no (the browser may evict it)'),
        ),
      );
      const list = h('section', { class: 'card wide', 'aria-label': 'Models' }, h('h3', {}, 'Models'));
      if (models.length === 0) {
        list.append(h('p', { class: 'muted' }, 'No models declared (createTaskweave({ models })).'));
      } else {
        const head = h('tr', {}, ...['model', 'dtype', 'cached', 'bytes', 'files', ''].map((c) => h('th', {}, c)));
        const rows = models.flatMap((m) => [
          h(
            'tr',
            { 'data-model': m.id, 'data-cached': String(m.cached) },
            h('td', {}, h('strong', {}, m.id)),
            h('td', {}, m.dtype),
            h('td', {}, m.cached ? 'yes' : m.bytes > 0 ? 'partly' : 'no'),
            h('td', { class: 'num', 'data-field': 'bytes' }, formatBytes(m.bytes)),
            h('td', { class: 'num' }, `${m.files.filter((f) => f.cached).length} / ${m.files.length}`),
            h('td', {}, button('Clear', () => void this.#clear(m.id), { class: 'danger small', 'data-action': 'clear-model', disabled: m.bytes === 0, 'aria-label': `Clear ${m.id}` })),
          ),
          h('tr', { class: 'files' }, h('td', { class: 'mono muted', 'data-files': m.id }, m.files.map((f) => `${f.path} ${f.cached ? formatBytes(f.bytes) : '(not cached)'}`).join(' · '))),
        ]);
        for (const row of rows) if (row.classList.contains('files')) row.firstElementChild?.setAttribute('colspan', '6');
        list.append(h('table', { class: 'models' }, h('thead', {}, head), h('tbody', {}, ...rows)));
      }
      fill(this.el, storage, list);
    } catch (error) {
      this.#ctx.notify(`Reading the model cache failed: ${message(error)}`, 'error');
    }
  }

  async #clear(id: string): Promise<void> {
    try {
      await this.#ctx.tw.models.clear(id);
      this.#ctx.notify(`Cleared ${id} from the cache`, 'ok');
    } catch (error) {
      this.#ctx.notify(`Clear failed: ${message(error)}`, 'error');
    }
    this.#stale = true;
    this.#ctx.requestRefresh();
  }
}
