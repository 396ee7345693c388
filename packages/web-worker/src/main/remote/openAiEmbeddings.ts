/**
 * EmbeddingGeneration on any OpenAI-compatible embeddings endpoint (`POST <url>/v1/embeddings`,
 * `{ model, input }` → `{ data: [{ embedding, index }] }`), `@taskweave/server`'s included. Such an
 * endpoint keeps no job to re-attach to: after a reload the texts are sent again, which is
 * harmless (an embedding has no effect).
 */
import { TaskweaveError, ValidationError, type Task, type TaskOutput } from '@taskweave/core';
import { httpError, type RemoteHttp } from './remoteHttp.js';

/** The texts of an EmbeddingGeneration task, as the device's handler reads them. */
function textsOf(task: Task): { texts: string[]; single: boolean } {
  const { input } = task;
  if (input.kind === 'text') return { texts: [input.text], single: true };
  const texts = input.kind === 'custom' ? (input.value as { texts?: unknown } | null)?.texts : undefined;
  if (Array.isArray(texts) && texts.every((t) => typeof t === 'string')) return { texts, single: false };
  throw new ValidationError('EmbeddingGeneration: input must be text or { texts: string[] }', [{ path: ['input'], field: 'input', message: 'must be text or { texts: string[] }' }]);
}

/** One EmbeddingGeneration task as one embeddings request. */
export async function openAiEmbed(http: RemoteHttp, task: Task, signal: AbortSignal, bytes: { n: number }, accepted: boolean): Promise<TaskOutput> {
  if (task.type !== 'EmbeddingGeneration' || task.modelId === undefined) {
    throw new TaskweaveError('not-configured', `An OpenAI-compatible endpoint runs EmbeddingGeneration tasks with a modelId only, not ${task.type}`, { retryable: false });
  }
  const { texts, single } = textsOf(task);
  const r = await http.request('POST', '/v1/embeddings', { model: task.modelId, input: texts, encoding_format: 'float' }, signal, bytes, accepted);
  if (r.status !== 200) throw httpError(`embeddings for task ${task.id}`, r.status, r.body);
  const data = [...((r.body?.data ?? []) as { embedding: number[]; index: number }[])].sort((a, b) => a.index - b.index);
  if (data.length !== texts.length) {
    throw new TaskweaveError('execution', `embeddings for task ${task.id}: ${data.length} vectors for ${texts.length} texts`, { retryable: false });
  }
  const vectors = data.map((d) => Float32Array.from(d.embedding));
  const dims = vectors[0]?.length ?? 0;
  return single ? { kind: 'embedding', vector: vectors[0] as Float32Array, dims } : { kind: 'embeddings', vectors, dims };
}
