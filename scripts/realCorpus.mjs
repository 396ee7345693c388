/**
 * Texts whose lengths vary as real notes do, for the length-aware batching rows: windows of 20–500
 * characters, cut at word boundaries, out of the bundled State of the Union passages joined into
 * one running text, drawn with a seeded generator so every run (browser and Node) sees the same
 * 1,000 texts. Works in the page and in Node: the caller passes the passages. Here, beside prng.mjs,
 * because benchmarks of two packages read it (web-worker's embed and remote-embed rows, the
 * server's workers bench).
 */
import { prng } from './prng.mjs';

/** The seed every real-corpus row uses. */
export const REAL_CORPUS_SEED = 20_261_201;

/**
 * `n` windows of `minChars`–`maxChars` characters at word boundaries, in a seeded order.
 * @example realCorpusTexts(passages.map((p) => p.text), 1000)
 * @param {readonly string[]} passages @param {number} n @param {number} [seed] @param {number} [minChars] @param {number} [maxChars]
 * @returns {string[]}
 */
export function realCorpusTexts(passages, n, seed = REAL_CORPUS_SEED, minChars = 20, maxChars = 500) {
  const text = passages.join(' ');
  const random = prng(seed);
  const starts = [0];
  for (let i = 1; i < text.length; i++) if (text[i - 1] === ' ') starts.push(i);
  /** @type {string[]} */
  const out = [];
  while (out.length < n) {
    const start = /** @type {number} */ (starts[Math.floor(random() * starts.length)]);
    const length = minChars + Math.floor(random() * (maxChars - minChars + 1));
    let end = Math.min(text.length, start + length);
    // Back to the last word boundary, unless that leaves less than the minimum.
    const space = text.lastIndexOf(' ', end);
    if (end < text.length && space - start >= minChars) end = space;
    const window = text.slice(start, end).trim();
    if (window.length >= minChars) out.push(window);
  }
  return out;
}
