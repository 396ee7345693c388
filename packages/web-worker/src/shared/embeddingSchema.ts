/**
 * The `value` of an EmbeddingGeneration task's custom input (`{ texts }`), as one zod schema both
 * sides use: the embedding handler parses with it when a task runs, and `validateSubmission`
 * checks with it when the task is submitted.
 */
import { z } from 'zod';

/** Most texts one task may carry. */
export const MAX_TEXTS_PER_TASK = 1024;

const nonBlank = z.string().refine((s) => s.trim().length > 0, { message: 'must not be empty or only whitespace' });

/** `{ texts }`: 1 to `MAX_TEXTS_PER_TASK` texts, none blank. */
export const embeddingTextsSchema = z.strictObject({ texts: z.array(nonBlank).min(1).max(MAX_TEXTS_PER_TASK) });
