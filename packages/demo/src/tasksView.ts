/**
 * The task table: the newest tasks with status, priority, deadline, dependencies, measured
 * metrics and output, and a Cancel button on unfinished ones. Redrawn once per animation frame.
 */
import { TASK_PRIORITY_NAMES, isTerminalStatus, type TaskId } from '@taskweave/core';
import type { Taskweave } from '@taskweave/web-worker';
import { bytes, h, ms, onFrame } from './dom.js';
import { summarizeOutput } from './outputSummary.js';
import type { TaskLog } from './taskLog.js';

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

  const render = (): void => {
    const entries = log.entries();
    count.textContent = entries.length > ROWS ? `newest ${ROWS} of ${entries.length} tasks` : '';
    body.replaceChildren(
      ...entries.slice(0, ROWS).map(({ id, task, status, result, retries }) => {
        const m = result?.metrics;
        const label = task.metadata['label'] ?? '';
        return h('tr', { class: `status-${status}`, 'data-task': id },
          h('td', { title: id }, h('code', {}, shortId(id)), label ? ` ${label}` : ''),
          h('td', {}, task.type),
          h('td', {}, TASK_PRIORITY_NAMES[task.priority]),
          h('td', { class: 'status' }, status),
          h('td', {}, task.deadline === undefined ? '' : new Date(task.deadline).toLocaleTimeString()),
          h('td', {}, task.dependencies.map(shortId).join(', ')),
          h('td', {}, m ? ms(m.durationMs) : ''),
          h('td', {}, m ? ms(m.queueWaitMs) : ''),
          h('td', {}, m ? `${m.backend ?? ''}${m.batchSize ? ` · ${m.batchSize}` : ''}` : ''),
          h('td', {}, m ? m.retryCount : retries || ''),
          h('td', {}, m && m.memoryBytes > 0 ? bytes(m.memoryBytes) : ''),
          h('td', {}, m && m.cpuUsage > 0 ? `${Math.round(m.cpuUsage * 100)}%` : ''),
          h('td', { class: 'output', title: result?.error ?? '' }, result ? (result.error ? `${result.errorCode ?? 'error'}: ${result.error}` : summarizeOutput(result.output)) : ''),
          h('td', {}, isTerminalStatus(status) ? '' : h('button', { class: 'small', onclick: cancel(id), 'aria-label': `Cancel ${shortId(id)}` }, 'Cancel')),
        );
      }),
    );
  };
  log.subscribe(onFrame(render));
  render();
}
