/**
 * What the "submit a task" form sends for each seed task type, from one text field: the input,
 * model and metadata a real app would pass.
 */
import { TaskType, type SubmitTaskOptions } from '@taskweave/core';
import { COLLECTION, DATABASE, EMBEDDING_MODEL } from './runtime.js';

export interface TaskTemplate {
  type: SubmitTaskOptions['type'];
  /** What the text field means for this type. */
  hint: string;
  example: string;
  build(text: string): Omit<SubmitTaskOptions, 'priority' | 'deadline' | 'dependencies'>;
}

/** One template per seed task type (Custom = the demo worker's `custom:topWords`). */
export const TASK_TEMPLATES: readonly TaskTemplate[] = [
  {
    type: TaskType.TextProcessing,
    hint: 'text to normalise, split into sentence chunks of ≤ 80 characters and count tokens (use-lite tokenizer)',
    example: 'Taskweave runs tasks in workers.   It keeps the page responsive! Results come back with metrics.',
    build: (text) => ({ type: TaskType.TextProcessing, modelId: EMBEDDING_MODEL, input: { kind: 'text', text }, metadata: { op: 'chunk', by: 'sentence', chunkSize: '80', overlap: '0' } }),
  },
  {
    type: TaskType.EmbeddingGeneration,
    hint: `text to embed with ${EMBEDDING_MODEL} (512-d)`,
    example: 'a cat sits on the mat',
    build: (text) => ({ type: TaskType.EmbeddingGeneration, modelId: EMBEDDING_MODEL, input: { kind: 'text', text } }),
  },
  {
    type: TaskType.ModelInference,
    hint: 'text for a transformers.js pipeline (feature-extraction with the tiny test BERT)',
    example: 'hello world',
    build: (text) => ({
      type: TaskType.ModelInference,
      modelId: 'tiny-random-bert',
      input: { kind: 'modelInput', input: { format: 'pipeline', pipeline: 'feature-extraction', inputs: text, options: { pooling: 'mean', normalize: true } } },
    }),
  },
  {
    type: TaskType.VectorSearch,
    hint: 'query text, searched in the corpus collection',
    example: 'protecting the country from terrorists',
    build: (text) => ({ type: TaskType.VectorSearch, modelId: EMBEDDING_MODEL, metadata: { database: DATABASE }, input: { kind: 'query', query: { collection: COLLECTION, text, topK: 3 } } }),
  },
  {
    type: TaskType.DataStorage,
    hint: 'a document to embed and store in the corpus collection',
    example: 'We choose to go to the Moon in this decade and do the other things, not because they are easy, but because they are hard.',
    build: (text) => ({
      type: TaskType.DataStorage,
      modelId: EMBEDDING_MODEL,
      metadata: { database: DATABASE },
      input: { kind: 'custom', value: { collection: COLLECTION, documents: [{ text, metadata: { president: 'you', year: new Date().getFullYear() } }] } },
    }),
  },
  {
    type: TaskType.DataRetrieval,
    hint: 'a president’s name to list their stored passages (metadata filter), or empty for the first page',
    example: 'Barack Obama',
    build: (text) => ({
      type: TaskType.DataRetrieval,
      metadata: { database: DATABASE },
      input: { kind: 'custom', value: { collection: COLLECTION, limit: 20, includeVectors: false, ...(text.trim() ? { filter: { president: text.trim() } } : {}) } },
    }),
  },
  {
    type: TaskType.custom('topWords'),
    hint: 'text whose most frequent words the demo’s own custom handler counts',
    example: 'the quick brown fox jumps over the lazy dog; the dog sleeps, the fox runs',
    build: (text) => ({ type: TaskType.custom('topWords'), input: { kind: 'text', text } }),
  },
];
