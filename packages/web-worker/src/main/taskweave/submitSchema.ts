/**
 * What the built-in handlers refuse, checked when a task is submitted instead of when it runs:
 * `validateSubmission(task)` is the `validate` hook of `TaskScheduler` that `createTaskweave`
 * applies in every tab (a tab that does not run tasks has no pool to ask). It imports zod and the
 * shared shapes only — no pool, no worker, no transformers.js — so it costs nothing to load.
 *
 * Checked: `metadata.backend` and `metadata.placement` (every type), `metadata.dtype`
 * (built-in types), the `modelId` each built-in type needs, and each built-in type's input with
 * the schema its handler parses it with: TextProcessing's options (core's `textProcessingIssues`:
 * `op`, `by`, `sizeUnit`, `chunkSize`, `overlap`, `locale`, token counting without a model),
 * EmbeddingGeneration's `{ texts }`, ModelInference's tensors or pipeline call, DataStorage
 * documents (a document needs a text or a vector; a text without a vector needs the task's
 * `modelId` to be embedded — stored without a vector it could never be found by a search — and
 * must not be blank; the vectors of one task have one length) and DataRetrieval's `{ collection,
 * ids?, filter?, limit?, cursor? }`. What only the run can know (a collection's dimensions, a
 * model's inputs, whether the model exists) fails the task when it runs.
 */
import { z } from 'zod';
import { PLACEMENT_REQUESTS, isPlacementRequest, textProcessingIssues, type ResolvedSubmit, type SubmitIssue } from '@taskweave/core';
import { BACKEND_RULE, isBackendPreference } from '../../shared/backendPreference.js';
import { MODEL_DTYPES, isModelDtype } from '../../shared/modelDtype.js';
import { mustBeOneOf } from '../../shared/mustBeOneOf.js';
import { inferenceInputSchema } from '../../shared/modelInputSchema.js';
import { embeddingTextsSchema } from '../../shared/embeddingSchema.js';
import { retrievalInputSchema, storageInputSchema } from '../../shared/storageSchema.js';

/** Where a task may ask to run (`metadata.placement`, with `createTaskweave({ remote })`). */
const PLACEMENT_RULE = mustBeOneOf(PLACEMENT_REQUESTS);

const BUILTIN = new Set(['TextProcessing', 'EmbeddingGeneration', 'ModelInference', 'VectorSearch', 'DataStorage', 'DataRetrieval']);

/** The `value` of a DataStorage task's custom input, as the storage handler takes it. */
const storageValueSchema = storageInputSchema;

function zodIssues(result: z.ZodSafeParseResult<unknown>, prefix: (string | number)[]): SubmitIssue[] {
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    path: [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    message: issue.message,
  }));
}

function needsModel(task: ResolvedSubmit, why: string): SubmitIssue[] {
  return task.modelId === undefined ? [{ path: ['modelId'], message: why }] : [];
}

function checkModelInference(task: ResolvedSubmit): SubmitIssue[] {
  if (task.input.kind !== 'modelInput') {
    return [{ path: ['input', 'kind'], message: `ModelInference takes input of kind 'modelInput' (tensors or a pipeline call), not '${task.input.kind}'` }];
  }
  const issues = [...needsModel(task, 'is required: a model folder or an .onnx file under the model base URL')];
  const parsed = inferenceInputSchema.safeParse(task.input.input);
  issues.push(...zodIssues(parsed, ['input', 'input']));
  if (parsed.success && parsed.data.format === 'tensors') {
    for (const [name, feed] of Object.entries(parsed.data.feeds)) {
      const count = feed.dims.reduce((a, b) => a * b, 1);
      const length = (feed.data as { length: number }).length;
      if (length !== count) issues.push({ path: ['input', 'input', 'feeds', name, 'data'], message: `has ${length} values, its dims [${feed.dims.join(', ')}] need ${count}` });
    }
  }
  return issues;
}

const BLANK_TEXT = 'must not be blank to be embedded';

