/** The check every vector passes before it is stored or searched with. */
import { ValidationError } from '@taskweave/core';

/**
 * Checks a vector (finite values, not all zero, `dims` long when given) and returns its norm.
 * Throws a ValidationError naming `field`.
 */
export function checkVector(vector: ArrayLike<number>, field: string, dims?: number): number {
  if (dims !== undefined && vector.length !== dims) {
    throw new ValidationError(`${field}: must have ${dims} dimensions (the collection's), got ${vector.length}`, [
      { path: field.split('.'), field, message: `must have ${dims} dimensions, got ${vector.length}` },
    ]);
  }
  if (vector.length === 0) {
    throw new ValidationError(`${field}: must not be empty`, [{ path: field.split('.'), field, message: 'must not be empty' }]);
  }
  let sq = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i] as number;
    if (!Number.isFinite(v)) {
      throw new ValidationError(`${field}: value ${i} is not finite`, [{ path: field.split('.'), field, message: 'values must be finite' }]);
    }
    sq += v * v;
  }
  if (sq === 0) {
    throw new ValidationError(`${field}: must not be all zeros (cosine is undefined)`, [
      { path: field.split('.'), field, message: 'must not be all zeros' },
    ]);
  }
  return Math.sqrt(sq);
}
