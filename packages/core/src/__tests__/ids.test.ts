import { describe, expect, it } from 'vitest';
import { createIdGenerator } from '../ids.js';
import { taskIdSchema } from '../schemas.js';

describe('createIdGenerator', () => {
  it('gives distinct UUID v4 strings', () => {
    const next = createIdGenerator();
    const ids = Array.from({ length: 5_000 }, next);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 600)) {
      expect(taskIdSchema.safeParse(id).success, id).toBe(true);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('uses every hex digit in the random positions (no stuck bits)', () => {
    const next = createIdGenerator();
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) for (const c of next().replaceAll('-', '')) seen.add(c);
    expect(seen.size).toBe(16);
  });
});
