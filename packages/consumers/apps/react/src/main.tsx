// What a React app writes: embed a sentence, store notes and search them as the query changes,
// with a live task list, all through @taskweave/react's hooks (under StrictMode, as apps run in
// development). When the search has its hits and the list shows every task ended, the outcome
// lands in #result for the test to read.
import type { RequestOutputs } from '@taskweave/core';
import { mountDevtools } from '@taskweave/devtools';
import { TaskweaveProvider, useEmbed, useQueue, useSearch, useTask, useTasks, useTaskweave } from '@taskweave/react';
import type { TaskHandle } from '@taskweave/web-worker';
import { StrictMode, useEffect, useRef, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';

const NOTES = [
  { id: 'milk', text: 'buy milk and eggs' },
  { id: 'report', text: 'the quarterly report is due' },
  { id: 'garden', text: 'water the tomatoes in the garden' },
];
const QUERY = 'groceries to get';

function App(): ReactNode {
  const tw = useTaskweave();
  const { embed, output: embedding } = useEmbed();
  const [storing, setStoring] = useState<TaskHandle<RequestOutputs['store'], string[]>>();
  const stored = useTask(storing);
  const [query, setQuery] = useState('');
  const search = useSearch('notes', query, { model: 'use-lite', topK: 1 });
  const { tasks } = useTasks({ limit: 20 });
  const queue = useQueue();

  // The devtools panel's launcher: the real one on the dev server; a production build gets the
  // package's no-op (its `production` export condition), so it adds nothing there.
  useEffect(() => {
    if (tw === undefined) return;
    const devtools = mountDevtools(tw);
    return () => devtools.unmount();
  }, [tw]);

  // Once, when taskweave is ready (StrictMode runs effects twice; the ref survives its remount).
  const started = useRef(false);
  useEffect(() => {
    if (tw === undefined || started.current) return;
    started.current = true;
    void embed('a cat sits on the mat', { model: 'use-lite' });
    void tw.store('notes', NOTES, { model: 'use-lite' }).then(setStoring);
  }, [tw, embed]);
  useEffect(() => {
    if (stored.status === 'Completed') setQuery(QUERY);
  }, [stored.status]);

  const ended = tasks !== undefined && tasks.length >= 3 && tasks.every((t) => t.status === 'Completed');
  const done = embedding !== undefined && search.hitsFor === QUERY && ended;
  useEffect(() => {
    const out = document.querySelector<HTMLElement>('#result');
    if (!done || out === null || embedding === undefined || tasks === undefined) return;
    out.textContent = JSON.stringify({
      dims: embedding.dims,
      stored: stored.output?.ids,
      hits: search.hits?.map((hit) => hit.id),
      tasks: tasks.map((t) => [t.type, t.status]).sort(),
      completed: queue?.byStatus.Completed,
      // One pool of one worker, though StrictMode mounted the provider twice (in development).
      workers: tw?.pool?.snapshot().workers.length,
      crossOriginIsolated,
      devtools: document.querySelectorAll('taskweave-devtools').length,
    });
    out.dataset['state'] = 'done';
  }, [tw, done, embedding, stored.output, search.hits, tasks, queue]);

  return (
    <main>
      <input aria-label="search" value={query} onChange={(event) => setQuery(event.target.value)} />
      <ul aria-busy={search.searching}>
        {search.hits?.map((hit) => (
          <li key={hit.id}>{hit.text}</li>
        ))}
      </ul>
      <table>
        <tbody>
          {tasks?.map((task) => (
            <tr key={task.id}>
              <td>{task.type}</td>
              <td>{task.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}

const root = document.querySelector('#root');
if (root === null) throw new Error('#root is missing');
createRoot(root).render(
  <StrictMode>
    <TaskweaveProvider options={{ name: 'consumer-react', pool: { size: 1 } }}>
      <App />
    </TaskweaveProvider>
  </StrictMode>,
);
window.addEventListener('error', (event) => {
  const out = document.querySelector<HTMLElement>('#result');
  if (out === null) return;
  out.textContent = String(event.error instanceof Error ? (event.error.stack ?? event.error.message) : event.message);
  out.dataset['state'] = 'failed';
});
