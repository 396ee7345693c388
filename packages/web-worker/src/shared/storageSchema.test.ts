/**
 * The DataStorage and DataRetrieval inputs both sides parse (storageSchema.ts): what they may
 * hold, their defaults, and the messages a refused input carries.
 */
import { describe, expect, it } from 'vitest';
import { retrievalInputSchema, storageInputSchema } from './storageSchema.js';

const firstIssue = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => {
  expect(result.success).toBe(false);
  const issue = result.error?.issues[0];
  return { path: issue?.path.join('.'), message: issue?.message };
};

describe('storageInputSchema', () => {
  it('accepts documents with a text or a vector, and defaults documents and delete to empty, chunkSize to 256', () => {
    expect(storageInputSchema.parse({ collection: 'notes' })).toEqual({ collection: 'notes', documents: [], delete: [], chunkSize: 256 });
    expect(storageInputSchema.safeParse({ collection: 'notes', chunkSize: 0 }).error?.issues[0]?.path).toEqual(['chunkSize']);
    const vector = new Float32Array([1, 0]);
    const parsed = storageInputSchema.parse({
      collection: 'notes',
      documents: [{ id: 'a', text: 'hi', metadata: { year: 2024, tag: 'x', ok: true } }, { vector }, { vector: [0.5, 0.5] }],
      delete: ['b'],
    });
    expect(parsed.documents[1]?.vector).toBe(vector);
    expect(parsed.delete).toEqual(['b']);
  });

  it('refuses a document with neither text nor vector, naming its text', () => {
    expect(firstIssue(storageInputSchema.safeParse({ collection: 'c', documents: [{ id: 'a' }] }))).toEqual({
      path: 'documents.0.text',
      message: 'a document needs a text or a vector',
    });
  });

  it('refuses an empty collection name, unknown keys, nested metadata and a vector of another kind', () => {
    expect(firstIssue(storageInputSchema.safeParse({ collection: '' })).message).toBe('must be a non-empty collection name');
    expect(storageInputSchema.safeParse({ collection: 'c', extra: 1 }).success).toBe(false);
    expect(firstIssue(storageInputSchema.safeParse({ collection: 'c', documents: [{ text: 't', metadata: { a: { b: 1 } } }] })).path).toBe(
      'documents.0.metadata.a',
    );
    expect(firstIssue(storageInputSchema.safeParse({ collection: 'c', documents: [{ vector: new Float64Array(2) }] })).message).toBe(
      'must be a Float32Array or an array of numbers',
    );
  });
});

describe('retrievalInputSchema', () => {
  it('defaults limit to 100 and includeVectors to true', () => {
    expect(retrievalInputSchema.parse({ collection: 'c' })).toEqual({ collection: 'c', limit: 100, includeVectors: true });
  });

  it('takes only a cursor an earlier page returned (digits), and a whole limit from 1 to 10,000', () => {
    expect(retrievalInputSchema.parse({ collection: 'c', cursor: '42', limit: 10_000 }).cursor).toBe('42');
    expect(firstIssue(retrievalInputSchema.safeParse({ collection: 'c', cursor: 'abc' })).message).toBe(
      'must be a nextCursor returned by an earlier page',
    );
    expect(firstIssue(retrievalInputSchema.safeParse({ collection: 'c', limit: 1.5 })).message).toBe('must be a whole number');
    expect(retrievalInputSchema.safeParse({ collection: 'c', limit: 0 }).success).toBe(false);
    expect(retrievalInputSchema.safeParse({ collection: 'c', limit: 10_001 }).success).toBe(false);
  });
});
