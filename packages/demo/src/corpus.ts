/** The bundled corpus: short passages of State of the Union addresses (public domain). */

export interface Passage {
  id: string;
  year: number;
  president: string;
  party: string;
  text: string;
}

export interface Corpus {
  source: string;
  licence: string;
  passages: Passage[];
}

/** Fetches the corpus from this origin (`public/corpus/sotu-passages.json`). */
export async function loadCorpus(): Promise<Corpus> {
  const response = await fetch(new URL(`${import.meta.env.BASE_URL}corpus/sotu-passages.json`, location.href));
  if (!response.ok) throw new Error(`The bundled corpus could not be loaded (HTTP ${response.status})`);
  return (await response.json()) as Corpus;
}
