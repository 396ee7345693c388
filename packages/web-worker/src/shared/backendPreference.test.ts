import { ValidationError, type Task } from '@taskweave/core';
import { describe, expect, it } from 'vitest';
import { BACKEND_RULE, parseTaskBackend } from './backendPreference.js';

const task = (metadata: Record<string, string>) => ({ id: 'a0e1f2a3-b4c5-4d6e-8f70-8192a3b4c5d6', metadata }) as Pick<Task, 'id' | 'metadata'>;

describe('parseTaskBackend', () => {
  it("reads metadata.backend: the backend it names, else the pool's", () => {
    expect(parseTaskBackend(task({ backend: 'wasm' }), 'auto')).toBe('wasm');
    expect(parseTaskBackend(task({ backend: 'webgpu' }), 'wasm')).toBe('webgpu');
    expect(parseTaskBackend(task({}), 'wasm')).toBe('wasm');
  });

  it('returns a ValidationError naming the task and the field for anything else', () => {
    const error = parseTaskBackend(task({ backend: 'cuda' }), 'auto');
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'validation', field: 'metadata.backend' });
    expect((error as ValidationError).message).toBe(`Task a0e1f2a3-b4c5-4d6e-8f70-8192a3b4c5d6: metadata.backend ${BACKEND_RULE}, got "cuda"`);
    expect(BACKEND_RULE).toBe("must be 'auto', 'webgpu' or 'wasm'");
  });
});
