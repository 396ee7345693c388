/**
 * The "add text" panel: load the bundled corpus, or paste text, into the searchable collection.
 * Each ingest is one chunked DataStorage task; a `<progress>` bar shows how many documents are
 * stored, from the tasks' own progress (`handle.progress`: `{ done, total }` after every committed
 * chunk). The ids of unfinished ingests are kept in `sessionStorage`, so after a reload the bar
 * follows the resumed task again.
 */
import { TaskPriority, TaskStatus, TaskType, type TaskId, type TaskProgress } from '@taskweave/core';
import type { Taskweave } from '@taskweave/web-worker';
import { loadCorpus, type Passage } from './corpus.js';
import { h } from './dom.js';
import { ingestPassages, PASSAGES_PER_CHUNK } from './ingest.js';
import { COLLECTION, DATABASE, EMBEDDING_MODEL } from './runtime.js';

/** Where this tab keeps the ids of its unfinished ingests, across reloads. */
const FOLLOWED_KEY = `${DATABASE}:ingests`;

/** One storage task this tab follows. */
interface Ingest {
  done: number;
  total: number;
  /** How it ended, once it has. */
  status?: TaskStatus;
  /** Why it did not complete. */
  reason?: string;
  /** The last write about it that the store refused (storage full), while it has not ended. */
  refused?: string;
}

