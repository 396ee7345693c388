/**
 * The "submit a task" form: any seed task type with a priority, a deadline, dependencies on
 * earlier tasks and a number of copies. Invalid input comes back as a ValidationError naming
 * the field, shown under the form.
 */
import { TASK_PRIORITY_NAMES, isTaskweaveError, isTerminalStatus, type TaskId, type TaskPriority } from '@taskweave/core';
import type { Taskweave } from '@taskweave/web-worker';
import { h } from './dom.js';
import { TASK_TEMPLATES } from './taskTemplates.js';
import type { TaskLog } from './taskLog.js';
import { shortId } from './tasksView.js';

/** Mounts the form into `root`. */
export function mountSubmitForm(root: HTMLElement, tw: Pick<Taskweave, 'submit' | 'submitMany'>, log: TaskLog, onError: (error: unknown) => void): void {
  const type = h('select', { name: 'type', 'aria-label': 'Task type' }, ...TASK_TEMPLATES.map((t) => h('option', { value: t.type }, t.type)));
  const text = h('textarea', { name: 'text', rows: 2, 'aria-label': 'Task input' });
  const hint = h('p', { class: 'hint' });
  const priority = h('select', { name: 'priority', 'aria-label': 'Priority' }, ...TASK_PRIORITY_NAMES.map((p, i) => h('option', { value: i, selected: i === 1 }, p)));
  const deadline = h('input', { name: 'deadline', type: 'number', min: 0, step: 'any', placeholder: 'none', 'aria-label': 'Deadline in seconds from now', class: 'narrow' });
  const copies = h('input', { name: 'copies', type: 'number', min: 1, max: 200, value: 1, 'aria-label': 'Copies', class: 'narrow' });
  const deps = h('select', { name: 'dependencies', multiple: true, size: 4, 'aria-label': 'Dependencies' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Submit');
  const status = h('p', { class: 'hint', 'data-testid': 'submit-status' });
  const form = h('form', { class: 'submit-form' },
    h('label', {}, 'type ', type),
    text,
    hint,
    h('div', { class: 'row' },
      h('label', {}, 'priority ', priority),
      h('label', {}, 'deadline in ', deadline, ' s'),
      h('label', {}, 'copies ', copies),
    ),
    h('label', { class: 'deps' }, 'runs after (Ctrl-click for several)', deps),
    h('div', { class: 'row' }, submit),
    status,
  );
  root.append(form);

  const template = () => TASK_TEMPLATES.find((t) => t.type === type.value) ?? TASK_TEMPLATES[0]!;
  const onType = (): void => {
    const t = template();
    hint.textContent = t.hint;
    text.value = t.example;
  };
  type.addEventListener('change', onType);
  onType();

  // Offer the newest tasks as dependencies, refreshed when the visitor opens the list.
  const refreshDeps = (): void => {
    const chosen = new Set([...deps.selectedOptions].map((o) => o.value));
    deps.replaceChildren(
      ...log.entries().slice(0, 30).map((e) =>
        h('option', { value: e.id, selected: chosen.has(e.id) }, `${shortId(e.id)} ${e.task.metadata['label'] ?? e.task.type} (${e.status}${isTerminalStatus(e.status) ? '' : '…'})`),
      ),
    );
  };
  deps.addEventListener('focus', refreshDeps);
  deps.addEventListener('mousedown', refreshDeps, { once: true });
  refreshDeps();

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const base = template().build(text.value);
    const seconds = deadline.value === '' ? undefined : Number(deadline.value);
    const n = Math.max(1, Math.min(200, Math.floor(Number(copies.value) || 1)));
    const options = {
      ...base,
      priority: Number(priority.value) as TaskPriority,
      dependencies: [...deps.selectedOptions].map((o) => o.value as TaskId),
      ...(seconds === undefined ? {} : { deadline: Date.now() + seconds * 1000 }),
    };
    submit.disabled = true;
    void tw
      .submitMany(Array.from({ length: n }, () => options))
      .then((ids) => {
        status.textContent = `Submitted ${ids.map(shortId).join(', ')}`;
        for (const option of deps.options) option.selected = false;
        refreshDeps();
      })
      .catch((error: unknown) => {
        if (isTaskweaveError(error, 'validation')) status.textContent = error.message;
        else onError(error);
      })
      .finally(() => (submit.disabled = false));
  });
}