function checkDataStorage(task: ResolvedSubmit): SubmitIssue[] {
  if (task.input.kind === 'text') {
    const issues: SubmitIssue[] = [];
    if ((task.metadata['collection'] ?? '') === '') issues.push({ path: ['metadata', 'collection'], message: 'must name the collection a text input is stored in' });
    issues.push(...needsModel(task, 'is required to embed a text input: stored without a vector it could never be found by a search'));
    if (task.input.text.trim() === '') issues.push({ path: ['input', 'text'], message: BLANK_TEXT });
    return issues;
  }
  if (task.input.kind !== 'custom') return [];
  const parsed = storageValueSchema.safeParse(task.input.value);
  if (!parsed.success) return zodIssues(parsed, ['input', 'value']);
  const issues: SubmitIssue[] = [];
  let dims: number | undefined;
  parsed.data.documents.forEach((doc, i) => {
    const at = ['input', 'value', 'documents', i];
    if (doc.vector !== undefined) {
      // The handler refuses a task whose vectors differ in length, naming the first that differs.
      dims ??= doc.vector.length;
      if (doc.vector.length !== dims) issues.push({ path: [...at, 'vector'], message: `has ${doc.vector.length} dimensions, the task's first vector ${dims}` });
      return;
    }
    if (doc.text === undefined) return;
    if (task.modelId === undefined) {
      issues.push({ path: [...at, 'vector'], message: "is missing and the task has no modelId to embed the document's text: it would be stored where no search can find it" });
    } else if (doc.text.trim() === '') issues.push({ path: [...at, 'text'], message: BLANK_TEXT });
  });
  return issues;
}

function checkDataRetrieval(task: ResolvedSubmit): SubmitIssue[] {
  if (task.input.kind !== 'custom') return checkQuery(task);
  const parsed = retrievalInputSchema.safeParse(task.input.value);
  return zodIssues(parsed, ['input', 'value']);
}

function checkEmbedding(task: ResolvedSubmit): SubmitIssue[] {
  const issues = needsModel(task, 'is required: the feature-extraction model, e.g. "use-lite"');
  if (task.input.kind === 'text' && task.input.text.trim() === '') issues.push({ path: ['input', 'text'], message: 'must not be empty or only whitespace' });
  if (task.input.kind === 'custom') issues.push(...zodIssues(embeddingTextsSchema.safeParse(task.input.value), ['input', 'value']));
  return issues;
}

function checkQuery(task: ResolvedSubmit): SubmitIssue[] {
  if (task.input.kind !== 'query') return [];
  const query = task.input.query;
  return query.vector === undefined && query.text !== undefined ? needsModel(task, 'is required to embed query.text (or give query.vector)') : [];
}

/**
 * Checks a task (after the core's schema) against what the built-in handlers and the worker pool
 * accept, and returns the problems found, each with the path of its field; none = accepted.
 * Custom types (`custom:<name>`) are checked for `metadata.backend` and `metadata.placement` only.
 *
 * @example
 * new TaskScheduler({ executor: createWorkerPool(), store, validate: validateSubmission })
 * // submit({ type: 'ModelInference', input: { kind: 'text', text: 'hi' } }) → ValidationError, field 'input.kind'
 */
export function validateSubmission(task: ResolvedSubmit): SubmitIssue[] {
  const issues: SubmitIssue[] = [];
  const backend = task.metadata['backend'];
  if (backend !== undefined && !isBackendPreference(backend)) {
    issues.push({ path: ['metadata', 'backend'], message: `${BACKEND_RULE}, not ${JSON.stringify(backend)}` });
  }
  const placement = task.metadata['placement'];
  if (placement !== undefined && !isPlacementRequest(placement)) {
    issues.push({ path: ['metadata', 'placement'], message: `${PLACEMENT_RULE}, not ${JSON.stringify(placement)}` });
  }
  if (!BUILTIN.has(task.type)) return issues;
  const dtype = task.metadata['dtype'];
  if (dtype !== undefined && !isModelDtype(dtype)) {
    issues.push({ path: ['metadata', 'dtype'], message: `must be one of ${MODEL_DTYPES.join(', ')}, not ${JSON.stringify(dtype)}` });
  }
  switch (task.type) {
    case 'ModelInference':
      issues.push(...checkModelInference(task));
      break;
    case 'DataStorage':
      issues.push(...checkDataStorage(task));
      break;
    case 'EmbeddingGeneration':
      issues.push(...checkEmbedding(task));
      break;
    case 'VectorSearch':
      issues.push(...checkQuery(task));
      break;
    case 'DataRetrieval':
      issues.push(...checkDataRetrieval(task));
      break;
    case 'TextProcessing':
      issues.push(...textProcessingIssues(task));
      break;
  }
  return issues;
}
