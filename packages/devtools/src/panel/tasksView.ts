/**
 * The task list: `tw.list` filtered by status, type and model, paged by `nextCursor`, with the
 * selected task's details beside it. Rows are keyed by task id: a refresh updates a row in place,
 * adds new tasks above the rows they precede in the list's order, and removes the ones that left
 * it, so a row (and its Cancel button) never moves under the pointer.
 */
import { BUILTIN_TASK_TYPES, isTerminalStatus, TASK_STATUSES, type QueueSnapshot, type TaskState, type TaskStatus } from '@taskweave/core';
import type { TaskId, TaskListQuery } from '@taskweave/core';
import type { PanelContext, PanelView } from './context.js';
import { cancelTask, DetailView } from './detailView.js';
import { button, fill, formatMs, formatTime, h, message, setText, shortId } from './dom.js';

const UNFINISHED = 'unfinished';
const UNFINISHED_STATUSES: readonly TaskStatus[] = ['Pending', 'Running'];

interface Row {
  el: HTMLTableRowElement;
  cells: HTMLTableCellElement[];
  /** What the row shows, to skip DOM writes when nothing changed. */
  key: string;
}

/** Whether a page reaches the finished part of the list: its last task ended, or it is empty. */
function isFinishedPage(tasks: readonly TaskState[]): boolean {
  const last = tasks[tasks.length - 1];
  return last === undefined || isTerminalStatus(last.status);
}

function rowKey(task: TaskState): string {
  return `${task.status}|${task.retryCount}|${task.result?.timestamp ?? ''}`;
}

export class TasksView implements PanelView {
  readonly el: HTMLElement;
  readonly #ctx: PanelContext;
  readonly #status: HTMLSelectElement;
  readonly #type: HTMLInputElement;
  readonly #model: HTMLInputElement;
  readonly #types: HTMLDataListElement;
  readonly #models: HTMLDataListElement;
  readonly #tbody = h('tbody');
  readonly #count = h('span', { 'data-count': '0' });
  readonly #more = button('Load more', () => void this.#loadMore(), { 'data-action': 'load-more' });
  readonly #footer = h('div', { class: 'footer' }, this.#count, this.#more);
  readonly #detail: DetailView;
  /** The leader's counts by status, from its queue events (no read). */
  readonly #summary = h('span', { class: 'summary muted', 'data-field': 'summary' });
  readonly #rows = new Map<string, Row>();
  readonly #seenTypes = new Set<string>(BUILTIN_TASK_TYPES);
  readonly #seenModels = new Set<string>();
  #nextCursor: string | undefined;
  /** How many tasks the list shows: a page, plus what "Load more" added. */
  #wanted: number;
  /** Bumped when the filter changes: a read started before that is dropped. */
  #query = 0;
  #selected: TaskId | undefined;
  #selectedStale = false;
  #stale = true;
  /** Whether the last page read reached the finished tasks (its last task had ended, or it was empty). */
  #reachesFinished = true;
  #loadingMore = false;

