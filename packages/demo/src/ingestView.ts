/**
 * The "add text" panel: load the bundled corpus, or paste text, into the searchable collection.
 * Shows how far the ingestion got (stored passages / submitted) from the task results.
 */
import { TaskPriority, TaskType, TaskStatus, type TaskId } from '@taskweave/core';
import type { Taskweave } from '@taskweave/web-worker';
import { loadCorpus, type Passage } from './corpus.js';
import { h } from './dom.js';
import { ingestPassages, PASSAGES_PER_TASK } from './ingest.js';
import { COLLECTION, DATABASE, EMBEDDING_MODEL } from './runtime.js';
import type { TaskLog } from './taskLog.js';

/** Mounts the panel into `root`. */
export function mountIngestView(root: HTMLElement, tw: Pick<Taskweave, 'submit' | 'submitMany' | 'wait'>, log: TaskLog, onError: (error: unknown) => void): void {
  const corpusButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'load-corpus' }, 'Load the bundled corpus');
  const corpusInfo = h('p', { class: 'hint' }, `252 passages of State of the Union addresses, 2001–2021 — ${PASSAGES_PER_TASK} passages per DataStorage task, embedded in the workers with ${EMBEDDING_MODEL}.`);
  const textarea = h('textarea', { rows: 4, placeholder: 'Paste any text: it is split into sentence chunks (TextProcessing), then embedded and stored like the corpus.', 'aria-label': 'Text to add' });
  const pasteButton = h('button', { type: 'button' }, 'Chunk, embed and store');
  const progress = h('p', { class: 'ingest-progress', 'data-testid': 'ingest-progress' });
  const countButton = h('button', { type: 'button', 'data-testid': 'count-stored' }, 'Count stored passages');
  const count = h('output', { 'data-testid': 'stored-count' });
  root.append(
    h('div', { class: 'row' }, corpusButton),
    corpusInfo,
    textarea,
    h('div', { class: 'row' }, pasteButton),
    progress,
    h('div', { class: 'row' }, countButton, count),
  );

  /** Storage tasks submitted by this page, to report progress from the log. */
  const tracked = new Set<TaskId>();
  const report = (): void => {
    if (tracked.size === 0) return;
    let done = 0;
    let failed = 0;
    for (const id of tracked) {
      const status = log.get(id)?.status;
      if (status === TaskStatus.Completed) done += 1;
      else if (status !== undefined && status !== TaskStatus.Pending && status !== TaskStatus.Running) failed += 1;
    }
    progress.textContent = `${done} of ${tracked.size} storage tasks done${failed ? `, ${failed} did not complete` : ''}.`;
  };
  log.subscribe(report);

  const submit = async (passages: Passage[], label: string): Promise<void> => {
    const ids = await ingestPassages(tw, passages, label);
    for (const id of ids) tracked.add(id);
    report();
  };

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
