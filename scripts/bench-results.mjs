// Shared by every benchmark: merge rows into bench-results.json at the repo root
// (read-modify-write by row name, so each benchmark can run alone) and print a table.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BENCH_RESULTS = fileURLToPath(new URL('../bench-results.json', import.meta.url));

/** @typedef {{ name: string, unit: string, baseline: number, sdk: number, ratio: number, goal: string, runs: number, measuredAt?: string }} BenchRow */

/** @returns {BenchRow[]} */
export function readBenchRows() {
  try {
    const rows = JSON.parse(readFileSync(BENCH_RESULTS, 'utf8'));
    return Array.isArray(rows) ? rows : [];
  } catch {
    return [];
  }
}

/** @param {BenchRow[]} rows */
export function mergeBenchRows(rows) {
  const byName = new Map(readBenchRows().map((r) => [r.name, r]));
  // Stamped so the printed table shows rows left over from an earlier run.
  const measuredAt = new Date().toISOString();
  for (const row of rows) byName.set(row.name, { ...row, measuredAt: row.measuredAt ?? measuredAt });
  writeFileSync(BENCH_RESULTS, JSON.stringify([...byName.values()], null, 2) + '\n');
}

/** Median of a list of numbers. @param {number[]} values */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** @param {BenchRow[]} rows */
export function formatBenchTable(rows) {
  const header = ['name', 'unit', 'baseline', 'sdk', 'ratio', 'goal', 'runs'];
  const cells = rows.map((r) => [r.name, r.unit, fmt(r.baseline), fmt(r.sdk), fmt(r.ratio), r.goal, String(r.runs)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => v.padEnd(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function fmt(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return n === undefined ? '' : String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(3);
}
