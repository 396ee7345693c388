/** The check every stored or searched vector passes: its norm, or a ValidationError naming the field. */
import { ValidationError } from '@taskweave/core';
import { describe, expect, it } from 'vitest';
import { checkVector } from './vectorCheck.js';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return { field: (error as ValidationError).field, message: (error as ValidationError).issues[0]?.message };
  }
  throw new Error('not refused');
};

describe('checkVector', () => {
  it('returns the norm of a good vector, plain or typed', () => {
    expect(checkVector([3, 4], 'query')).toBe(5);
    expect(checkVector(new Float32Array([0, 2]), 'query', 2)).toBe(2);
  });

  it('refuses the wrong number of dimensions, an empty vector, a value that is not finite and all zeros', () => {
    expect(refusal(() => checkVector([1, 2, 3], 'documents.0.vector', 2))).toEqual({
      field: 'documents.0.vector',
      message: 'must have 2 dimensions, got 3',
    });
    expect(refusal(() => checkVector([], 'query')).message).toBe('must not be empty');
    expect(refusal(() => checkVector([1, Number.NaN], 'query')).message).toBe('values must be finite');
    expect(refusal(() => checkVector([Infinity], 'query')).message).toBe('values must be finite');
    expect(refusal(() => checkVector(new Float32Array(4), 'query')).message).toBe('must not be all zeros');
  });
});
