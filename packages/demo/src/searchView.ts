/**
 * The semantic search box: a VectorSearch task (Critical priority, so it overtakes ingestion)
 * whose query text the worker embeds with use-lite, then an exact cosine top-k over the
 * collection; the hits are listed best first with their scores.
 */
import { TaskPriority, TaskType, type SearchHit } from '@taskweave/core';
import type { Taskweave } from '@taskweave/web-worker';
import { h } from './dom.js';
import { COLLECTION, DATABASE, EMBEDDING_MODEL } from './runtime.js';

const TOP_K = 5;

/** Mounts the search form into `root`. */
export function mountSearchView(root: HTMLElement, tw: Pick<Taskweave, 'submit' | 'wait'>, onError: (error: unknown) => void): void {
  const input = h('input', { type: 'search', name: 'q', placeholder: 'e.g. landing a man on Mars', 'aria-label': 'Search query', required: true });
  const button = h('button', { type: 'submit' }, 'Search');
  const status = h('p', { class: 'hint', 'data-testid': 'search-status' });
  const results = h('ol', { class: 'hits', 'data-testid': 'hits' });
  const form = h('form', { class: 'row' }, input, button);
  root.append(form, status, results);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    button.disabled = true;
    status.textContent = 'Searching…';
    void (async () => {
      try {
        const id = await tw.submit({
          type: TaskType.VectorSearch,
          priority: TaskPriority.Critical,
          modelId: EMBEDDING_MODEL,
          metadata: { database: DATABASE, label: `search “${text.slice(0, 24)}”` },
          input: { kind: 'query', query: { collection: COLLECTION, text, topK: TOP_K } },
        });
        const result = await tw.wait(id);
        if (result.output.kind !== 'searchResults') {
          status.textContent = `Search ${result.status}: ${result.error ?? 'no results'}`;
          if (result.error) onError(new Error(result.error));
          results.replaceChildren();
          return;
        }
        status.textContent = `${result.output.hits.length} results in ${result.metrics.durationMs.toFixed(0)} ms (embedding the query + exact cosine top-${TOP_K}, in a worker)`;
        results.replaceChildren(...result.output.hits.map(renderHit));
      } catch (error) {
        status.textContent = 'Search failed.';
        onError(error);
      } finally {
        button.disabled = false;
      }
    })();
  });
}

function renderHit(hit: SearchHit): HTMLElement {
  const meta = hit.metadata ?? {};
  return h('li', { 'data-hit': hit.id },
    h('span', { class: 'score', title: 'cosine similarity' }, hit.score.toFixed(3)),
    h('div', {},
      h('p', { class: 'passage' }, hit.text ?? ''),
      h('p', { class: 'source' }, `${String(meta['president'] ?? '')} ${String(meta['year'] ?? '')} · ${hit.id}`),
    ),
  );
}
