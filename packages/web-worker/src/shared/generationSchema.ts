/**
 * The generation options of a ModelInference task whose pipeline generates text
 * (`text-generation`, `text2text-generation`), as named fields in transformers.js' spelling,
 * checked at submit (every tab) and when the task runs: a misspelt or out-of-range option is a
 * ValidationError naming `input.input.options.<field>`, before anything is stored.
 */
import { z } from 'zod';

export const GENERATION_PIPELINES: ReadonlySet<string> = new Set(['text-generation', 'text2text-generation']);

/** @example generationOptionsSchema.parse({ max_new_tokens: 64, do_sample: true, temperature: 0.7 }) */
export const generationOptionsSchema = z.strictObject({
  /** Most tokens to generate. @default 64 */
  max_new_tokens: z.int({ error: 'must be a whole number' }).min(1, 'must be at least 1').max(8192, 'must be at most 8192').default(64),
  /** Fewest tokens before the end-of-text token may end it. */
  min_new_tokens: z.int({ error: 'must be a whole number' }).min(0).max(8192).optional(),
  /** Sample (true) or take the most likely token (false: greedy, deterministic). @default false */
  do_sample: z.boolean({ error: 'must be true or false' }).optional(),
  temperature: z.number({ error: 'must be a number' }).gt(0, 'must be greater than 0').max(100).optional(),
  top_k: z.int({ error: 'must be a whole number' }).min(0).optional(),
  top_p: z.number({ error: 'must be a number' }).gt(0, 'must be greater than 0').max(1, 'must be at most 1').optional(),
  repetition_penalty: z.number({ error: 'must be a number' }).gt(0, 'must be greater than 0').optional(),
  no_repeat_ngram_size: z.int({ error: 'must be a whole number' }).min(0).optional(),
});
export type GenerationOptions = z.input<typeof generationOptionsSchema>;
