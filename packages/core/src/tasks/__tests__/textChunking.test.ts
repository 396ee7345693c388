import { describe, expect, it } from 'vitest';
import { checkTextOptions, normalizeText, readTextOptions, textOutput, textProcessingIssues, ValidationError, type Task, type TaskId } from '../../index.js';

const task = (value: Record<string, unknown>, modelId?: string): Task => ({
  id: '00000000-0000-4000-8000-000000000001' as TaskId,
  type: 'TextProcessing',
  priority: 1,
  input: { kind: 'custom', value },
  retryCount: 0,
  maxRetries: 0,
  dependencies: [],
  metadata: {},
  createdAt: 0,
  ...(modelId === undefined ? {} : { modelId }),
});

describe('TextProcessing rules shared by the browser and the server handlers', () => {
  it('refuses token counting without a model, naming modelId', () => {
    for (const value of [{ text: 'a b', op: 'tokens' }, { text: 'a b', sizeUnit: 'tokens' }]) {
      const t = task(value);
      let error: unknown;
      try {
        checkTextOptions(t, readTextOptions(t));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('modelId');
    }
    const withModel = task({ text: 'a b', op: 'tokens' }, 'm');
    expect(() => checkTextOptions(withModel, readTextOptions(withModel))).not.toThrow();
  });

  it('chunks into spans of the normalised text, with token counts only when a counter is given', () => {
    const t = task({ text: 'One two.  Three four five. Six.', chunkSize: 12 });
    const opts = readTextOptions(t);
    const text = normalizeText(opts.text);
    const out = textOutput(text, opts, undefined);
    if (out.kind !== 'text' || out.chunks === undefined) throw new Error('expected chunks');
    expect(out.tokens).toBeUndefined();
    for (const c of out.chunks) {
      expect(text.slice(c.start, c.end)).toBe(c.text);
      expect(c.tokens).toBeUndefined();
    }
    expect(out.chunks.length).toBeGreaterThan(1);
    const words = (s: string) => s.split(/\s+/).filter(Boolean).length;
    const counted = textOutput(text, opts, words);
    if (counted.kind !== 'text' || counted.chunks === undefined) throw new Error('expected chunks');
    expect(counted.tokens).toBe(6);
    expect(counted.chunks.every((c) => c.tokens === words(c.text))).toBe(true);
    expect(textOutput(text, { ...opts, op: 'tokens' }, words)).toEqual({ kind: 'text', text, tokens: 6 });
    expect(textOutput(text, { ...opts, op: 'normalize' }, undefined)).toEqual({ kind: 'text', text });
  });

  it.each([
    ['op', { text: 'a', op: 'nope' }, 'input.value.op'],
    ['by', { text: 'a', by: 'word' }, 'input.value.by'],
    ['sizeUnit', { text: 'a', sizeUnit: 'bytes' }, 'input.value.sizeUnit'],
    ['chunkSize', { text: 'a', chunkSize: 0 }, 'input.value.chunkSize'],
    ['overlap', { text: 'a', chunkSize: 10, overlap: 10 }, 'input.value.overlap'],
    ['locale', { text: 'a', locale: 'not a locale!' }, 'input.value.locale'],
    ['an unknown option', { text: 'a', size: 10 }, 'input.value.size'],
    ['tokens without a model', { text: 'a', op: 'tokens' }, 'modelId'],
  ])('textProcessingIssues names %s, and readTextOptions + checkTextOptions throw for the same field', (_name, value, field) => {
    const t = task(value);
    expect(textProcessingIssues(t)[0]?.field).toBe(field);
    const error = (() => {
      try {
        checkTextOptions(t, readTextOptions(t));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect((error as ValidationError).field).toBe(field);
  });

  it('textProcessingIssues reads options from metadata for a text input, naming metadata fields', () => {
    const t = { input: { kind: 'text', text: 'a b' }, metadata: { op: 'chunk', chunkSize: 'ten' } };
    expect(textProcessingIssues(t).map((i) => i.field)).toEqual(['metadata.chunkSize']);
    expect(textProcessingIssues({ ...t, metadata: { chunkSize: '10', overlap: '2', backend: 'wasm' } })).toEqual([]);
  });
});
