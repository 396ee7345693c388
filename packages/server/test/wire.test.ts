/** Submit validation of an HTTP body, without Redis: what the server refuses before it enqueues. */
import { ValidationError } from '@taskweave/core';
import { describe, expect, it } from 'vitest';
import { parseTaskBody } from '../src/wire.js';

function refusal(body: unknown): ValidationError | undefined {
  try {
    parseTaskBody(body);
  } catch (e) {
    return e as ValidationError;
  }
  return undefined;
}

describe('the server refuses TextProcessing option mistakes at submit, as the browser does', () => {
  it.each([
    [{ type: 'TextProcessing', input: { kind: 'custom', value: { text: 'a', op: 'nope' } } }, 'input.value.op'],
    [{ type: 'TextProcessing', input: { kind: 'custom', value: { text: 'a', chunkSize: 4, overlap: 4 } } }, 'input.value.overlap'],
    [{ type: 'TextProcessing', input: { kind: 'text', text: 'a' }, metadata: { by: 'word' } }, 'metadata.by'],
    [{ type: 'TextProcessing', input: { kind: 'custom', value: { text: 'a', op: 'tokens' } } }, 'modelId'],
    [{ id: '4b8f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b', task_type: 'TextProcessing', priority: 'Normal', input: { Text: 'a' }, metadata: { sizeUnit: 'bytes' } }, 'metadata.sizeUnit'],
  ])('%j → %s', (body, field) => {
    const error = refusal(body);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error?.field).toBe(field);
  });

  it('accepts good options', () => {
    expect(refusal({ type: 'TextProcessing', input: { kind: 'custom', value: { text: 'a', op: 'chunk', chunkSize: 8 } } })).toBeUndefined();
  });
});
