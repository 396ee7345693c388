/**
 * The reference: cosine of every vector in double precision, sorted (score desc, id asc).
 * Used by tests and the benchmark's baseline check; the straightforward O(n·d + n log n) way an app would write it.
 */
export function naiveTopK(
  ids: readonly string[],
  vectors: readonly (readonly number[])[],
  query: readonly number[],
  topK: number,
): { id: string; score: number }[] {
  const scored = vectors.map((v, i) => {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let j = 0; j < v.length; j++) {
      dot += (v[j] as number) * (query[j] as number);
      na += (v[j] as number) * (v[j] as number);
      nb += (query[j] as number) * (query[j] as number);
    }
    return { id: ids[i] as string, score: dot / (Math.sqrt(na) * Math.sqrt(nb)) };
  });
  scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return scored.slice(0, topK);
}
