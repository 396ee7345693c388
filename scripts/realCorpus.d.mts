/** The seed every real-corpus row uses. */
export declare const REAL_CORPUS_SEED: number;
/** `n` windows of `minChars`–`maxChars` characters at word boundaries, in a seeded order. */
export declare function realCorpusTexts(passages: readonly string[], n: number, seed?: number, minChars?: number, maxChars?: number): string[];
