/**
 * The selected task: what it ran on (input summary), what it gave (output summary), its metrics,
 * attempts, interruptions, placement and dependencies, and Cancel while it has not ended.
 */
import { isTerminalStatus, type TaskState } from '@taskweave/core';
import type { TaskId } from '@taskweave/core';
import type { PanelContext } from './context.js';
import { button, fill, formatBytes, formatMs, formatTime, h, message } from './dom.js';
import { inputSummary, outputSummary, preview } from './summaries.js';

/** Interruptions: runs cut by a reload, `close()` or a handover (`TaskState.interruptions`). */
function interruptions(task: TaskState): string {
  return String(task.interruptions ?? 0);
}

export class DetailView {
  readonly el = h('section', { class: 'detail', 'aria-label': 'Selected task' });
  readonly #ctx: PanelContext;
  readonly #select: (id: TaskId) => void;

  constructor(ctx: PanelContext, select: (id: TaskId) => void) {
    this.#ctx = ctx;
    this.#select = select;
    this.show(undefined);
  }

  /** Shows a task; `undefined` shows the hint, `null` says the task is gone (pruned). */
  show(task: TaskState | undefined | null, id?: string): void {
    if (task === undefined) {
      fill(this.el, h('p', { class: 'muted' }, 'Select a task to see its input, output, metrics and dependencies.'));
      return;
    }
    if (task === null) {
      fill(this.el, h('p', { class: 'muted' }, `Task ${id ?? ''} is not in the store any more (pruned).`));
      return;
    }
    const result = task.result;
    const m = result?.metrics;
    const rows: Array<[string, Node | string]> = [
      ['id', h('code', {}, task.id)],
      ['status', h('span', { class: `status s-${task.status}` }, task.status)],
      ['type', task.type],
      ['model', task.modelId ?? '—'],
      ['priority', String(task.priority)],
      ['created', formatTime(task.createdAt)],
      ['deadline', task.deadline === undefined ? '—' : formatTime(task.deadline)],
      ['attempts', `${task.retryCount + 1} (retries ${task.retryCount} of ${task.maxRetries})`],
      ['interruptions', interruptions(task)],
      ['placement', m?.placement ?? '—'],
      ['input', inputSummary(task.input)],
      ['output', result ? outputSummary(result.output) : 'not ended yet'],
    ];
    if (result?.error !== undefined) rows.push(['error', `${result.errorCode ? `[${result.errorCode}] ` : ''}${result.error}`]);
    if (result !== undefined) rows.push(['ended', formatTime(result.timestamp)]);
    if (m !== undefined) {
      rows.push(
        ['duration', formatMs(m.durationMs)],
        ['queue wait', formatMs(m.queueWaitMs)],
        ['memory', m.memoryBytes > 0 ? formatBytes(m.memoryBytes) : '0 (not reported)'],
        ['cpu', m.cpuUsage > 0 ? `${(m.cpuUsage * 100).toFixed(0)} %` : '0 (not reported)'],
        ['network', formatBytes(m.networkBytes)],
        ['backend', m.backend ?? '—'],
        ['batch size', m.batchSize === undefined ? '—' : String(m.batchSize)],
      );
    }
    if (Object.keys(task.metadata).length > 0) rows.push(['metadata', preview(task.metadata, 240)]);
    const deps = task.dependencies.length === 0
      ? 'none'
      : h('span', { class: 'deps' }, ...task.dependencies.map((dep) => button(dep.slice(0, 8), () => this.#select(dep), { class: 'link', title: dep })));
    rows.push(['dependencies', deps]);

    const actions = h('div', { class: 'actions' });
    if (!isTerminalStatus(task.status)) actions.append(button('Cancel task', () => void cancelTask(this.#ctx, task.id), { class: 'danger', 'data-action': 'cancel-selected' }));
    fill(this.el, h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])), actions);
  }
}

/** Cancels a task from a row's button, with the outcome in the panel's notice. */
export async function cancelTask(ctx: PanelContext, id: TaskId): Promise<void> {
  try {
    const cancelled = await ctx.tw.cancel(id);
    ctx.notify(cancelled ? `Cancelled ${id.slice(0, 8)}` : `${id.slice(0, 8)} had already ended`, 'ok');
  } catch (error) {
    ctx.notify(`Cancel failed: ${message(error)}`, 'error');
  }
  ctx.requestRefresh();
}
