/** What IndexedDB throws, as the core's typed `PersistenceError`s. */
import { PersistenceError, TaskweaveError, type ValidationError } from '../../errors.js';

export function corruptError(key: string, error: ValidationError): PersistenceError {
  return new PersistenceError('corrupt', `Stored task ${key} is corrupt and was quarantined: ${error.message}`, {
    cause: error,
    details: { key, field: error.field },
  });
}

export function closedError(): PersistenceError {
  return new PersistenceError('unavailable', 'IdbTaskStore is closed');
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Maps what IndexedDB throws to a typed PersistenceError: `QuotaExceededError` → `quota`,
 * a closed or closing connection → `unavailable`, anything else → `unknown`.
 */
export function toPersistenceError(error: unknown, doing: string): PersistenceError {
  if (error instanceof PersistenceError) return error;
  if (error instanceof TaskweaveError) {
    return new PersistenceError('unknown', `${doing}: ${error.message}`, { cause: error });
  }
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  if (name === 'QuotaExceededError') {
    return new PersistenceError('quota', `Storage quota exceeded while ${doing}; nothing of this write was stored`, {
      cause: error,
      // Nothing was written, and room may be made (the app prunes, the browser evicts): a task whose
      // own write this was may try again. A store's write that fails is reported, never retried.
      retryable: true,
    });
  }
  if (name === 'InvalidStateError' || name === 'UnknownError' || name === 'VersionError') {
    return new PersistenceError('unavailable', `IndexedDB unavailable while ${doing}: ${describeError(error)}`, { cause: error });
  }
  return new PersistenceError('unknown', `IndexedDB failed while ${doing}: ${describeError(error)}`, { cause: error });
}
