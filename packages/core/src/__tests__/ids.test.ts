import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createIdGenerator } from '../ids.js';
import { taskIdSchema } from '../schemas.js';
import { parseSubmission } from '../scheduler/submission.js';

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

  it('keeps each id as one flat string: Node builds randomUUID() by concatenation, ~490 bytes a piece', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const next = createIdGenerator();
    gc();
    const before = process.memoryUsage().heapUsed;
    const ids = Array.from({ length: 20_000 }, next);
    gc();
    const perId = (process.memoryUsage().heapUsed - before) / ids.length;
    expect(new Set(ids).size).toBe(ids.length);
    // A flat 36-character string is 56 bytes (plus 4 for its slot in the array); a concatenated one ~490.
    expect(perId).toBeLessThan(200);
  });

  it('uses every hex digit in the random positions (no stuck bits)', () => {
    const next = createIdGenerator();
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) for (const c of next().replaceAll('-', '')) seen.add(c);
    expect(seen.size).toBe(16);
  });
});

describe('given ids', () => {
  it('any RFC 9562 UUID is a task id (v7 included); anything else is refused naming the field', () => {
    for (const id of ['01a24e9f-dba1-720d-893c-a4319c2e89b1', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', crypto.randomUUID()]) {
      expect(parseSubmission({ id, type: 'custom:x', input: { kind: 'custom', value: 1 } }).id).toBe(id);
    }
    expect(() => parseSubmission({ id: 'not-a-uuid', type: 'custom:x', input: { kind: 'custom', value: 1 } })).toThrow(/id/);
  });
});
