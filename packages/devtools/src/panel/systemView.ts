/**
 * Queue, workers and tabs, from `tw.snapshot()` (the leader's, from any tab): counts by status and
 * priority, each worker busy or idle with the models it holds and the jobs it ran, replaced and
 * recycled workers; this tab's role and the leader's id; and this tab's JS heap where the browser
 * reports it (`performance.memory`, Chromium only). Nothing here is estimated.
 */
import { TASK_PRIORITY_NAMES, TASK_STATUSES, type QueueSnapshot } from '@taskweave/core';
import type { TaskweaveSnapshot } from '@taskweave/web-worker';
import type { PanelContext, PanelView } from './context.js';
import { fill, formatBytes, formatTime, h, message } from './dom.js';

interface HeapMemory {
  usedJSHeapSize: number;
  totalJSHeapSize: number;
  jsHeapSizeLimit: number;
}

/** `performance.memory` where the browser has it (Chromium), else undefined. */
function heapMemory(): HeapMemory | undefined {
  const memory = (performance as { memory?: Partial<HeapMemory> }).memory;
  return typeof memory?.usedJSHeapSize === 'number' ? (memory as HeapMemory) : undefined;
}

function counter(label: string, value: number | string, attr: string): HTMLElement {
  return h('div', { class: 'counter', 'data-counter': attr }, h('span', { class: 'value' }, String(value)), h('span', { class: 'label' }, label));
}

export class SystemView implements PanelView {
  readonly el = h('div', { class: 'view system-view', 'data-view': 'system' });
  readonly #ctx: PanelContext;
  readonly #onSnapshot: (snapshot: TaskweaveSnapshot) => void;
  #stale = true;

  /** `onSnapshot`: the panel's header shows the role and the leader from each snapshot read. */
  constructor(ctx: PanelContext, onSnapshot: (snapshot: TaskweaveSnapshot) => void) {
    this.#ctx = ctx;
    this.#onSnapshot = onSnapshot;
    fill(this.el, h('p', { class: 'muted' }, 'Reading the snapshot…'));
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
      const snapshot = await this.#ctx.tw.snapshot();
      this.#onSnapshot(snapshot);
      this.#render(snapshot);
    } catch (error) {
      this.#ctx.notify(`Reading the snapshot failed: ${message(error)}`, 'error');
    }
  }

  #render(s: TaskweaveSnapshot): void {
    fill(this.el, this.#tabs(s), this.#queue(s.queue), this.#memory(), this.#workers(s));
  }

  #tabs(s: TaskweaveSnapshot): HTMLElement {
    const leads = s.leaderTabId !== undefined && s.leaderTabId === s.tab.id;
    return h(
      'section',
      { class: 'card', 'aria-label': 'Tabs' },
      h('h3', {}, 'Tabs'),
      h(
        'dl',
        {},
        h('dt', {}, 'this tab'), h('dd', { 'data-field': 'tab-id' }, h('code', {}, s.tab.id)),
        h('dt', {}, 'role'), h('dd', { 'data-field': 'role' }, h('span', { class: `role r-${s.tab.role}` }, s.tab.role)),
        h('dt', {}, 'leader'), h('dd', { 'data-field': 'leader' }, s.leaderTabId === undefined ? 'none answered' : h('code', {}, s.leaderTabId), leads ? ' (this tab)' : ''),
        h('dt', {}, 'snapshot'), h('dd', {}, `taken ${formatTime(s.at)} by the leader`),
      ),
    );
  }

  #queue(q: QueueSnapshot | undefined): HTMLElement {
    const card = h('section', { class: 'card', 'aria-label': 'Queue' }, h('h3', {}, 'Queue'));
    if (q === undefined) {
      card.append(h('p', { class: 'muted' }, 'No tab runs tasks, or the leader did not answer in time.'));
      return card;
    }
    card.append(
      h('div', { class: 'counters' }, ...TASK_STATUSES.map((s) => counter(s, q.byStatus[s], s))),
      h(
        'div',
        { class: 'counters' },
        counter('ready', q.ready, 'ready'),
        counter('blocked', q.blocked, 'blocked'),
        counter('retrying', q.retrying, 'retrying'),
        counter('running', `${q.running} / ${q.concurrency}`, 'running'),
      ),
      h('p', { class: 'muted' }, 'unfinished by priority: ', TASK_PRIORITY_NAMES.map((p) => `${p} ${q.byPriority[p]}`).join(' · ')),
    );
    return card;
  }

  #workers(s: TaskweaveSnapshot): HTMLElement {
    const card = h('section', { class: 'card wide', 'aria-label': 'Workers' }, h('h3', {}, 'Workers'));
    const pool = s.pool;
    if (pool === undefined) {
      card.append(h('p', { class: 'muted' }, s.queue === undefined ? 'No pool is running.' : 'The leader runs tasks with a custom executor (no worker pool).'));
      return card;
    }
    const head = h('tr', {}, ...['#', 'worker', 'state', 'backend', 'models held', 'running', 'jobs done'].map((c) => h('th', {}, c)));
    const rows = pool.workers.map((w) =>
      h(
        'tr',
        { 'data-worker': String(w.index), 'data-state': w.state },
        h('td', { class: 'num' }, String(w.index)),
        h('td', { class: 'num' }, String(w.id)),
        h('td', {}, h('span', { class: `wstate w-${w.state}` }, w.state)),
        h('td', {}, w.backend ?? '—'),
        h('td', {}, w.models.length === 0 ? '—' : w.models.join(', ')),
        h('td', { class: 'mono' }, w.taskIds.length === 0 ? '—' : w.taskIds.map((id) => id.slice(0, 8)).join(' ')),
        h('td', { class: 'num' }, String(w.jobsDone)),
      ),
    );
    card.append(
      h('table', { class: 'workers' }, h('thead', {}, head), h('tbody', {}, ...rows)),
      h('p', { class: 'muted', 'data-field': 'pool' }, `pool size ${pool.size} · replaced after a crash ${pool.replaced} · recycled (the recycle option) ${pool.recycled}`),
    );
    return card;
  }

  #memory(): HTMLElement {
    const memory = heapMemory();
    const card = h('section', { class: 'card', 'aria-label': 'Memory' }, h('h3', {}, 'Memory'));
    if (memory === undefined) {
      card.append(h('p', { class: 'muted' }, 'This browser does not report memory (performance.memory).'));
      return card;
    }
    card.append(
      h(
        'dl',
        {},
        h('dt', {}, 'JS heap used'), h('dd', {}, formatBytes(memory.usedJSHeapSize)),
        h('dt', {}, 'JS heap total'), h('dd', {}, formatBytes(memory.totalJSHeapSize)),
        h('dt', {}, 'heap limit'), h('dd', {}, formatBytes(memory.jsHeapSizeLimit)),
      ),
      h('p', { class: 'muted' }, "this tab's main thread, as performance.memory reports it (workers not included)"),
    );
    return card;
  }
}
