/**
 * The cutting rule of over-long text (`fitText`), against a made-up tokenizer, for the cases real
 * text does not reach. Real models through it: web-worker's oversized.test.ts (Chromium) and the
 * server's embeddings.test.ts (onnxruntime-node).
 */
import { describe, expect, it } from 'vitest';
import { fitText, fitToModel, settleTruncated, type TokenizerLike } from '../fitToModel.js';

const SENTENCE = 'The archive holds letters, maps and ledgers from the harbour office, sorted by year. ';
/** 5 MiB of text. */
const BIG = SENTENCE.repeat(Math.ceil((5 * 1024 * 1024) / SENTENCE.length));

/** A tokenizer that reads at most `limit` tokens: one per word (a run of 'x' folds into one), plus [CLS] and [SEP]. */
function fakeTokenizer(limit: number, longestPiece: string): TokenizerLike & { calls: number } {
  const tokenizer = {
    calls: 0,
    model_max_length: limit,
    get_vocab: () => new Map([['a', 0], ['b', 1], [longestPiece, 2]]),
    encode(text: string, options?: { add_special_tokens?: boolean }): number[] {
      tokenizer.calls++;
      const words = text.split(' ').filter((w) => w !== '');
      const tokens = words.flatMap((w) => (/^x+$/.test(w) ? [1] : [...w].map(() => 2)));
      return options?.add_special_tokens === false ? tokens : [0, ...tokens, 0];
    },
  };
  return tokenizer;
}

describe('the cutting rule (fitText)', () => {
  it('cuts at limit × longest vocabulary entry, before the next space, when that holds more tokens than the limit', () => {
    const tokenizer = fakeTokenizer(8, 'abcd');
    const text = 'ab '.repeat(100);
    const fitted = fitText(text, tokenizer);
    expect(fitted.truncated).toBe(true);
    // Budget 8 × 4 = 32 characters, then up to the space after them: whole words only.
    expect(fitted.text).toBe(text.slice(0, 32));
    expect(text.startsWith(fitted.text)).toBe(true);
    expect(tokenizer.encode(fitted.text).length).toBeGreaterThan(8);
  });

  it('doubles the budget once when the cut has too few tokens, then cuts there anyway', () => {
    // 'x…' folds into one token: no budget would reach 8 tokens.
    const fitted = fitText('x'.repeat(100_000), fakeTokenizer(8, 'abcd'));
    expect(fitted).toEqual({ text: 'x'.repeat(64), truncated: true });
  });

  it('never splits a surrogate pair', () => {
    // Budget 9 × 3 = 27: the 27th unit is the first half of an emoji.
    const fitted = fitText('😀'.repeat(100), fakeTokenizer(9, 'abc'));
    expect(fitted.text).toBe('😀'.repeat(13));
    expect(fitted.truncated).toBe(true);
  });

  it('says truncated for a short text with more tokens than the limit, and not for one that fits', () => {
    expect(fitText('a b c d e f g', fakeTokenizer(8, 'abcd'))).toEqual({ text: 'a b c d e f g', truncated: true });
    expect(fitText('é b c d e f', fakeTokenizer(8, 'abcd'))).toEqual({ text: 'é b c d e f', truncated: false });
  });

  it('does not count short ASCII text (it has at most its length in tokens), and leaves a tokenizer without a limit alone', () => {
    const tokenizer = fakeTokenizer(128, 'abcd');
    fitText('a', tokenizer);
    const before = tokenizer.calls;
    expect(fitText('a short sentence', tokenizer)).toEqual({ text: 'a short sentence', truncated: false });
    expect(tokenizer.calls).toBe(before);
    const unlimited = fakeTokenizer(8, 'abcd');
    unlimited.model_max_length = 1e30;
    expect(fitText(BIG, unlimited)).toEqual({ text: BIG, truncated: false });
  });
});

describe('fitting without counting what needs no cut (countUncut: false, settleTruncated)', () => {
  it('counts nothing within the budget, then settles each flag from the counts the tokenization gave', () => {
    // Limit 8 tokens (6 words of x's, one token each, + 2 specials), longest piece 16: budget 128 characters.
    const tokenizer = fakeTokenizer(8, 'abcdefghijklmnop');
    const texts = [
      'xx xx xx', // within the budget, well under the limit: not counted now, not again
      'xx '.repeat(20).trim(), // 20 words within the budget: not counted now, truncated
      'xx '.repeat(6).trim(), // exactly the limit (6 words + 2 specials = 8): not truncated
      'xx '.repeat(48).trim(), // > budget: cut and counted now
    ];
    const fitted = fitToModel(texts, tokenizer, { countUncut: false });
    expect(tokenizer.calls).toBe(3); // the profile's two probes, then only the over-budget text
    expect(fitted.uncounted).toEqual([true, true, true, false]);
    expect(fitted.truncated).toEqual([false, false, false, true]);
    // What a tokenizer with truncation reads of each: min(tokens, limit).
    const tokens = fitted.texts.map((t) => Math.min(tokenizer.encode(t).length, 8));
    const before = tokenizer.calls;
    expect(settleTruncated(fitted, tokens, tokenizer)).toEqual([false, true, false, true]);
    // Only the two that filled the limit were counted again.
    expect(tokenizer.calls - before).toBe(2);
    // Counted up front (the default), the same flags.
    expect(fitToModel(texts, tokenizer).truncated).toEqual([false, true, false, true]);
  });
});
