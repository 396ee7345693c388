/**
 * Over-long text cut down to what a model reads, without tokenizing all of it.
 *
 * transformers.js pipelines tokenize a whole string and only then truncate to the tokenizer's
 * `model_max_length`, so a 5 MB text costs a full tokenization of 5 MB for the 128 tokens use-lite
 * reads. Worse, tokenizing is not linear: transformers.js' Metaspace pre-tokenizer does not split
 * (use-lite's text is one Unigram lattice), and its Unigram lattice copies the rest of the string
 * at every character, so the cost grows with the square of the length (measured with use-lite in
 * Node: 2 K chars 35 ms, 8 K 0.7 s, 32 K 15 s; 5 MB would take hours and holds the worker).
 *
 * The rule, per text (see `fitToModel`): cut the string to a character budget, count the tokens of
 * the cut with the model's own tokenizer, and hand the pipeline the cut; the tokenizer then
 * truncates it to `model_max_length` as it always does. The budget is `model_max_length ×` the
 * longest vocabulary entry (in UTF-16 units): no token spans more characters than the longest
 * entry, so `limit × longest` characters give at least `limit` tokens — for text whose characters
 * are all in the vocabulary and kept by the normaliser. Where that does not hold (a normaliser
 * that drops or merges characters, a tokenizer that folds a run of unknown characters into one
 * unknown token), the count says so, and the budget doubles once; past that the text is cut at
 * twice the budget anyway, so the time per text stays bounded (use-lite: 2,048 then 4,096 chars).
 * The cut ends before a space when one follows the budget closely — with tokenizers where a space
 * begins a new token (use-lite's vocabulary has no piece with an inner ▁; BERT and byte-level BPE
 * split there) the cut's tokens are then the first tokens of the whole text, so its vector is the
 * whole text's — else at the budget, never inside a surrogate pair.
 */

/** What `fitToModel` needs of a transformers.js tokenizer. */
export interface TokenizerLike {
  /** The most tokens the tokenizer keeps when it truncates (tokenizer_config.json). */
  model_max_length?: number;
  /** The vocabulary, token string → id (transformers.js 4: a Map). */
  get_vocab?(): Map<string, number> | Record<string, number>;
  /** Token ids of `text`, special tokens included unless told otherwise, as the pipelines tokenize it. */
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
}

/** Texts as a model's pipeline should get them, and which were cut (or are longer than the model reads). */
export interface FittedTexts {
  texts: string[];
  /** Per text: true when the model reads only part of it. */
  truncated: boolean[];
  /**
   * With `countUncut: false`: per text, true when it was not cut and not counted, so its
   * `truncated` is still to be settled from the tokenization that follows (`settleTruncated`).
   */
  uncounted?: boolean[];
}

/** Options of `fitToModel`. */
export interface FitOptions {
  /**
   * Count the tokens of texts that need no cut (to say whether the model reads all of them).
   * `false` for a caller that tokenizes the texts itself right after, with truncation: it learns
   * each one's count from its attention mask, and `settleTruncated` finishes the flags, so no text
   * is tokenized twice. @default true
   */
  countUncut?: boolean;
}

/** Longest vocabulary entry assumed when a tokenizer does not list its vocabulary. */
const FALLBACK_PIECE_CHARS = 32;
/** Longest vocabulary entry counted (a tokenizer with absurdly long entries must not make the budget unbounded). */
const MAX_PIECE_CHARS = 64;
/** Characters past the budget searched for a space to cut before. */
const SPACE_WINDOW = 256;
/** model_max_length above this is "no limit" (Hugging Face writes 1e30 for an unknown one). */
const MAX_TOKEN_LIMIT = 1 << 20;
/** Tokens a normaliser or pre-tokenizer may add to ASCII text (a prepended ▁ or space), with room to spare. */
const ADDED_TOKENS_SLACK = 4;

interface Profile {
  /** model_max_length. */
  limit: number;
  /** First character budget: limit × the longest vocabulary entry. */
  budget: number;
  /** Longest ASCII text that surely fits without counting (see `fitText`). */
  asciiFits: number;
}

const profiles = new WeakMap<object, Profile | null>();

/** The tokenizer's truncation length, or undefined when it has none (then it truncates nothing, and neither does this). */
export function tokenLimit(tokenizer: TokenizerLike): number | undefined {
  const limit = tokenizer.model_max_length;
  return typeof limit === 'number' && Number.isInteger(limit) && limit > 0 && limit <= MAX_TOKEN_LIMIT ? limit : undefined;
}