  constructor(ctx: PanelContext) {
    this.#ctx = ctx;
    this.#wanted = ctx.options.pageSize;
    this.#more.hidden = true;
    this.#status = h(
      'select',
      { 'aria-label': 'Status', 'data-filter': 'status' },
      h('option', { value: '' }, 'any status'),
      h('option', { value: UNFINISHED }, 'unfinished'),
      ...TASK_STATUSES.map((s) => h('option', { value: s, 'data-status': s }, s)),
    );
    this.#types = h('datalist', { id: 'tw-types' });
    this.#models = h('datalist', { id: 'tw-models' });
    this.#type = h('input', { type: 'search', placeholder: 'type', 'aria-label': 'Type', list: 'tw-types', 'data-filter': 'type' });
    this.#model = h('input', { type: 'search', placeholder: 'model', 'aria-label': 'Model', list: 'tw-models', 'data-filter': 'model' });
    const onFilter = (): void => this.#filterChanged();
    this.#status.addEventListener('change', onFilter);
    this.#type.addEventListener('input', onFilter);
    this.#model.addEventListener('input', onFilter);
    this.#detail = new DetailView(ctx, (id) => this.#select(id));
    const head = h('thead', {}, h('tr', {}, ...['status', 'type', 'model', 'id', 'created', 'duration', 'attempts', ''].map((c) => h('th', {}, c))));
    const table = h('table', { class: 'tasks', 'aria-label': 'Tasks' }, head, this.#tbody);
    this.#tbody.addEventListener('click', (event) => {
      const row = (event.target as Element).closest('tr');
      const id = row?.dataset['taskId'];
      if (id !== undefined) this.#select(id as TaskId);
    });
    this.el = h(
      'div',
      { class: 'view tasks-view', 'data-view': 'tasks' },
      h('div', { class: 'filters' }, this.#status, this.#type, this.#model, this.#types, this.#models, this.#summary),
      h('div', { class: 'split' }, h('div', { class: 'list' }, table, this.#footer), this.#detail.el),
    );
    this.#renderTypeOptions();
  }

  get stale(): boolean {
    return this.#stale || this.#selectedStale;
  }

  markStale(): void {
    this.#stale = true;
  }

  /**
   * A status event. The list is stale only when the event can change what it shows: a shown task
   * changed; or a task it does not show may now belong in the page (the filter takes its status,
   * and it is new, entered the filter, or ended while the page reaches the finished tasks). So
   * while thousands of tasks run behind a full page, the panel does not read at all.
   */
  onStatus(event: { taskId: TaskId; status: TaskStatus }): void {
    if (event.taskId === this.#selected) this.#selectedStale = true;
    if (this.#stale || this.#mayChangePage(event)) this.#stale = true;
  }

  #mayChangePage({ taskId, status }: { taskId: TaskId; status: TaskStatus }): boolean {
    if (this.#rows.has(taskId)) return true;
    const filter = this.#statusFilter();
    if (filter !== undefined && !filter.includes(status)) return false;
    // The whole (filtered) list is shown: a task that now passes the filter joins it.
    if (this.#nextCursor === undefined) return true;
    // A task not shown keeps its place in the unfinished part while it runs: it matters only if
    // it just entered a filter that did not take it while Pending.
    if (status === 'Running') return filter !== undefined && !filter.includes('Pending');
    // A new task (or a retry) goes in the unfinished part, newest first: it may come on top.
    if (status === 'Pending') return true;
    // A task that ended goes first in the finished part: shown only if the page reaches it.
    return this.#reachesFinished;
  }

  #statusFilter(): readonly TaskStatus[] | undefined {
    const status = this.#status.value;
    if (status === '') return undefined;
    return status === UNFINISHED ? UNFINISHED_STATUSES : [status as TaskStatus];
  }

  /** The leader's counts, beside each status of the filter. */
  showCounts(queue: QueueSnapshot | undefined): void {
    for (const option of this.#status.options) {
      const s = option.dataset['status'] as TaskStatus | undefined;
      if (s !== undefined) setText(option, queue ? `${s} (${queue.byStatus[s]})` : s);
    }
    setText(this.#summary, queue ? TASK_STATUSES.filter((s) => queue.byStatus[s] > 0).map((s) => `${queue.byStatus[s]} ${s.toLowerCase()}`).join(' · ') : '');
  }

  #filterQuery(): TaskListQuery {
    const query: TaskListQuery = {};
    const status = this.#statusFilter();
    if (status !== undefined) query.status = status;
    const type = this.#type.value.trim();
    if (type !== '') query.type = type;
    const model = this.#model.value.trim();
    if (model !== '') query.model = model;
    return query;
  }

  #filterChanged(): void {
    this.#query++;
    this.#wanted = this.#ctx.options.pageSize;
    this.#stale = true;
    this.#ctx.requestRefresh();
  }

  async refresh(): Promise<void> {
    const listStale = this.#stale;
    this.#stale = false;
    const query = this.#query;
    const selected = this.#selectedStale ? this.#selected : undefined;
    this.#selectedStale = false;
    try {
      const [page, task] = await Promise.all([
        listStale ? this.#ctx.tw.list({ ...this.#filterQuery(), limit: Math.min(1000, this.#wanted) }) : undefined,
        selected === undefined ? undefined : this.#ctx.tw.get(selected),
      ]);
      if (selected !== undefined && selected === this.#selected) this.#detail.show(task ?? null, selected);
      if (page === undefined || query !== this.#query) return;
      this.#reconcile(page.tasks, false);
      this.#nextCursor = page.nextCursor;
      this.#reachesFinished = isFinishedPage(page.tasks);
      this.#renderFooter();
    } catch (error) {
      this.#ctx.notify(`Reading tasks failed: ${message(error)}`, 'error');
    }
  }

  async #loadMore(): Promise<void> {
    if (this.#nextCursor === undefined || this.#loadingMore) return;
    this.#loadingMore = true;
    const query = this.#query;
    try {
      const page = await this.#ctx.tw.list({ ...this.#filterQuery(), limit: this.#ctx.options.pageSize, cursor: this.#nextCursor });
      if (query !== this.#query) return;
      this.#reconcile(page.tasks, true);
      this.#wanted = this.#rows.size;
      this.#nextCursor = page.nextCursor;
      this.#reachesFinished = isFinishedPage(page.tasks);
      this.#renderFooter();
    } catch (error) {
      this.#ctx.notify(`Reading tasks failed: ${message(error)}`, 'error');
    } finally {
      this.#loadingMore = false;
    }
  }

  /** Updates rows in place; new ids go before the row that follows them in `tasks`. */
  #reconcile(tasks: readonly TaskState[], appending: boolean): void {
    if (!appending) {
      const present = new Set(tasks.map((t) => t.id as string));
      for (const [id, row] of this.#rows) {
        if (!present.has(id)) {
          row.el.remove();
          this.#rows.delete(id);
        }
      }
    }
    let next: HTMLTableRowElement | null = null;
    for (let i = tasks.length - 1; i >= 0; i--) {
      const task = tasks[i]!;
      const existing = this.#rows.get(task.id);
      if (existing !== undefined) {
        this.#update(existing, task);
        if (!appending) next = existing.el;
        continue;
      }
      const row = this.#create(task);
      this.#rows.set(task.id, row);
      this.#tbody.insertBefore(row.el, next);
      next = row.el;
    }
    this.#renderTypeOptions();
  }

  #create(task: TaskState): Row {
    const cells = Array.from({ length: 8 }, () => h('td'));
    cells[3]!.className = 'mono';
    cells[5]!.className = 'num';
    cells[6]!.className = 'num';
    const el = h('tr', { 'data-task-id': task.id, tabindex: '0' }, ...cells);
    el.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') this.#select(task.id);
    });
    const row: Row = { el, cells, key: '' };
    setText(cells[1]!, task.type);
    setText(cells[2]!, task.modelId ?? '—');
    setText(cells[3]!, shortId(task.id));
    cells[3]!.title = task.id;
    setText(cells[4]!, formatTime(task.createdAt));
    if (task.id === this.#selected) el.setAttribute('aria-selected', 'true');
    this.#update(row, task);
    return row;
  }

  #update(row: Row, task: TaskState): void {
    this.#seenTypes.add(task.type);
    if (task.modelId !== undefined) this.#seenModels.add(task.modelId);
    const key = rowKey(task);
    if (key === row.key) return;
    row.key = key;
    const [status, , , , , duration, attempts, action] = row.cells as [HTMLTableCellElement, ...HTMLTableCellElement[]];
    row.el.dataset['status'] = task.status;
    fill(status, h('span', { class: `status s-${task.status}` }, task.status));
    setText(duration!, task.result ? formatMs(task.result.metrics.durationMs) : '');
    setText(attempts!, String(task.retryCount + 1));
    if (isTerminalStatus(task.status)) action!.replaceChildren();
    else if (action!.childElementCount === 0) action!.append(button('Cancel', () => void cancelTask(this.#ctx, task.id), { class: 'danger small', 'data-action': 'cancel', 'aria-label': `Cancel ${task.id}` }));
  }

  #renderTypeOptions(): void {
    if (this.#types.childElementCount !== this.#seenTypes.size) fill(this.#types, ...[...this.#seenTypes].map((t) => h('option', { value: t })));
    if (this.#models.childElementCount !== this.#seenModels.size) fill(this.#models, ...[...this.#seenModels].map((m) => h('option', { value: m })));
  }

  #renderFooter(): void {
    const n = this.#rows.size;
    this.#count.dataset['count'] = String(n);
    setText(this.#count, `${n} task${n === 1 ? '' : 's'} shown${this.#nextCursor === undefined ? ' · end of list' : ''}`);
    this.#more.hidden = this.#nextCursor === undefined;
  }

  #select(id: TaskId): void {
    if (this.#selected !== undefined) this.#rows.get(this.#selected)?.el.removeAttribute('aria-selected');
    this.#selected = id;
    this.#rows.get(id)?.el.setAttribute('aria-selected', 'true');
    this.#selectedStale = true;
    this.#ctx.requestRefresh();
  }
}
