/**
 * Server rendering (`react-dom/server`) of a tree with the provider and every hook: it renders the
 * idle state and starts nothing — no taskweave, no worker, no database.
 */
import { renderToString } from 'react-dom/server';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { TaskweaveProvider, useEmbed, useGenerate, useModels, useQueue, useSearch, useStream, useSubmit, useTask, useTasks, useTaskweave } from './index.js';
import { options, workers } from './__tests__/fixtures/taskweave.js';
import type { TaskId } from '@taskweave/core';

describe('server rendering', () => {
  it('renders the idle state of every hook and starts no taskweave, worker or database', async () => {
    const opts = options();
    const before = workers.created;
    function App(): ReactNode {
      const tw = useTaskweave();
      const task = useTask('some-task' as TaskId);
      const stream = useStream('some-task' as TaskId);
      const search = useSearch('notes', 'milk', { model: 'use-lite' });
      const queue = useQueue();
      const models = useModels();
      const { status: embedding } = useEmbed();
      const { text } = useGenerate();
      const { status: submitted } = useSubmit();
      const { tasks } = useTasks({ limit: 5 });
      const state = { tw: tw === undefined, task: task.status ?? 'idle', chunks: stream.chunks.length, hits: search.hits ?? 'none', searching: search.searching, queue: queue ?? 'none', models: models.models ?? 'none', embedding: embedding ?? 'idle', text, submitted: submitted ?? 'idle', tasks: tasks ?? 'none' };
      return <pre>{JSON.stringify(state)}</pre>;
    }
    const html = renderToString(
      <TaskweaveProvider options={opts}>
        <App />
      </TaskweaveProvider>,
    );
    expect(JSON.parse(new DOMParser().parseFromString(html, 'text/html').body.textContent ?? '')).toEqual({
      tw: true,
      task: 'idle',
      chunks: 0,
      hits: 'none',
      searching: false,
      queue: 'none',
      models: 'none',
      embedding: 'idle',
      text: '',
      submitted: 'idle',
      tasks: 'none',
    });
    expect(workers.created).toBe(before);
    const databases = (await indexedDB.databases()).map((d) => d.name);
    expect(databases.some((name) => name?.includes(opts.name))).toBe(false);
  });
});
