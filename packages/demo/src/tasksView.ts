/**
 * The task table: the newest tasks with status, priority, deadline, dependencies, measured
 * metrics and output, and a Cancel button on unfinished ones. Redrawn once per animation frame.
 */
import { TASK_PRIORITY_NAMES, isTerminalStatus, type TaskId } from '@taskweave/core';
import type { Taskweave } from '@taskweave/web-worker';
import { bytes, h, ms, onFrame } from './dom.js';
import { summarizeOutput } from './outputSummary.js';
import type { TaskEntry, TaskLog } from './taskLog.js';

/** Rows shown (the log keeps more). */
const ROWS = 60;

/** A short label for a task id. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** Renders the table into `root`. */
export function mountTasksView(root: HTMLElement, log: TaskLog, tw: Pick<Taskweave, 'cancel'>, onError: (error: unknown) => void): void {
  const body = h('tbody');
  const count = h('p', { class: 'hint' });
  root.append(
    count,
    h('div', { class: 'table-wrap' },
      h('table', { 'data-testid': 'task-table' },
        h('thead', {}, h('tr', {}, ...['task', 'type', 'priority', 'status', 'deadline', 'after', 'duration', 'queue wait', 'backend · batch', 'retries', 'memory', 'cpu', 'output', ''].map((c) => h('th', {}, c)))),
        body,
      ),
    ),
  );
  const cancel = (id: TaskId) => () => void tw.cancel(id).catch(onError);

  // Rows are kept by task id and their cells updated in place when the task changes, so a
  // Cancel button stays the same element (clickable) while the rest of the table updates.
  const rows = new Map<TaskId, { signature: string; row: HTMLTableRowElement }>();
  const render = (): void => {
    const entries = log.entries();
    count.textContent = entries.length > ROWS ? `newest ${ROWS} of ${entries.length} tasks` : '';
    const shown = entries.slice(0, ROWS);
    const wanted = shown.map((entry) => {
      const signature = `${entry.status}|${entry.retries}|${entry.result?.timestamp ?? ''}`;
      let kept = rows.get(entry.id);
      if (!kept) {
        kept = { signature: '', row: newRow(entry.id) };
        rows.set(entry.id, kept);
      }
      if (kept.signature !== signature) {
        kept.signature = signature;
        fillRow(kept.row, entry);
      }
      return kept.row;
    });
    const ids = new Set(shown.map((e) => e.id));
    for (const id of rows.keys()) if (!ids.has(id)) rows.delete(id);
    const current = body.children;
    if (current.length !== wanted.length || wanted.some((row, i) => current[i] !== row)) body.replaceChildren(...wanted);
  };
  const newRow = (id: TaskId): HTMLTableRowElement =>
    h('tr', { 'data-task': id },
      ...Array.from({ length: 13 }, () => h('td')),
      h('td', {}, h('button', { class: 'small', onclick: cancel(id), 'aria-label': `Cancel ${shortId(id)}` }, 'Cancel')),
    );
  const fillRow = (row: HTMLTableRowElement, { id, task, status, result, retries }: TaskEntry): void => {
    const m = result?.metrics;
    const label = task.metadata['label'] ?? '';
    row.className = `status-${status}`;
    const values: (Node | string)[][] = [
      [h('code', {}, shortId(id)), label ? ` ${label}` : ''],
      [task.type],
      [TASK_PRIORITY_NAMES[task.priority]],
      [status],
      [task.deadline === undefined ? '' : new Date(task.deadline).toLocaleTimeString()],
      [task.dependencies.map(shortId).join(', ')],
      [m ? ms(m.durationMs) : ''],
      [m ? ms(m.queueWaitMs) : ''],
      [m ? `${m.backend ?? ''}${m.batchSize ? ` · ${m.batchSize}` : ''}` : ''],
      [String(m ? m.retryCount : retries || '')],
      [m && m.memoryBytes > 0 ? bytes(m.memoryBytes) : ''],
      [m && m.cpuUsage > 0 ? `${Math.round(m.cpuUsage * 100)}%` : ''],
      [result ? (result.error ? `${result.errorCode ?? 'error'}: ${result.error}` : summarizeOutput(result.output)) : ''],
    ];
    const cells = row.cells;
    values.forEach((value, i) => cells[i]!.replaceChildren(...value));
    cells[0]!.title = id;
    cells[3]!.className = 'status';
    cells[12]!.className = 'output';
    cells[12]!.title = result?.error ?? '';
    (cells[13]!.firstElementChild as HTMLButtonElement).hidden = isTerminalStatus(status);
  };
  log.subscribe(onFrame(render));
  render();
}
