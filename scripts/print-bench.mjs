// Prints every row of bench-results.json as one table (run by `pnpm bench` after all benchmarks):
// the rows the issues define, in a fixed order, then any others; whether each meets its goal;
// and the rows that no benchmark wrote ("not measured"), so a missing benchmark cannot hide.
import { BENCH_RESULTS, readBenchRows } from './bench-results.mjs';

/** Every ratio the issues define, in the order they are printed. */
const EXPECTED = [
  'scheduler-vs-p-queue',
  'embed-vs-main-per-sentence',
  'embed-vs-main-batched',
  'embed-vs-handwritten-workers',
  'main-longtask-share',
  'durable-submit-vs-tx-per-record',
  'durable-submit-vs-bulk-tx',
  'exact-search-vs-naive-loop',
  'embed-real-corpus-vs-handwritten',
  'embed-vs-native-onnxruntime',
  'cold-start-vs-handwritten',
  'warm-reload-network-bytes',
  'heap-after-50k-finished',
  'prune-50k-vs-bulk-delete',
  'bulk-submit-20k-longest-task-ms',
  'search-1m',
  'search-1m-searches',
  'e2e-10k-durable',
  'remote-workers-2-vs-1',
  'remote-vs-local-embed',
  'stream-chunk-latency-ms',
  'stream-chunk-latency-follower-ms',
  'generation-vs-handwritten',
  'devtools-open-vs-closed',
];

/** 'yes' / 'no' for goals written as `>= x` or `<= x`, else '?'. */
export function meetsGoal(ratio, goal) {
  const m = /^\s*(>=|<=|≥|≤)\s*([\d.]+)/.exec(goal ?? '');
  if (!m || typeof ratio !== 'number' || !Number.isFinite(ratio)) return '?';
  const limit = Number(m[2]);
  return (m[1] === '>=' || m[1] === '≥' ? ratio >= limit : ratio <= limit) ? 'yes' : 'no';
}

function fmt(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return n === undefined ? '' : String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(3);
}

/** When a row was written, so rows left over from an earlier run stand out. */
function measured(iso) {
  if (typeof iso !== 'string') return 'unknown';
  const at = new Date(iso);
  const minutes = Math.round((Date.now() - at.getTime()) / 60_000);
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC${minutes >= 60 ? ` (${Math.round(minutes / 60)} h ago)` : ''}`;
}

const rows = readBenchRows();
const byName = new Map(rows.map((r) => [r.name, r]));
const ordered = [...EXPECTED.filter((n) => byName.has(n)).map((n) => byName.get(n)), ...rows.filter((r) => !EXPECTED.includes(r.name))];
const missing = EXPECTED.filter((n) => !byName.has(n));

const header = ['name', 'unit', 'baseline', 'sdk', 'ratio', 'goal', 'met', 'runs', 'measured'];
const cells = [
  ...ordered.map((r) => [r.name, r.unit, fmt(r.baseline), fmt(r.sdk), fmt(r.ratio), r.goal, meetsGoal(r.ratio, r.goal), String(r.runs), measured(r.measuredAt)]),
  ...missing.map((n) => [n, '', '', '', '', '', 'not measured', '', '']),
];
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
const line = (c) => c.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();

console.log('\ntaskweave benchmarks (ratio = sdk / baseline in the unit given)\n');
console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n'));
const met = ordered.filter((r) => meetsGoal(r.ratio, r.goal) === 'yes').length;
console.log(`\n${ordered.length} rows, ${met} meet their goal${missing.length ? `, ${missing.length} not measured: ${missing.join(', ')}` : ''}. Rows: ${BENCH_RESULTS}`);