/** Mounts the panel into `root`. */
export function mountIngestView(
  root: HTMLElement,
  tw: Pick<Taskweave, 'submit' | 'wait' | 'get' | 'store' | 'progress' | 'subscribe'>,
  onError: (error: unknown) => void,
): void {
  const corpusButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'load-corpus' }, 'Load the bundled corpus');
  const corpusInfo = h('p', { class: 'hint' }, `252 passages of State of the Union addresses, 2001–2021 — one DataStorage task committing ${PASSAGES_PER_CHUNK} passages at a time, embedded in a worker with ${EMBEDDING_MODEL}.`);
  const textarea = h('textarea', { rows: 4, placeholder: 'Paste any text: it is split into sentence chunks (TextProcessing), then embedded and stored like the corpus.', 'aria-label': 'Text to add' });
  const pasteButton = h('button', { type: 'button' }, 'Chunk, embed and store');
  const bar = h('progress', { class: 'ingest-bar', max: 1, value: 0, 'aria-label': 'Documents stored', 'data-testid': 'ingest-bar', hidden: true });
  const progress = h('p', { class: 'ingest-progress', 'data-testid': 'ingest-progress' });
  const countButton = h('button', { type: 'button', 'data-testid': 'count-stored' }, 'Count stored passages');
  const count = h('output', { 'data-testid': 'stored-count' });
  root.append(
    h('div', { class: 'row' }, corpusButton),
    corpusInfo,
    textarea,
    h('div', { class: 'row' }, pasteButton),
    bar,
    progress,
    h('div', { class: 'row' }, countButton, count),
  );

  /** The storage tasks this tab submitted (or found again after a reload), in submission order. */
  const ingests = new Map<TaskId, Ingest>();
  const render = (): void => {
    if (ingests.size === 0) return;
    let done = 0;
    let total = 0;
    const unfinished: string[] = [];
    const refused: string[] = [];
    for (const ingest of ingests.values()) {
      done += ingest.done;
      total += ingest.total;
      if (ingest.reason !== undefined) unfinished.push(ingest.reason);
      else if (ingest.refused !== undefined) refused.push(ingest.refused);
    }
    bar.hidden = false;
    bar.max = Math.max(1, total);
    bar.value = done;
    progress.textContent =
      `${done} of ${total} documents stored.` +
      (refused.length ? ` A write was refused: ${refused.join('; ')}` : '') +
      (unfinished.length ? ` ${unfinished.length === 1 ? 'An ingest' : `${unfinished.length} ingests`} did not complete: ${unfinished.join('; ')}` : '');
  };

  const followed = (): TaskId[] => {
    try {
      const ids: unknown = JSON.parse(sessionStorage.getItem(FOLLOWED_KEY) ?? '[]');
      return Array.isArray(ids) ? ids.filter((id): id is TaskId => typeof id === 'string') : [];
    } catch {
      return [];
    }
  };
  const remember = (id: TaskId, keep: boolean): void => {
    const ids = followed().filter((other) => other !== id);
    sessionStorage.setItem(FOLLOWED_KEY, JSON.stringify(keep ? [...ids, id] : ids));
  };

  /** Drives the bar from the task's progress until it ends, then reads how it ended. */
  const follow = async (id: TaskId, total: number, updates: AsyncIterable<TaskProgress>): Promise<void> => {
    const ingest: Ingest = { done: 0, total };
    ingests.set(id, ingest);
    remember(id, true);
    render();
    for await (const p of updates) {
      ingest.done = p.done;
      if (p.total !== undefined) ingest.total = p.total;
      render();
    }
    let ended = true;
    try {
      const result = await tw.wait(id);
      ingest.status = result.status;
      if (result.status === TaskStatus.Completed && result.output.kind === 'stored') ingest.done = result.output.ids.length;
      else ingest.reason = `${result.status}, ${result.error ?? 'no reason given'}`;
      // A cancel between chunks keeps the chunks committed before it, and says which.
      const committed = result.errorDetails?.['committed'];
      if (result.status === TaskStatus.Cancelled && Array.isArray(committed)) ingest.done = committed.length;
    } catch (error) {
      // The store refused the task's end (storage full): it has not ended there, and a reload runs
      // it again, so this tab keeps following it.
      ended = false;
      ingest.reason = `its end could not be stored (${error instanceof Error ? error.message : String(error)})`;
      onError(error);
    }
    if (ended) remember(id, false);
    render();
  };

  // A write about a followed ingest that the store refused (storage full): the task retries, or
  // its end may never reach the store (then no end is announced), so the panel says so now.
  tw.subscribe((event) => {
    if (event.type !== 'error' || event.taskId === undefined) return;
    const ingest = ingests.get(event.taskId);
    if (ingest === undefined || ingest.status === TaskStatus.Completed) return;
    ingest.refused = event.error.message;
    render();
  });

  /** Resolves once the task is durable; the bar follows it from there. */
  const submit = async (passages: Passage[], label: string): Promise<void> => {
    const handle = await ingestPassages(tw, passages, label);
    void follow(handle.id, passages.length, handle.progress).catch(onError);
  };

  // Ingests this tab started before a reload: the task resumed after its last committed chunk.
  for (const id of followed()) {
    void tw
      .get(id)
      .then((state) => {
        if (state === undefined) return remember(id, false);
        const value = state.input.kind === 'custom' ? (state.input.value as { documents?: unknown }).documents : undefined;
        // An ingest that ended meanwhile shows how it ended (its progress iterable ends at once).
        return follow(id, Array.isArray(value) ? value.length : 0, tw.progress(id));
      })
      .catch(onError);
  }

  corpusButton.addEventListener('click', () => {
    corpusButton.disabled = true;
    void loadCorpus()
      .then((corpus) => submit(corpus.passages, 'corpus'))
      .catch(onError)
      .finally(() => (corpusButton.disabled = false));
  });

  // A DataRetrieval task listing the collection (without vectors) tells how much is stored.
  countButton.addEventListener('click', () => {
    countButton.disabled = true;
    void (async () => {
      const id = await tw.submit({
        type: TaskType.DataRetrieval,
        priority: TaskPriority.Critical,
        metadata: { database: DATABASE, label: 'count stored passages' },
        input: { kind: 'custom', value: { collection: COLLECTION, limit: 10_000, includeVectors: false } },
      });
      const result = await tw.wait(id);
      count.textContent =
        result.output.kind === 'documents'
          ? `${result.output.documents.length} passages in “${COLLECTION}”`
          : result.errorCode === 'not-found'
            ? 'nothing stored yet'
            : `${result.status}: ${result.error ?? ''}`;
    })()
      .catch(onError)
      .finally(() => (countButton.disabled = false));
  });

  pasteButton.addEventListener('click', () => {
    const text = textarea.value.trim();
    if (!text) return;
    pasteButton.disabled = true;
    void (async () => {
      const chunkId = await tw.submit({
        type: TaskType.TextProcessing,
        priority: TaskPriority.High,
        metadata: { label: 'chunk pasted text', op: 'chunk', by: 'sentence', chunkSize: '400', overlap: '0' },
        input: { kind: 'text', text },
      });
      const result = await tw.wait(chunkId);
      if (result.output.kind !== 'text') throw new Error(`Chunking ended ${result.status}: ${result.error ?? 'no chunks'}`);
      const chunks = result.output.chunks ?? [{ text: result.output.text, start: 0, end: result.output.text.length }];
      const stamp = Date.now();
      await submit(
        chunks.filter((c) => c.text.trim()).map((c, i) => ({ id: `pasted-${stamp}-${i}`, year: new Date().getFullYear(), president: 'pasted text', party: '', text: c.text })),
        'pasted',
      );
    })()
      .catch(onError)
      .finally(() => (pasteButton.disabled = false));
  });
}