function profileOf(tokenizer: TokenizerLike): Profile | null {
  const cached = profiles.get(tokenizer);
  if (cached !== undefined) return cached;
  const limit = tokenLimit(tokenizer);
  let profile: Profile | null = null;
  if (limit !== undefined) {
    const vocab = tokenizer.get_vocab?.();
    const pieces = vocab instanceof Map ? vocab.keys() : Object.keys(vocab ?? {});
    let longest = 0;
    // A vocabulary with gaps in its ids (tiny-random-bert) lists undefined among its pieces.
    for (const piece of pieces) if (typeof piece === 'string' && piece.length > longest) longest = piece.length;
    const pieceChars = longest > 0 ? Math.min(longest, MAX_PIECE_CHARS) : FALLBACK_PIECE_CHARS;
    const specials = Math.max(0, tokenizer.encode('a').length - tokenizer.encode('a', { add_special_tokens: false }).length);
    profile = { limit, budget: limit * pieceChars, asciiFits: limit - specials - ADDED_TOKENS_SLACK };
  }
  profiles.set(tokenizer, profile);
  return profile;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** The first `budget` characters of `text` or a little more: up to the next space within SPACE_WINDOW, else not splitting a surrogate pair. */
function cut(text: string, budget: number): string {
  if (text.length <= budget) return text;
  const space = text.indexOf(' ', budget);
  if (space !== -1 && space - budget <= SPACE_WINDOW) return text.slice(0, space);
  const code = text.charCodeAt(budget - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? budget - 1 : budget;
  return text.slice(0, end);
}

/**
 * One text fitted to the tokenizer's limit: the text itself when it is short enough, else a prefix
 * with more tokens than the limit (so the model reads exactly what it would read of the whole),
 * or, after one doubling, the prefix at twice the budget (the model then reads all of its tokens).
 *
 * Short ASCII text is not counted (tokenizing twice would cost every short sentence a few percent
 * of its embedding time): ASCII is unchanged by NFKC, and every token covers at least one
 * character (byte), so such a text has at most its length in tokens, plus the special tokens, plus
 * the few a normaliser or pre-tokenizer prepends.
 *
 * @example fitText('a'.repeat(5e6), tokenizer) // { text: 'aaaa…' (2,048 chars for use-lite), truncated: true }
 */
export function fitText(text: string, tokenizer: TokenizerLike, options: FitOptions = {}): { text: string; truncated: boolean; uncounted?: true } {
  const profile = profileOf(tokenizer);
  if (profile === null || (text.length <= profile.asciiFits && !NON_ASCII.test(text))) return { text, truncated: false };
  const { limit, budget: first } = profile;
  // Within the budget nothing is cut: the count would only say whether the model reads all of it.
  if (options.countUncut === false && text.length <= first) return { text, truncated: false, uncounted: true };
  for (let budget = first; ; budget *= 2) {
    const prefix = cut(text, budget);
    const tokens = tokenizer.encode(prefix).length;
    if (tokens > limit) return { text: prefix, truncated: true };
    if (prefix.length === text.length) return { text, truncated: false };
    if (budget >= 2 * first) return { text: prefix, truncated: true };
  }
}

/**
 * Fits each of `texts` to the tokenizer's token limit (see the module comment for the rule).
 *
 * @example const { texts: fitted, truncated } = fitToModel(texts, pipe.tokenizer)
 */
export function fitToModel(texts: readonly string[], tokenizer: TokenizerLike | undefined, options: FitOptions = {}): FittedTexts {
  if (tokenizer === undefined || profileOf(tokenizer) === null) return { texts: [...texts], truncated: texts.map(() => false) };
  const out: FittedTexts = { texts: [], truncated: [] };
  const uncounted: boolean[] = [];
  for (const text of texts) {
    const fitted = fitText(text, tokenizer, options);
    out.texts.push(fitted.text);
    out.truncated.push(fitted.truncated);
    uncounted.push(fitted.uncounted === true);
  }
  if (options.countUncut === false) out.uncounted = uncounted;
  return out;
}

/**
 * The `truncated` flags of texts fitted with `countUncut: false`, once they were tokenized with
 * truncation: `tokens` is each one's count as the model reads it (its attention mask). A text the
 * tokenizer kept whole reads fewer than the limit; one that fills the limit exactly is counted once
 * more, whole (it may have had exactly the limit), so only texts at least as long as the model
 * reads are tokenized again.
 *
 * @example const fitted = fitToModel(texts, tokenizer, { countUncut: false }); … settleTruncated(fitted, rowTokens, tokenizer)
 */
export function settleTruncated(fitted: FittedTexts, tokens: readonly number[], tokenizer: TokenizerLike): boolean[] {
  const limit = tokenLimit(tokenizer);
  return fitted.truncated.map((truncated, i) => {
    if (fitted.uncounted?.[i] !== true || limit === undefined || (tokens[i] ?? 0) < limit) return truncated;
    return tokenizer.encode(fitted.texts[i] as string).length > limit;
  });
}
