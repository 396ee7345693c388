/**
 * One EmbeddingGeneration task as one OpenAI-compatible embeddings request, against a made-up
 * endpoint (no network): the request, vectors put back in input order, the answers it refuses.
 */
import { describe, expect, it } from 'vitest';
import { TaskweaveError, type Task } from '@taskweave/core';
import { openAiEmbed } from './openAiEmbeddings.js';
import type { RemoteHttp } from './remoteHttp.js';

const task = (overrides: Partial<Task>): Task =>
  ({
    id: '0190a3c4-0000-4000-8000-000000000001',
    type: 'EmbeddingGeneration',
    modelId: 'use-lite',
    priority: 1,
    input: { kind: 'text', text: 'hello' },
    retryCount: 0,
    maxRetries: 3,
    dependencies: [],
    metadata: {},
    createdAt: 0,
    ...overrides,
  }) as Task;

function endpoint(status: number, body: unknown) {
  const requests: { method: string; path: string; body: unknown; accepted: boolean }[] = [];
  const http = {
    request: async (method: string, path: string, sent: unknown, _signal: AbortSignal, bytes: { n: number }, accepted: boolean) => {
      requests.push({ method, path, body: sent, accepted });
      bytes.n += 10;
      return { status, body };
    },
  } as unknown as RemoteHttp;
  return { http, requests };
}

const signal = new AbortController().signal;

describe('openAiEmbed', () => {
  it('sends the model and the text, and gives one vector back for a text input', async () => {
    const { http, requests } = endpoint(200, { data: [{ index: 0, embedding: [0.6, 0.8] }] });
    const bytes = { n: 0 };
    const output = await openAiEmbed(http, task({}), signal, bytes, true);
    expect(requests).toEqual([{ method: 'POST', path: '/v1/embeddings', body: { model: 'use-lite', input: ['hello'], encoding_format: 'float' }, accepted: true }]);
    expect(output).toEqual({ kind: 'embedding', vector: new Float32Array([0.6, 0.8]), dims: 2 });
    expect(bytes.n).toBe(10);
  });

  it('gives a list of texts back as vectors in input order, whatever order the answer lists them in', async () => {
    const { http } = endpoint(200, { data: [{ index: 1, embedding: [0, 1] }, { index: 0, embedding: [1, 0] }] });
    const output = await openAiEmbed(http, task({ input: { kind: 'custom', value: { texts: ['a', 'b'] } } }), signal, { n: 0 }, false);
    expect(output).toEqual({ kind: 'embeddings', vectors: [new Float32Array([1, 0]), new Float32Array([0, 1])], dims: 2 });
  });

  it('refuses another task type, a task without a model, and an input that is not text', async () => {
    const { http, requests } = endpoint(200, { data: [] });
    await expect(openAiEmbed(http, task({ type: 'TextProcessing' }), signal, { n: 0 }, false)).rejects.toMatchObject({ code: 'not-configured' });
    const { modelId: _omit, ...noModel } = task({});
    await expect(openAiEmbed(http, noModel as Task, signal, { n: 0 }, false)).rejects.toMatchObject({ code: 'not-configured' });
    await expect(openAiEmbed(http, task({ input: { kind: 'custom', value: { texts: [1] } } }), signal, { n: 0 }, false)).rejects.toMatchObject({
      code: 'validation',
      field: 'input',
    });
    expect(requests).toEqual([]);
  });

  it('fails, not retried, when the answer has another number of vectors than texts', async () => {
    const { http } = endpoint(200, { data: [{ index: 0, embedding: [1] }] });
    const error = await openAiEmbed(http, task({ input: { kind: 'custom', value: { texts: ['a', 'b'] } } }), signal, { n: 0 }, false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskweaveError);
    expect(error).toMatchObject({ code: 'execution', retryable: false, message: expect.stringContaining('1 vectors for 2 texts') });
  });

  it('turns an HTTP error into the task’s error: 400 names the field (OpenAI’s param), 5xx is retried', async () => {
    const bad = endpoint(400, { error: { message: 'too long', param: 'input' } });
    await expect(openAiEmbed(bad.http, task({}), signal, { n: 0 }, false)).rejects.toMatchObject({ code: 'validation', retryable: false, details: { field: 'input' } });
    const down = endpoint(502, undefined);
    await expect(openAiEmbed(down.http, task({}), signal, { n: 0 }, false)).rejects.toMatchObject({ code: 'execution', retryable: true });
  });
});
